"""Where the athlete stands on a given day: the figures shown under the findings.

Only trusted runs on or before ``as_of`` count (runs dated later are analysed for findings but do
not change the picture "as of" an earlier day). None of these figures raises a finding.
``longest_run_30d_km`` covers the 30 days ending on ``as_of``, i.e. the window tomorrow's run will
be compared with (short runs included, suspect-GPS runs not).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from strava_rehab.load.acwr import ewma_acwr, uncoupled_acwr
from strava_rehab.load.daily import DailyKm
from strava_rehab.load.evidence import ACWR_NOTE, MONOTONY_NOTE, WEEKLY_NOTE
from strava_rehab.load.model import LoadMetrics, LoadThresholds
from strava_rehab.load.monotony import monotony_and_strain
from strava_rehab.load.sessions import ReadRun


def load_metrics(
    read: Sequence[ReadRun], daily: DailyKm, as_of: date, thresholds: LoadThresholds
) -> LoadMetrics:
    day = as_of.toordinal()
    first_day = next((r.day for r in read if r.trusted), None)
    history_days = day - first_day + 1 if first_day is not None and first_day <= day else 0

    last_7d = daily.total(day - 6, day)
    previous_7d = daily.total(day - 13, day - 7)
    weekly_change = last_7d / previous_7d - 1 if previous_7d > 0 else None

    acwr_uncoupled: float | None = None
    acwr_ewma: float | None = None
    if first_day is not None and history_days >= thresholds.acwr_min_history_days:
        acwr_uncoupled = uncoupled_acwr(daily, day)
        acwr_ewma = ewma_acwr(daily, first_day, day, thresholds)

    monotony, strain = monotony_and_strain(daily.series(day - 6, day))
    longest = max((r.km for r in read if r.trusted and day - 29 <= r.day <= day), default=0.0)
    return LoadMetrics(
        last_7d_km=last_7d,
        previous_7d_km=previous_7d,
        weekly_change=weekly_change,
        acwr_uncoupled=acwr_uncoupled,
        acwr_ewma=acwr_ewma,
        monotony=monotony,
        strain=strain,
        history_days=history_days,
        longest_run_30d_km=longest,
    )


def metric_notes(metrics: LoadMetrics, thresholds: LoadThresholds) -> list[str]:
    """The caveats to print under the figures, so no number is shown without its evidence."""
    notes = [ACWR_NOTE]
    if metrics.history_days < thresholds.acwr_min_history_days:
        notes.append(
            f"ACWR appears once {thresholds.acwr_min_history_days} days of history exist "
            f"(there are {metrics.history_days} so far)."
        )
    notes += [WEEKLY_NOTE, MONOTONY_NOTE]
    return notes
