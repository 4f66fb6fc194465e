"""Pain logged by hand (``strava-rehab pain log``): validated against the same vocabulary."""

from __future__ import annotations

import difflib
from datetime import date
from typing import get_args

from strava_rehab.content.knowledge import pain_languages, vocabulary
from strava_rehab.context import AppContext
from strava_rehab.db import gateway
from strava_rehab.errors import UserFacingError
from strava_rehab.pain import PainReport, parse_pain
from strava_rehab.pain.model import Side, Timing
from strava_rehab.settings import Settings


class PainLogError(UserFacingError, ValueError):
    """A hand-logged report that cannot be stored as given; the message lists what is accepted."""


def resolve_region(ctx: AppContext, text: str) -> str:
    return region_of(ctx.settings, text)


def region_of(settings: Settings, text: str) -> str:
    """The region id ``text`` names; a PainLogError with the closest names when none."""
    vocab = vocabulary(settings)
    key = text.strip().lower().replace(" ", "_").replace("-", "_")
    if key in vocab.region_ids:
        return key
    for report in parse_pain(f"{text} pain", vocab):
        if report.region:
            return report.region
    region = pain_languages(settings).region_of(text)  # "Schienbein", "espinilla"
    if region is not None:
        return region
    words = {word: region for word, region in vocab.regions.one_word_phrases()}
    words.update({region: region for region in vocab.region_ids})
    close = difflib.get_close_matches(key, list(words), n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(repr(w) for w in close)}? " if close else ""
    raise PainLogError(
        f"unknown body region {text!r}; {hint}use one of: {', '.join(vocab.region_ids)} "
        "(or a common name such as shin, heel, arch, achilles, kneecap, IT band, sit bone)"
    )


def log_pain(
    ctx: AppContext,
    athlete_id: int,
    region: str,
    score: float,
    *,
    side: str | None,
    timing: str | None,
    day: date,
    note: str = "",
) -> PainReport:
    if not 0 <= score <= 10:
        raise PainLogError(f"score {score:g} is outside 0-10 (0 = no pain, 10 = worst imaginable)")
    if side is not None and side not in get_args(Side):
        raise PainLogError(f"--side {side!r}: expected one of {', '.join(get_args(Side))}")
    if timing is not None and timing not in get_args(Timing):
        raise PainLogError(f"--when {timing!r}: expected one of {', '.join(get_args(Timing))}")
    # The note may carry red flags ("worse at night", "limping"): read them with the parser.
    flags = sorted(
        {flag for r in pain_languages(ctx.settings).read(note).reports for flag in r.red_flags}
    )
    report = PainReport(
        region=resolve_region(ctx, region),
        side=side,  # type: ignore[arg-type]
        score=score,
        timing=timing,  # type: ignore[arg-type]
        negated=score == 0,
        red_flags=tuple(flags),
        text=note,
    )
    gateway.add_pain(ctx.db, gateway.StoredPain(athlete_id, None, day, "cli", report), ctx.clock())
    return report
