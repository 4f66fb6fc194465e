"""A load finding's explanation in the runner's language and units.

The analysis stores its explanation in English km (``load/explanations.py``): that text is
kept, and is what an English runner in km reads, byte for byte. Any other voice gets the
finding re-rendered from its structured values (distance, reference, ratio), so nothing
stored has to change when a runner switches language or units.
"""

from __future__ import annotations

from strava_rehab.load.model import Finding
from strava_rehab.text.voice import N_, Voice

_TEXTS = {
    "session_spike": N_(
        "This {distance} run was {pct}% longer than your longest run of the previous 30 days "
        "({reference}). A higher injury rate is not a certainty: most runs like this cause no "
        "injury."
    ),
    "weekly_progression": N_(
        "You have run {distance} in the 7 days up to and including this run, {pct}% more than "
        "the {reference} of the 7 days before. This is a notice, not a warning."
    ),
    "return_after_break": N_(
        "This {distance} run is your first long run in a while, so there is no recent longest "
        "run to compare it with. Consider building back up over a few weeks."
    ),
    "suspect_gps": N_(
        "This activity records {distance}, which looks like a GPS glitch or a ride saved as a "
        "run. It is left out of your distance totals. Correct it on Strava and it will be "
        "analysed again."
    ),
}


def finding_text(finding: Finding, voice: Voice) -> str:
    if voice.is_default or finding.kind not in _TEXTS:
        return finding.explanation
    pct = "" if finding.ratio is None else f"{(finding.ratio - 1.0) * 100.0:.0f}"
    if finding.kind in {"session_spike", "weekly_progression"} and finding.reference is None:
        return voice._(_TEXTS["return_after_break"]).format(distance=voice.distance(finding.value))
    return voice._(_TEXTS[finding.kind]).format(
        distance=voice.distance(finding.value),
        reference="" if finding.reference is None else voice.distance(finding.reference),
        pct=pct,
    )
