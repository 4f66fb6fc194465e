"""Small builders for rehab tests: one runner's day, in a few readable words."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from strava_rehab.content import load_library
from strava_rehab.load.model import Finding, FindingKind, Severity
from strava_rehab.pain.model import PainReport, Side, Timing, Trend
from strava_rehab.rehab import Library, PainEntry, ProtocolState, Situation

TODAY = date(2025, 6, 2)


@cache
def library() -> Library:
    return load_library()


def day(days_ago: int) -> date:
    return TODAY - timedelta(days=days_ago)


def pain(
    region: str | None,
    score: float | None = None,
    *,
    side: Side | None = None,
    timing: Timing | None = None,
    negated: bool = False,
    trend: Trend | None = None,
    flags: tuple[str, ...] = (),
    unknown: tuple[str, ...] = (),
) -> PainReport:
    return PainReport(
        region=region,
        side=side,
        score=score,
        timing=timing,
        negated=negated,
        trend=trend,
        red_flags=flags,
        unknown_terms=unknown,
        text=f"{side or ''} {region or ' '.join(unknown)} {score}/10",
    )


def spike(
    kind: FindingKind = "session_spike",
    band: str = "moderate",
    *,
    value: float = 21.0,
    reference: float | None = 14.0,
    severity: Severity = "warning",
) -> Finding:
    ratio = None if reference is None else value / reference
    return Finding(
        activity_id=1,
        local_date=TODAY,
        kind=kind,
        band=band,
        severity=severity,
        value=value,
        reference=reference,
        ratio=ratio,
        explanation=f"{kind}: {value} km",
        source="Frandsen 2025, doi:10.1136/bjsports-2024-109380",
    )


def entry(days_ago: int, report: PainReport) -> PainEntry:
    return PainEntry(local_date=day(days_ago), activity_id=None, report=report)


def state(
    protocol_id: str,
    phase: int,
    *,
    started: int = 20,
    last_full: int | None = 20,
    phase_started: int | None = None,
    last_score: float | None = None,
) -> ProtocolState:
    return ProtocolState(
        protocol_id=protocol_id,
        phase=phase,
        started_on=day(started),
        last_full_on=None if last_full is None else day(last_full),
        last_score=last_score,
        phase_started_on=None if phase_started is None else day(phase_started),
    )


def situation(
    pain_today: list[PainReport] | None = None,
    history: list[PainEntry] | None = None,
    findings: list[Finding] | None = None,
    states: list[ProtocolState] | None = None,
) -> Situation:
    return Situation(
        today=TODAY,
        activity_id=1,
        pain_today=pain_today or [],
        pain_history=history or [],
        findings=findings or [],
        states=states or [],
    )
