"""The weekly digest: load, findings, pain trend and this week's exercises, as plain text."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from pydantic import BaseModel, ConfigDict

from strava_rehab.load import Finding, LoadMetrics
from strava_rehab.pain import PainReport

DISCLAIMER = "Education, not a diagnosis: see a clinician for pain that persists or worsens."


class Digest(BaseModel):
    model_config = ConfigDict(frozen=True)

    athlete_name: str
    week_start: date
    week_end: date
    metrics: LoadMetrics
    findings: list[Finding]
    pain: list[tuple[date, PainReport]]
    exercises: list[str]


def _km(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} km"


def _pain_trend(pain: list[tuple[date, PainReport]]) -> list[str]:
    by_region: dict[str, list[tuple[date, float]]] = defaultdict(list)
    for day, report in pain:
        if report.region and not report.negated and report.score is not None:
            by_region[report.region].append((day, report.score))
    lines = []
    for region, scores in sorted(by_region.items()):
        first, last = scores[0][1], scores[-1][1]
        trend = "rising" if last - first >= 2 else "easing" if first - last >= 2 else "steady"
        series = ", ".join(f"{s:g}" for _, s in scores)
        lines.append(f"- {region.replace('_', ' ')}: {series} /10 ({trend})")
    return lines


def render_digest(digest: Digest) -> tuple[str, str]:
    m = digest.metrics
    title = f"strava-rehab weekly digest {digest.week_start:%d %b} - {digest.week_end:%d %b}"
    lines = [
        f"Hi {digest.athlete_name}," if digest.athlete_name else "Hi,",
        "",
        f"Last 7 days: {_km(m.last_7d_km)} (previous 7: {_km(m.previous_7d_km)})",
    ]
    if m.weekly_change is not None:
        lines.append(f"Week-on-week change: {m.weekly_change:+.0%}")
    if m.acwr_uncoupled is not None:
        lines.append(f"Acute:chronic ratio (context only): {m.acwr_uncoupled:.2f}")
    lines += ["", "Findings:"]
    lines += [f"- {f.local_date}: {f.explanation}" for f in digest.findings] or ["- none"]
    lines += ["", "Pain you logged (last 2 weeks):"]
    lines += _pain_trend(digest.pain) or ["- none"]
    lines += ["", "This week's exercises:"]
    lines += [f"- {name}" for name in digest.exercises] or ["- none suggested"]
    lines += ["", DISCLAIMER, "Powered by Strava"]
    return title, "\n".join(lines)
