"""Acute:chronic workload ratio, as context only: never a finding (Frandsen 2025).

ACWR thresholds are contested, and in the largest running cohort (Frandsen 2025) ACWR spikes went
with *lower* injury rates, so the product shows the figure and raises nothing from it.

- **Uncoupled rolling** (Windt & Gabbett 2019; the form Frandsen used): the 7 days ending on the
  day, over the mean week of the 21 days before them.
- **EWMA** (Williams et al. 2017): ``ewma = λ·load + (1-λ)·ewma_yesterday``, ``λ = 2/(N+1)``, with
  N = ``ewma_acute_days`` (7) and ``ewma_chronic_days`` (28). Seeding is not standardised; here
  both averages start at the load of the first day of history (the first trusted run's date),
  and every later day without a run counts as 0 km, so gaps pull both averages down.
- Both are None until ``acwr_min_history_days`` (28) local days of history exist, counting from
  the first trusted run, and None when the chronic value is 0 (after a long break).
"""

from __future__ import annotations

from collections.abc import Iterable

from strava_rehab.load.daily import DailyKm
from strava_rehab.load.model import LoadThresholds


def ewma_lambda(span_days: int) -> float:
    return 2.0 / (span_days + 1)


def ewma(loads: Iterable[float], span_days: int) -> float | None:
    """The EWMA after the last load, seeded with the first one; None for no loads."""
    weight = ewma_lambda(span_days)
    average: float | None = None
    for load in loads:
        average = load if average is None else weight * load + (1 - weight) * average
    return average


def uncoupled_acwr(daily: DailyKm, day: int) -> float | None:
    """The 7 days ending on ``day`` (an ordinal) over the mean week of the 21 days before."""
    acute = daily.total(day - 6, day)
    chronic_week = daily.total(day - 27, day - 7) / 3
    if chronic_week <= 0:
        return None
    return acute / chronic_week


def ewma_acwr(daily: DailyKm, first_day: int, day: int, thresholds: LoadThresholds) -> float | None:
    loads = daily.series(first_day, day)
    acute = ewma(loads, thresholds.ewma_acute_days)
    chronic = ewma(loads, thresholds.ewma_chronic_days)
    if acute is None or chronic is None or chronic <= 0:
        return None
    return acute / chronic
