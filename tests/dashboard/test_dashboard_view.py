"""The /me view model, checked by hand against the fixture's numbers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.dashboard.dashboard_fixture import (
    SPIKE_RUN,
    dashboard,
    findings,
    pain_entries,
    runs,
    todays_decision,
)
from tests.rehab.rehab_builders import TODAY, day, library, state

from strava_rehab.dashboard import finding_id, load_series, plan_views
from strava_rehab.load import LoadThresholds, analyze


def test_window_is_whole_weeks_ending_today() -> None:
    load = dashboard().load
    assert load.end == TODAY
    assert load.start == TODAY - timedelta(days=83)
    assert len(load.days) == 84
    assert len(dashboard(weeks=4).load.days) == 28


def test_daily_distance_and_rolling_7_day_total() -> None:
    by_day = {d.local_date: d for d in dashboard().load.days}
    assert by_day[TODAY].km == pytest.approx(14.0)
    assert by_day[TODAY].runs == 1
    assert by_day[TODAY].rolling_7d_km == pytest.approx(29.0)  # 10 + 5 + 14
    assert by_day[day(3)].rolling_7d_km == pytest.approx(15.0)  # 27 May 10 + 30 May 5
    assert by_day[day(1)].km == 0.0
    assert by_day[day(1)].rolling_7d_km == pytest.approx(15.0)
    load = dashboard().load
    assert load.total_km == pytest.approx(59.0)
    assert load.last_7d_km == pytest.approx(29.0)


def test_reference_is_the_longest_run_of_the_30_days_before() -> None:
    by_day = {d.local_date: d for d in dashboard().load.days}
    assert by_day[day(27)].reference_km is None  # the first run: nothing before it
    assert by_day[day(26)].reference_km == pytest.approx(10.0)
    assert by_day[TODAY].reference_km == pytest.approx(10.0)
    # Tomorrow's run meets today's 14 km.
    assert dashboard().load.reference_km == pytest.approx(14.0)


def test_reference_equals_what_each_spike_was_measured_against() -> None:
    load = dashboard().load
    by_day = {d.local_date: d for d in load.days}
    spikes = [m for m in load.spikes if m.kind == "session_spike"]
    assert spikes
    for mark in spikes:
        assert by_day[mark.local_date].reference_km == pytest.approx(mark.reference_km)


def test_reference_window_drops_old_runs_and_skips_short_ones() -> None:
    thresholds = LoadThresholds(min_run_km=6.0)  # the 5 km run can never be a reference
    load = load_series(runs(), [], TODAY + timedelta(days=35), weeks=6, thresholds=thresholds)
    by_day = {d.local_date: d for d in load.days}
    # 30 days after the 14 km run it is still the reference; the day after, nothing is.
    assert by_day[TODAY + timedelta(days=30)].reference_km == pytest.approx(14.0)
    assert by_day[TODAY + timedelta(days=31)].reference_km is None
    assert by_day[day(2)].reference_km == pytest.approx(10.0)


def test_spike_is_marked_with_its_band_explanation_and_source() -> None:
    load = dashboard().load
    (spike,) = [m for m in load.spikes if m.kind == "session_spike"]
    assert spike.activity_id == SPIKE_RUN
    assert spike.band == "moderate"
    assert spike.severity == "warning"
    assert spike.label == "moderate spike"
    assert spike.ratio == pytest.approx(1.4)
    assert spike.value_km == pytest.approx(14.0)
    assert "Frandsen" in spike.source
    assert spike.explanation
    assert spike.id == f"{SPIKE_RUN}-2025-06-02-session-spike"
    kinds = {(m.activity_id, m.kind) for m in load.spikes}
    assert (SPIKE_RUN, "weekly_progression") in kinds  # 29 km against 10 km the week before


def test_info_findings_are_not_marked() -> None:
    report = analyze(runs(), TODAY)
    glitch = report.findings[0].model_copy(update={"severity": "info", "kind": "suspect_gps"})
    load = load_series(runs(), [glitch], TODAY)
    assert load.spikes == []


def test_pain_timeline_per_region() -> None:
    timelines = {t.region: t for t in dashboard().pain}
    assert set(timelines) == {"shin", "plantar_heel"}
    shin = timelines["shin"]
    assert shin.region_name == "shin"
    assert shin.limit == 5.0
    assert [(p.local_date, p.score) for p in shin.points] == [(day(3), 2.0), (TODAY, 4.0)]
    assert not any(p.over_limit or p.red_flag for p in shin.points)
    assert shin.latest.activity_id == SPIKE_RUN
    (heel,) = timelines["plantar_heel"].points
    assert heel.red_flag
    assert any("night" in reason for reason in heel.red_flag_reasons)
    # The most recently mentioned region comes first.
    assert [t.region for t in dashboard().pain] == ["shin", "plantar_heel"]


def test_plan_for_left_shin_after_a_spike_is_the_shin_programme_with_doses() -> None:
    decision = todays_decision()
    assert decision.kind == "rehab"
    (plan,) = dashboard().plans
    assert plan.protocol_id == "shin_splints"
    assert plan.protocol_name == "Shin programme"
    assert plan.phase == 1
    assert plan.phase_count == 3
    assert plan.phase_name == "Settle and strengthen the hips"
    ids = [item.exercise_id for item in plan.exercises]
    assert ids == [
        "side_lying_hip_abduction",
        "hip_extension",
        "hip_thrust",
        "towel_toe_curl",
        "wall_calf_stretch",
        "plantar_fascia_stretch",
    ]
    # The same doses and cues as the suggestion written to the run.
    assert [(i.exercise_id, i.dose, i.cues) for i in plan.exercises] == [
        (i.exercise_id, i.dose, i.cues) for i in decision.exercises if not i.option
    ]
    assert all(item.dose and item.cues for item in plan.exercises)
    assert any("phase 2 of 3" in line.lower() for line in plan.move_on)
    assert any("2/10 or less" in line for line in plan.move_on)
    assert any("5/10" in line and "stay at phase 1" in line for line in plan.step_back)
    assert any("clinician" in line for line in plan.step_back)
    assert plan.cautions and "stress fracture" in plan.cautions[0]
    assert any("Silbernagel" in source for source in plan.sources)
    assert dashboard().disclaimer == library().rules.disclaimer
    assert "not a diagnosis" in dashboard().disclaimer


def test_later_phase_steps_back_one_phase() -> None:
    (plan,) = plan_views([state("shin_splints", 3, started=30, last_full=2)], library(), [], TODAY)
    assert plan.phase == 3
    assert any("step back to phase 2" in line for line in plan.step_back)
    assert "last phase" in plan.move_on[0]
    assert {"single_leg_heel_raise", "squat"} <= {i.exercise_id for i in plan.exercises}
    heel_raise = next(i for i in plan.exercises if i.exercise_id == "single_leg_heel_raise")
    assert "holding a weight" in heel_raise.dose  # the phase's own dose, not the default


def test_expired_and_unknown_states_are_not_current_plans() -> None:
    old = state("shin_splints", 2, started=90, last_full=90)
    unknown = state("no_such_protocol", 1, started=1, last_full=1)
    assert plan_views([old, unknown], library(), [], TODAY) == []
    # A recent pain note in the protocol's region keeps it alive.
    assert plan_views([old], library(), pain_entries(), TODAY)[0].phase == 2


def test_caution_and_prevention_plans() -> None:
    plans = plan_views(
        [state("prevention", 1, started=2, last_full=2), state("bone_stress_injury", 1)],
        library(),
        [],
        TODAY,
    )
    assert [p.kind for p in plans] == ["caution", "prevention"]
    caution, prevention = plans
    assert caution.exercises == [] and caution.phase is None
    assert any("Stop running" in line for line in caution.load_advice)
    assert prevention.exercises and prevention.move_on == [] and prevention.step_back == []


def test_suggestion_history_newest_first_linked_to_findings() -> None:
    first, second = dashboard().suggestions
    assert first.activity_id == SPIKE_RUN
    assert first.protocol_name == "Shin programme"
    assert first.phase_name == "Settle and strengthen the hips"
    assert first.delivered
    spike = next(f for f in findings() if f.activity_id == SPIKE_RUN)
    assert finding_id(spike) in first.finding_ids
    assert second.activity_id == 101 and not second.delivered and second.finding_ids == []


def test_weeks_setting_is_bounded() -> None:
    with pytest.raises(ValueError, match="weeks"):
        dashboard(weeks=0)
