"""Single-session spike and return after a break (Frandsen 2025 bands, product edge cases)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from strava_rehab.load import Finding, LoadThresholds, RunSession, analyze

RunFactory = Callable[..., RunSession]


def findings_of(runs: list[RunSession], activity_id: int, **settings: float) -> list[Finding]:
    thresholds = LoadThresholds(**settings)  # type: ignore[arg-type]
    last_day = max(r.local_date for r in runs)
    report = analyze(runs, last_day, thresholds)
    return [f for f in report.findings if f.activity_id == activity_id]


def spike_of(runs: list[RunSession], activity_id: int) -> Finding | None:
    spikes = [f for f in findings_of(runs, activity_id) if f.kind == "session_spike"]
    return spikes[0] if spikes else None


def test_worked_example_21_km_after_a_14_km_longest_is_a_moderate_spike(
    make_run: RunFactory, day0: date
) -> None:
    # A 30-day history whose longest run is 14 km, then a 21 km run: 21 / 14 = 1.5.
    history = [make_run(i + 1, i * 3, 8.0) for i in range(9)]
    history.append(make_run(20, 10, 14.0))
    runs = [*history, make_run(99, 29, 21.0)]

    spike = spike_of(runs, 99)

    assert spike is not None
    assert spike.ratio == pytest.approx(1.5)
    assert spike.band == "moderate"
    assert spike.severity == "warning"
    assert spike.value == pytest.approx(21.0)
    assert spike.reference == pytest.approx(14.0)
    assert spike.hazard_ratio == "1.52 (95% CI 1.16–2.00)"
    assert "doi:10.1136/bjsports-2024-109380" in spike.source
    assert "21.0 km" in spike.explanation
    assert "50% longer" in spike.explanation
    assert "14.0 km on 11 Mar 2024" in spike.explanation
    # The moderate band's hazard ratio is below the small band's: the text must not imply a
    # smooth dose-response.
    assert "does not grow steadily" in spike.explanation


@pytest.mark.parametrize(
    ("km", "band", "severity", "hazard"),
    [
        (11.0, None, None, None),  # exactly +10%: the reference band
        (11.1, "small", "notice", "1.64 (95% CI 1.31–2.05)"),
        (13.0, "small", "notice", "1.64 (95% CI 1.31–2.05)"),  # exactly +30%
        (13.1, "moderate", "warning", "1.52 (95% CI 1.16–2.00)"),
        (20.0, "moderate", "warning", "1.52 (95% CI 1.16–2.00)"),  # exactly +100%
        (20.1, "large", "warning", "2.28 (95% CI 1.50–3.48)"),
        (9.0, None, None, None),  # shorter than the reference
    ],
)
def test_bands_follow_the_study_edges(
    make_run: RunFactory, km: float, band: str | None, severity: str | None, hazard: str | None
) -> None:
    runs = [make_run(1, 0, 10.0), make_run(2, 5, km)]

    spike = spike_of(runs, 2)

    if band is None:
        assert spike is None
    else:
        assert spike is not None
        assert (spike.band, spike.severity, spike.hazard_ratio) == (band, severity, hazard)
        assert spike.ratio == pytest.approx(km / 10.0)


def test_large_spikes_are_described_as_a_multiple(make_run: RunFactory) -> None:
    spike = spike_of([make_run(1, 0, 10.0), make_run(2, 3, 25.0)], 2)

    assert spike is not None
    assert spike.band == "large"
    assert "2.5 times as long as" in spike.explanation


def test_small_spike_text_says_small_jumps_are_not_safe(make_run: RunFactory) -> None:
    spike = spike_of([make_run(1, 0, 10.0), make_run(2, 3, 12.0)], 2)

    assert spike is not None
    assert spike.band == "small"
    assert "not a safe one" in spike.explanation


def test_reference_window_is_the_30_days_before_the_run(make_run: RunFactory) -> None:
    # Day 0 is exactly 30 days before day 30: still in the window.
    inside = [make_run(1, 0, 20.0), make_run(2, 30, 21.0)]
    # Day 0 is 31 days before day 31: out of the window, so day 31 is a return after a break.
    outside = [make_run(1, 0, 20.0), make_run(2, 31, 21.0)]

    assert findings_of(inside, 2) == []
    kinds = [f.kind for f in findings_of(outside, 2)]
    assert kinds == ["return_after_break"]


def test_an_earlier_run_the_same_day_is_a_reference_but_a_later_one_is_not(
    make_run: RunFactory,
) -> None:
    runs = [
        make_run(1, 0, 8.0),
        make_run(2, 10, 14.0, hour=6),  # morning
        make_run(3, 10, 15.0, hour=18),  # evening: 15 / 14 < 1.10
    ]

    assert spike_of(runs, 3) is None
    morning = spike_of(runs, 2)
    assert morning is not None
    assert morning.reference == pytest.approx(8.0)
    evening_as_reference = spike_of([*runs, make_run(4, 11, 17.0)], 4)
    assert evening_as_reference is not None
    assert evening_as_reference.reference == pytest.approx(15.0)


def test_the_same_day_reference_is_named_as_such(make_run: RunFactory) -> None:
    runs = [make_run(1, 3, 5.0, hour=6), make_run(2, 3, 10.0, hour=18)]

    spike = spike_of(runs, 2)

    assert spike is not None
    assert "earlier the same day" in spike.explanation


def test_runs_in_reverse_start_order_on_one_day_are_ordered_by_start_time(
    make_run: RunFactory,
) -> None:
    # The higher activity id started first: the start time, not the id, decides "earlier".
    runs = [make_run(7, 3, 10.0, hour=18), make_run(8, 3, 5.0, hour=6)]

    spike = spike_of(runs, 7)

    assert spike is not None
    assert spike.reference == pytest.approx(5.0)


def test_very_short_runs_are_never_spikes_nor_references(make_run: RunFactory) -> None:
    runs = [
        make_run(1, 0, 0.4),
        make_run(2, 1, 0.9),  # > 2x the 0.4 km jog, but under min_run_km
        make_run(3, 2, 12.0),  # only short runs before it: judged as a return after a break
    ]

    assert findings_of(runs, 2) == []
    assert [f.kind for f in findings_of(runs, 3)] == ["return_after_break"]


def test_return_after_a_six_week_break_is_judged_by_distance(make_run: RunFactory) -> None:
    base = [make_run(i + 1, i * 2, 8.0) for i in range(10)]  # days 0..18
    long_return = [*base, make_run(50, 18 + 42, 12.0)]
    short_return = [*base, make_run(50, 18 + 42, 6.0)]

    found = findings_of(long_return, 50)
    assert [(f.kind, f.band, f.severity) for f in found] == [
        ("return_after_break", "long_return", "warning")
    ]
    assert found[0].ratio is None
    assert found[0].reference is None
    assert found[0].value == pytest.approx(12.0)
    assert "12.0 km" in found[0].explanation
    assert "No study measured returns directly" in found[0].explanation
    assert findings_of(short_return, 50) == []


def test_return_distance_threshold_is_a_setting(make_run: RunFactory) -> None:
    runs = [make_run(1, 0, 8.0)]

    assert findings_of(runs, 1) == []
    assert [f.kind for f in findings_of(runs, 1, return_after_break_km=5.0)] == [
        "return_after_break"
    ]


def test_first_weeks_of_history_ramp_up_from_the_first_run(make_run: RunFactory) -> None:
    runs = [make_run(1, 0, 5.0), make_run(2, 2, 5.0), make_run(3, 4, 8.0)]

    assert findings_of(runs, 1) == []  # first run ever, short: nothing to say
    assert findings_of(runs, 2) == []
    spike = spike_of(runs, 3)
    assert spike is not None
    assert spike.ratio == pytest.approx(1.6)


@pytest.mark.parametrize(
    ("surface", "phrase"),
    [({"trainer": True}, "treadmill run"), ({"manual": True}, "entered by hand")],
)
def test_treadmill_and_manual_runs_count_and_say_so(
    make_run: RunFactory, surface: dict[str, bool], phrase: str
) -> None:
    runs = [make_run(1, 0, 10.0), make_run(2, 3, 15.0, **surface)]

    spike = spike_of(runs, 2)

    assert spike is not None
    assert phrase in spike.explanation
    outdoor = spike_of([make_run(1, 0, 10.0), make_run(2, 3, 15.0)], 2)
    assert outdoor is not None
    assert phrase not in outdoor.explanation


def test_suspect_gps_run_is_info_not_spike_and_not_a_reference(make_run: RunFactory) -> None:
    runs = [
        make_run(1, 0, 10.0),
        make_run(2, 1, 60.0, moving_time_s=1800),  # 33 m/s: a car, not a runner
        make_run(3, 2, 12.0),
    ]

    glitch = findings_of(runs, 2)
    assert [(f.kind, f.severity, f.band) for f in glitch] == [
        ("suspect_gps", "info", "implausible_speed")
    ]
    assert "120.0 km/h" in glitch[0].explanation
    later = spike_of(runs, 3)
    assert later is not None
    assert later.reference == pytest.approx(10.0)  # not 60 km


def test_distance_without_moving_time_is_suspect(make_run: RunFactory) -> None:
    runs = [make_run(1, 0, 10.0), make_run(2, 2, 30.0, moving_time_s=0)]

    found = findings_of(runs, 2)

    assert [(f.kind, f.band) for f in found] == [("suspect_gps", "no_moving_time")]


def test_fast_but_plausible_running_is_not_suspect(make_run: RunFactory) -> None:
    # 10 km in 27 minutes (6.2 m/s, faster than most will ever run) is still a run.
    runs = [make_run(1, 0, 10.0), make_run(2, 2, 10.0, moving_time_s=27 * 60)]

    assert findings_of(runs, 2) == []


def test_deleting_the_reference_run_changes_a_later_finding(make_run: RunFactory) -> None:
    runs = [make_run(1, 0, 8.0), make_run(2, 5, 16.0), make_run(3, 10, 17.0)]
    assert spike_of(runs, 3) is None  # 17 / 16

    without_reference = [r for r in runs if r.activity_id != 2]
    spike = spike_of(without_reference, 3)

    assert spike is not None
    assert spike.reference == pytest.approx(8.0)
    assert spike.band == "large"  # 17 / 8


def test_editing_a_run_distance_recomputes_its_finding(make_run: RunFactory) -> None:
    runs = [make_run(1, 0, 10.0), make_run(2, 4, 25.0)]
    assert spike_of(runs, 2) is not None

    edited = [runs[0], runs[1].model_copy(update={"distance_m": 10_500.0})]

    assert spike_of(edited, 2) is None


def test_custom_bands_drop_the_study_hazard_ratios(make_run: RunFactory) -> None:
    runs = [make_run(1, 0, 10.0), make_run(2, 3, 12.5)]

    found = [
        f for f in findings_of(runs, 2, spike_small=1.2, spike_moderate=1.5) if f.band == "small"
    ]

    assert len(found) == 1
    assert found[0].hazard_ratio is None
    assert "not quoted" in found[0].explanation


def test_thresholds_out_of_order_are_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="spike_small < spike_moderate < spike_large"):
        LoadThresholds(spike_small=1.5, spike_moderate=1.3)


def test_spike_dates_use_the_local_date_given(make_run: RunFactory) -> None:
    runs = [make_run(1, date(2024, 12, 31), 10.0), make_run(2, date(2025, 1, 2), 14.0)]

    spike = spike_of(runs, 2)

    assert spike is not None
    assert spike.local_date == date(2025, 1, 2)
    assert spike.local_date - runs[0].local_date == timedelta(days=2)
