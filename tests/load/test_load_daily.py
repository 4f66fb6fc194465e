"""The daily distance series: local days, rest days, double days, glitches, input errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from strava_rehab.load import LoadInputError, RunSession, analyze, daily_distance_km

RunFactory = Callable[..., RunSession]


def test_rest_days_are_zero_and_two_runs_on_a_day_add_up(make_run: RunFactory, day0: date) -> None:
    runs = [make_run(1, 0, 5.0), make_run(2, 2, 8.0, hour=6), make_run(3, 2, 4.5, hour=19)]

    series = daily_distance_km(runs, day0, day0 + timedelta(days=3))

    assert series == pytest.approx([5.0, 0.0, 12.5, 0.0])


def test_range_is_inclusive_and_ignores_runs_outside_it(make_run: RunFactory, day0: date) -> None:
    runs = [make_run(1, -1, 7.0), make_run(2, 0, 5.0), make_run(3, 1, 6.0), make_run(4, 2, 9.0)]

    assert daily_distance_km(runs, day0, day0 + timedelta(days=1)) == pytest.approx([5.0, 6.0])


def test_late_evening_run_counts_on_its_local_day_across_a_dst_change() -> None:
    # 10 March 2024 is the US spring-forward day; 23:30 in New York is already 03:30Z on the 11th.
    new_york = ZoneInfo("America/New_York")
    start_local = datetime(2024, 3, 10, 23, 30, tzinfo=new_york)
    start_utc = start_local.astimezone(UTC)
    assert start_utc.date() == date(2024, 3, 11)
    run = RunSession(
        activity_id=1,
        local_date=start_local.date(),  # what the caller derives from the activity's time zone
        start_utc=start_utc,
        distance_m=10_000,
        moving_time_s=3_300,
    )

    series = daily_distance_km([run], date(2024, 3, 10), date(2024, 3, 11))

    assert series == pytest.approx([10.0, 0.0])


def test_suspect_gps_runs_are_left_out_but_short_treadmill_and_manual_runs_count(
    make_run: RunFactory, day0: date
) -> None:
    runs = [
        make_run(1, 0, 0.5),
        make_run(2, 1, 6.0, trainer=True),
        make_run(3, 2, 7.0, manual=True),
        make_run(4, 3, 50.0, moving_time_s=1500),
    ]

    series = daily_distance_km(runs, day0, day0 + timedelta(days=3))

    assert series == pytest.approx([0.5, 6.0, 7.0, 0.0])


def test_naive_start_times_are_read_as_utc(make_run: RunFactory, day0: date) -> None:
    aware = make_run(1, 0, 5.0, hour=18)
    naive = make_run(2, 0, 9.0, hour=6).model_copy(
        update={"start_utc": datetime(day0.year, day0.month, day0.day, 6)}
    )

    report = analyze([aware, naive], day0)

    # The naive 06:00 run is the earlier one, so the 18:00 run is compared with it.
    assert daily_distance_km([aware, naive], day0, day0) == pytest.approx([14.0])
    assert report.findings == []


def test_duplicate_activity_ids_are_refused_with_the_id(make_run: RunFactory, day0: date) -> None:
    runs = [make_run(7, 0, 5.0), make_run(7, 1, 6.0)]

    with pytest.raises(LoadInputError, match="activity 7 appears more than once"):
        daily_distance_km(runs, day0, day0 + timedelta(days=1))
    with pytest.raises(ValueError, match="activity 7 appears more than once"):
        analyze(runs, day0)


def test_reversed_range_is_refused(make_run: RunFactory, day0: date) -> None:
    with pytest.raises(LoadInputError, match="after its end"):
        daily_distance_km([make_run(1, 0, 5.0)], day0, day0 - timedelta(days=1))
