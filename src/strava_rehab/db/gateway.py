"""Stored rows to the pure core's models and back: the one place the two vocabularies meet."""

from __future__ import annotations

from datetime import date, datetime

from strava_rehab.db.models import Activity, FindingRow, PainReportRow
from strava_rehab.load import Finding, RunSession
from strava_rehab.pain import PainReport


def run_session(row: Activity) -> RunSession:
    return RunSession(
        activity_id=row.id,
        local_date=row.local_date,
        start_utc=row.start_utc,
        distance_m=row.distance_m,
        moving_time_s=row.moving_time_s,
        sport_type=row.sport_type,
        manual=row.manual,
        trainer=row.trainer,
    )


def finding_of(row: FindingRow) -> Finding:
    return Finding(
        activity_id=row.activity_id,
        local_date=row.local_date,
        kind=row.kind,  # type: ignore[arg-type]
        band=row.band,
        severity=row.severity,  # type: ignore[arg-type]
        value=row.value,
        reference=row.reference,
        ratio=row.ratio,
        hazard_ratio=row.hazard_ratio,
        explanation=row.explanation,
        source=row.source,
    )


def pain_of(row: PainReportRow) -> PainReport:
    return PainReport(
        region=row.region,
        side=row.side,  # type: ignore[arg-type]
        score=row.score,
        timing=row.timing,  # type: ignore[arg-type]
        negated=row.negated,
        trend=row.trend,  # type: ignore[arg-type]
        red_flags=tuple(row.red_flags or ()),
        unknown_terms=tuple(row.unknown_terms or ()),
        text=row.text,
    )


def pain_row(
    athlete_id: int,
    activity_id: int | None,
    day: date,
    source: str,
    report: PainReport,
    now: datetime,
) -> PainReportRow:
    return PainReportRow(
        athlete_id=athlete_id,
        activity_id=activity_id,
        local_date=day,
        source=source,
        region=report.region,
        side=report.side,
        score=report.score,
        timing=report.timing,
        negated=report.negated,
        trend=report.trend,
        red_flags=list(report.red_flags),
        unknown_terms=list(report.unknown_terms),
        text=report.text[:2000],
        created_at=now,
    )
