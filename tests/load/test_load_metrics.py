"""The figures shown under the findings: weekly totals, ACWR, monotony and strain."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from strava_rehab.load import LoadThresholds, RunSession, analyze
from strava_rehab.load.acwr import ewma, ewma_lambda

RunFactory = Callable[..., RunSession]


def test_ewma_lambdas_follow_williams_2017() -> None:
    assert ewma_lambda(7) == pytest.approx(0.25)
    assert ewma_lambda(28) == pytest.approx(2 / 29)


def test_ewma_by_hand_is_seeded_with_the_first_day_and_counts_rest_days() -> None:
    # λ = 0.25: 10 → 0.75·10 = 7.5 → 0.75·7.5 = 5.625 → 0.25·5 + 0.75·5.625 = 5.46875
    assert ewma([10.0, 0.0, 0.0, 5.0], 7) == pytest.approx(5.46875)
    assert ewma([], 7) is None


def test_acwr_ewma_after_one_run_and_27_rest_days(make_run: RunFactory, day0: date) -> None:
    as_of = day0 + timedelta(days=27)

    metrics = analyze([make_run(1, 0, 10.0)], as_of).metrics

    assert metrics.history_days == 28
    # acute = 10·0.75^27, chronic = 10·(27/29)^27
    assert metrics.acwr_ewma == pytest.approx((0.75 / (27 / 29)) ** 27)
    # The only run is in the chronic weeks, none in the last 7 days.
    assert metrics.acwr_uncoupled == pytest.approx(0.0)


def test_uncoupled_acwr_is_this_week_over_the_mean_of_the_three_before(
    make_run: RunFactory, day0: date
) -> None:
    runs = [make_run(day + 1, day, 5.0) for day in range(21)]  # 35 km a week
    runs += [make_run(day + 1, day, 7.0) for day in range(21, 28)]  # then 49 km

    metrics = analyze(runs, day0 + timedelta(days=27)).metrics

    assert metrics.acwr_uncoupled == pytest.approx(49 / 35)
    assert metrics.last_7d_km == pytest.approx(49.0)
    assert metrics.previous_7d_km == pytest.approx(35.0)
    assert metrics.weekly_change == pytest.approx(0.4)


def test_acwr_is_hidden_until_28_days_of_history(make_run: RunFactory, day0: date) -> None:
    runs = [make_run(day + 1, day, 5.0) for day in range(28)]

    day_27 = analyze(runs, day0 + timedelta(days=26)).metrics
    day_28 = analyze(runs, day0 + timedelta(days=27)).metrics

    assert day_27.history_days == 27
    assert (day_27.acwr_uncoupled, day_27.acwr_ewma) == (None, None)
    assert day_28.acwr_uncoupled == pytest.approx(1.0)
    assert day_28.acwr_ewma == pytest.approx(1.0)


def test_acwr_history_threshold_is_a_setting(make_run: RunFactory, day0: date) -> None:
    runs = [make_run(day + 1, day, 5.0) for day in range(40)]
    thresholds = LoadThresholds(acwr_min_history_days=35)

    assert analyze(runs, day0 + timedelta(days=33), thresholds).metrics.acwr_ewma is None
    assert analyze(runs, day0 + timedelta(days=34), thresholds).metrics.acwr_ewma is not None


def test_acwr_is_none_when_the_chronic_load_is_zero(make_run: RunFactory, day0: date) -> None:
    # Six weeks off after a month of running: the chronic weeks hold nothing.
    runs = [make_run(day + 1, day, 5.0) for day in range(28)]
    runs.append(make_run(100, 28 + 42, 5.0))

    metrics = analyze(runs, day0 + timedelta(days=28 + 42)).metrics

    assert metrics.acwr_uncoupled is None
    assert metrics.history_days == 71
    assert metrics.acwr_ewma is not None  # the EWMA keeps a (tiny) memory of the month


def test_monotony_and_strain_of_a_known_week(make_run: RunFactory, day0: date) -> None:
    # 10, 0, 10, 0, 10, 0, 10: mean 40/7, population SD sqrt(1200)/7, monotony 40/sqrt(1200).
    runs = [make_run(i + 1, day, 10.0) for i, day in enumerate([0, 2, 4, 6])]

    metrics = analyze(runs, day0 + timedelta(days=6)).metrics

    assert metrics.monotony == pytest.approx(40 / math.sqrt(1200))
    assert metrics.strain == pytest.approx(40 * 40 / math.sqrt(1200))


def test_monotony_is_undefined_for_identical_days(make_run: RunFactory, day0: date) -> None:
    runs = [make_run(day + 1, day, 8.0) for day in range(7)]

    metrics = analyze(runs, day0 + timedelta(days=6)).metrics

    assert (metrics.monotony, metrics.strain) == (None, None)
    empty_week = analyze(runs, day0 + timedelta(days=30)).metrics
    assert (empty_week.monotony, empty_week.strain) == (None, None)


def test_weekly_change_is_none_without_a_previous_week(make_run: RunFactory, day0: date) -> None:
    metrics = analyze([make_run(1, 0, 5.0)], day0).metrics

    assert metrics.weekly_change is None
    assert metrics.history_days == 1


def test_recent_days_are_the_last_14_local_days(make_run: RunFactory, day0: date) -> None:
    runs = [
        make_run(1, 0, 5.0),
        make_run(2, 13, 6.0, hour=6),
        make_run(3, 13, 4.0, hour=18),
        make_run(4, 12, 40.0, moving_time_s=600),  # glitch: not counted
    ]

    recent = analyze(runs, day0 + timedelta(days=13)).recent_days

    assert [d.local_date for d in recent] == [day0 + timedelta(days=i) for i in range(14)]
    assert [d.km for d in recent] == pytest.approx([5.0] + [0.0] * 12 + [10.0])
    assert [d.runs for d in recent] == [1] + [0] * 12 + [2]


def test_longest_run_covers_the_30_days_ending_on_as_of(make_run: RunFactory, day0: date) -> None:
    runs = [make_run(1, 0, 18.0), make_run(2, 10, 12.0), make_run(3, 20, 3.0)]

    assert analyze(runs, day0 + timedelta(days=29)).metrics.longest_run_30d_km == 18.0
    assert analyze(runs, day0 + timedelta(days=30)).metrics.longest_run_30d_km == 12.0
    assert analyze(runs, day0 + timedelta(days=60)).metrics.longest_run_30d_km == 0.0


def test_runs_after_as_of_get_findings_but_do_not_move_the_metrics(
    make_run: RunFactory, day0: date
) -> None:
    runs = [make_run(1, 0, 10.0), make_run(2, 5, 25.0)]

    report = analyze(runs, day0)

    assert [f.activity_id for f in report.findings] == [2]
    assert report.metrics.last_7d_km == pytest.approx(10.0)
    assert report.metrics.longest_run_30d_km == pytest.approx(10.0)


def test_before_any_run_there_is_no_history(make_run: RunFactory, day0: date) -> None:
    metrics = analyze([make_run(1, 10, 5.0)], day0).metrics

    assert metrics.history_days == 0
    assert metrics.last_7d_km == 0.0
    assert (metrics.acwr_ewma, metrics.acwr_uncoupled, metrics.monotony) == (None, None, None)


def test_notes_explain_the_evidence_behind_the_figures(make_run: RunFactory, day0: date) -> None:
    notes = analyze([make_run(1, 0, 5.0)], day0).notes

    text = " ".join(notes)
    assert "lower, not higher, injury rates" in text  # ACWR in runners went the other way
    assert "28 days of history" in text
    assert "illness, not injury" in text
    assert "10% rule" in text
