"""Turning the load analysis' findings into reasons with numbers and load advice."""

from __future__ import annotations

from strava_rehab.load.model import Finding
from strava_rehab.rehab.library import Rules
from strava_rehab.rehab.policy import RehabPolicy
from strava_rehab.text.findings import finding_text
from strava_rehab.text.voice import ENGLISH, Voice

# A suspect-GPS finding says the data is wrong, not that the runner did too much.
_NOT_A_SPIKE = {"suspect_gps"}


def spikes(findings: list[Finding], policy: RehabPolicy) -> list[Finding]:
    """The findings that mean "more load than usual", worth advice."""
    return [
        finding
        for finding in findings
        if finding.kind not in _NOT_A_SPIKE
        and finding.band != "none"
        and finding.severity in policy.spike_severities
    ]


def finding_reason(finding: Finding, rules: Rules, voice: Voice = ENGLISH) -> str:
    """ "your 21 km run was 50% longer than your longest in the last 30 days (14 km)"."""
    text = rules.findings.get(finding.kind)
    if text is None or finding.reference is None or finding.ratio is None:
        return finding_text(finding, voice)
    return text.reason.format(
        value=finding.value,
        reference=finding.reference,
        # The distances in the runner's units ("21.0 km" / "13.0 mi"): what templates use.
        distance=voice.distance(finding.value),
        reference_distance=voice.distance(finding.reference),
        ratio=finding.ratio,
        pct=(finding.ratio - 1.0) * 100.0,
    )


def band_advice(findings: list[Finding], rules: Rules) -> list[str]:
    """Load advice for the bands found, strongest warning first, each line once."""
    ordered = sorted(findings, key=lambda f: {"warning": 0, "notice": 1}.get(f.severity, 2))
    lines: list[str] = []
    for finding in ordered:
        advice = rules.band_advice.get(finding.band) or rules.band_advice["default"]
        lines.extend(line for line in advice if line not in lines)
    return lines
