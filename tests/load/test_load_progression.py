"""Weekly progression: a notice above +30% week over week, once per day (Nielsen 2014)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from strava_rehab.load import Finding, LoadThresholds, RunSession, analyze

RunFactory = Callable[..., RunSession]


def weekly(runs: list[RunSession], since: date, **settings: float) -> list[Finding]:
    """Weekly notices from ``since`` on; earlier ones belong to the ramp-up of the history."""
    thresholds = LoadThresholds(**settings)  # type: ignore[arg-type]
    report = analyze(runs, max(r.local_date for r in runs), thresholds)
    return [f for f in report.findings if f.kind == "weekly_progression" and f.local_date >= since]


def steady_fortnight(make_run: RunFactory) -> list[RunSession]:
    """10 km runs on the same three weekdays from day -14 to day 12: 30 km in every 7 days."""
    days = [day for day in range(-14, 13) if day % 7 in (1, 3, 5)]
    return [make_run(i, day, 10.0) for i, day in enumerate(days, start=1)]


def test_more_than_30_percent_over_the_previous_week_is_a_notice(
    make_run: RunFactory, day0: date
) -> None:
    runs = [*steady_fortnight(make_run), make_run(99, 13, 10.0)]

    found = weekly(runs, day0)

    assert len(found) == 1
    notice = found[0]
    assert notice.activity_id == 99
    assert notice.severity == "notice"
    assert notice.value == pytest.approx(40.0)  # days 7..13
    assert notice.reference == pytest.approx(30.0)  # days 0..6
    assert notice.ratio == pytest.approx(40 / 30)
    assert notice.hazard_ratio == "1.59 (95% CI 0.96–2.66; distance-related injuries only)"
    assert "doi:10.2519/jospt.2014.5164" in notice.source
    assert "doi:10.1177/0363546507307505" in notice.source
    assert "33% more" in notice.explanation
    assert "not statistically certain" in notice.explanation
    assert "10% rule" in notice.explanation


def test_exactly_30_percent_is_not_flagged(make_run: RunFactory, day0: date) -> None:
    assert weekly([*steady_fortnight(make_run), make_run(99, 13, 9.0)], day0) == []


def test_no_previous_week_means_no_ratio(make_run: RunFactory, day0: date) -> None:
    runs = [make_run(1, 20, 5.0), make_run(2, 21, 5.0), make_run(3, 22, 5.0)]

    assert weekly(runs, day0) == []


def test_the_notice_goes_on_the_run_that_crosses_the_threshold(
    make_run: RunFactory, day0: date
) -> None:
    runs = [
        *steady_fortnight(make_run),
        make_run(98, 13, 6.0, hour=6),  # week 36 km: +20%
        make_run(99, 13, 5.0, hour=18),  # week 41 km: +37%
    ]

    assert [f.activity_id for f in weekly(runs, day0)] == [99]


def test_a_second_run_the_same_day_gets_no_second_notice(make_run: RunFactory, day0: date) -> None:
    runs = [
        *steady_fortnight(make_run),
        make_run(98, 13, 10.0, hour=6),  # already over
        make_run(99, 13, 5.0, hour=18),
    ]

    assert [f.activity_id for f in weekly(runs, day0)] == [98]


def test_a_high_week_gives_at_most_one_notice_per_day(make_run: RunFactory, day0: date) -> None:
    runs = [make_run(day + 1, day, 5.0, hour=6) for day in range(29)]  # 35 km every week
    runs += [make_run(100 + day, day, 10.0, hour=18) for day in (28, 29, 30)]
    runs += [make_run(200 + day, day, 5.0, hour=6) for day in (29, 30)]

    # Every 7-day window is full from day 13 on; before, the history is still ramping up.
    found = weekly(runs, since=day0 + timedelta(days=13))

    days = [f.local_date for f in found]
    assert len(days) == len(set(days))
    by_day = {(f.local_date - day0).days: f.activity_id for f in found}
    # Day 28: 45 / 35. Day 29: 45 after the morning run, 55 after the evening one. Day 30: the
    # morning run already makes 55.
    assert by_day == {29: 129, 30: 230}


def test_suspect_gps_distance_does_not_count_in_the_week(make_run: RunFactory, day0: date) -> None:
    runs = [
        *steady_fortnight(make_run)[:-1],  # day 12's run replaced by a glitch
        make_run(50, 12, 80.0, moving_time_s=2400),
        make_run(51, 13, 10.0),
    ]

    assert weekly(runs, day0) == []


def test_treadmill_runs_count_in_the_week(make_run: RunFactory, day0: date) -> None:
    runs = [*steady_fortnight(make_run), make_run(99, 13, 10.0, trainer=True)]

    assert [f.activity_id for f in weekly(runs, day0)] == [99]


def test_custom_threshold_drops_the_study_figures(make_run: RunFactory, day0: date) -> None:
    runs = [*steady_fortnight(make_run), make_run(99, 13, 10.0)]

    assert weekly(runs, day0, weekly_progression=0.5) == []
    found = weekly(runs, day0, weekly_progression=0.2)
    assert len(found) == 1
    assert found[0].hazard_ratio is None
    assert "20%" in found[0].explanation
