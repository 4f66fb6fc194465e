"""The weekly digest: load, findings, pain trend and this week's exercises, as plain text."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from pydantic import BaseModel, ConfigDict

from strava_rehab.load import Finding, LoadMetrics
from strava_rehab.pain import PainReport
from strava_rehab.text.findings import finding_text
from strava_rehab.text.voice import ENGLISH, N_, Voice

DISCLAIMER = N_("Education, not a diagnosis: see a clinician for pain that persists or worsens.")
_TRENDS = {"rising": N_("rising"), "easing": N_("easing"), "steady": N_("steady")}


class Digest(BaseModel):
    model_config = ConfigDict(frozen=True)

    athlete_name: str
    week_start: date
    week_end: date
    metrics: LoadMetrics
    findings: list[Finding]
    pain: list[tuple[date, PainReport]]
    exercises: list[str]


def _km(value: float | None, voice: Voice = ENGLISH) -> str:
    return "-" if value is None else voice.distance(value)


def _day(day: date, voice: Voice) -> str:
    if voice.language == "en":
        return f"{day:%d %b}"  # as the digest always said (the C locale's month names)
    return f"{day.day:02d} {voice.month(day.month)}"


def _pain_trend(
    pain: list[tuple[date, PainReport]],
    voice: Voice = ENGLISH,
    region_names: dict[str, str] | None = None,
) -> list[str]:
    by_region: dict[str, list[tuple[date, float]]] = defaultdict(list)
    for day, report in pain:
        if report.region and not report.negated and report.score is not None:
            by_region[report.region].append((day, report.score))
    lines = []
    for region, scores in sorted(by_region.items()):
        first, last = scores[0][1], scores[-1][1]
        trend = "rising" if last - first >= 2 else "easing" if first - last >= 2 else "steady"
        series = ", ".join(f"{s:g}" for _, s in scores)
        name = (region_names or {}).get(region) or region.replace("_", " ")
        lines.append(f"- {name}: {series} /10 ({voice._(_TRENDS[trend])})")
    return lines


def render_digest(
    digest: Digest, voice: Voice = ENGLISH, region_names: dict[str, str] | None = None
) -> tuple[str, str]:
    """(title, body). ``region_names``: the library's words for the regions in the runner's
    language (English keeps the region ids, as the digest always did)."""
    _ = voice._
    m = digest.metrics
    title = _("strava-rehab weekly digest {start} - {end}").format(
        start=_day(digest.week_start, voice), end=_day(digest.week_end, voice)
    )
    names = None if voice.language == "en" else region_names
    lines = [
        _("Hi {name},").format(name=digest.athlete_name) if digest.athlete_name else _("Hi,"),
        "",
        _("Last 7 days: {distance} (previous 7: {previous})").format(
            distance=_km(m.last_7d_km, voice), previous=_km(m.previous_7d_km, voice)
        ),
    ]
    if m.weekly_change is not None:
        lines.append(_("Week-on-week change: {change}").format(change=f"{m.weekly_change:+.0%}"))
    if m.acwr_uncoupled is not None:
        lines.append(
            _("Acute:chronic ratio (context only): {ratio}").format(ratio=f"{m.acwr_uncoupled:.2f}")
        )
    lines += ["", _("Findings:")]
    lines += [f"- {f.local_date}: {finding_text(f, voice)}" for f in digest.findings] or [
        _("- none")
    ]
    lines += ["", _("Pain you logged (last 2 weeks):")]
    lines += _pain_trend(digest.pain, voice, names) or [_("- none")]
    lines += ["", _("This week's exercises:")]
    lines += [f"- {name}" for name in digest.exercises] or [_("- none suggested")]
    lines += ["", _(DISCLAIMER), "Powered by Strava"]
    return title, "\n".join(lines)
