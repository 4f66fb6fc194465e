"""The recent weekly distance the post-run pass gives the rules (Situation.recent_weekly_km)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from strava_rehab.db.models import Activity
from strava_rehab.load import LoadThresholds, RunSession
from strava_rehab.services.suggest import recent_weekly_km

TODAY = date(2026, 3, 30)


def _run(activity_id: int, days_ago: int, km: float, hour: int = 7) -> RunSession:
    day = TODAY - timedelta(days=days_ago)
    return RunSession(
        activity_id=activity_id,
        local_date=day,
        start_utc=datetime.combine(day, time(hour), UTC),
        distance_m=km * 1000,
        moving_time_s=int(km * 330),
    )


def _weeks(*km_per_week: float) -> list[RunSession]:
    """Six runs a week, the oldest week first, ending today."""
    runs: list[RunSession] = []
    for index, weekly in enumerate(km_per_week):
        week_end = 7 * (len(km_per_week) - 1 - index)
        for day in range(6 if weekly else 0):
            runs.append(_run(len(runs) + 1, week_end + day, weekly / 6))
    return runs


def _as_activity(run: RunSession) -> Activity:
    return Activity(id=run.activity_id, local_date=run.local_date, start_utc=run.start_utc)


@pytest.mark.parametrize(
    ("km_per_week", "expected"),
    [
        ((60, 60, 60, 60), 60.0),  # steady high mileage
        ((10, 10, 10, 50), 50.0),  # a sudden big week: the last 7 days win
        ((80, 80, 80, 20), 65.0),  # a taper: the 28-day mean wins
        ((0, 0, 0, 12), 12.0),  # new to running
        ((200, 40, 40, 40, 40), 40.0),  # a week older than 28 days does not count
    ],
)
def test_larger_of_the_last_week_and_the_four_week_mean(
    km_per_week: tuple[float, ...], expected: float
) -> None:
    runs = _weeks(*km_per_week)
    today = max(runs, key=lambda r: r.start_utc)
    assert recent_weekly_km(runs, _as_activity(today), LoadThresholds()) == expected


def test_runs_that_started_after_this_one_do_not_count() -> None:
    runs = _weeks(42, 42, 42, 42)
    morning = max(runs, key=lambda r: r.start_utc)
    evening = _run(999, 0, 30.0, hour=18)
    assert recent_weekly_km([*runs, evening], _as_activity(morning), LoadThresholds()) == 42.0
    assert recent_weekly_km([*runs, evening], _as_activity(evening), LoadThresholds()) == 72.0
