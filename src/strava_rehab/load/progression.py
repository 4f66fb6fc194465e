"""Weekly progression: the 7 local days up to this run against the 7 before (Nielsen 2014).

A **notice only**: the evidence is weak (HR 1.59, 95% CI 0.96–2.66, distance-related injuries
only), Frandsen 2025 found no link with week-to-week ratios, and the 10% rule had no effect in an
RCT (Buist 2008). The texts say so.

- "This week" is the six local days before the run's date plus the run's own date **up to and
  including this run** (same-day runs in start order); "the week before" is the seven days before
  that. Using only runs up to this one keeps the finding a pure function of the past, so adding
  a later run never rewrites an earlier run's findings.
- Flagged when ``this / before - 1 > weekly_progression`` (30% by default). Nothing when the week
  before had no distance (the first week of history, or after a break): there is no ratio, and the
  single-run check covers returns.
- **Once per day**: on the first trusted run of the day at which the week is over the threshold.
  Later runs that day add to the same week and get no second notice. A week that stays high over
  several days gets one notice per running day, each with that day's numbers.
"""

from __future__ import annotations

from strava_rehab.load import explanations
from strava_rehab.load.evidence import (
    BUIST_2008,
    EDGE_TOLERANCE,
    NIELSEN_2014,
    WEEKLY_HAZARD_RATIO,
    uses_study_weekly_cut,
)
from strava_rehab.load.model import Finding, LoadThresholds, RunSession

SOURCE = f"{NIELSEN_2014}; on the 10% rule: {BUIST_2008}"


def _over(week_km: float, previous_week_km: float, thresholds: LoadThresholds) -> bool:
    return week_km / previous_week_km - 1 > thresholds.weekly_progression + EDGE_TOLERANCE


def weekly_finding(
    run: RunSession,
    week_km: float,
    week_km_before_run: float,
    previous_week_km: float,
    earlier_run_today: bool,
    thresholds: LoadThresholds,
) -> Finding | None:
    """``week_km`` includes this run; ``week_km_before_run`` is the same week without it."""
    if previous_week_km <= 0 or not _over(week_km, previous_week_km, thresholds):
        return None
    if earlier_run_today and _over(week_km_before_run, previous_week_km, thresholds):
        return None  # an earlier run today already carries the notice
    change = week_km / previous_week_km - 1
    study = uses_study_weekly_cut(thresholds)
    return Finding(
        activity_id=run.activity_id,
        local_date=run.local_date,
        kind="weekly_progression",
        band="over_threshold",
        severity="notice",
        value=week_km,
        reference=previous_week_km,
        ratio=week_km / previous_week_km,
        hazard_ratio=WEEKLY_HAZARD_RATIO if study else None,
        explanation=explanations.weekly_progression(
            week_km, previous_week_km, change, thresholds, study
        ),
        source=SOURCE,
    )
