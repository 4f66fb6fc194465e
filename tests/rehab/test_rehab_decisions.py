"""Runner situations and what a sports physio would decide: one row per situation."""

from __future__ import annotations

import pytest
from tests.rehab.rehab_builders import day, library, pain, situation, state
from tests.rehab.rehab_cases import CASES, Case

from strava_rehab.rehab import Decision, RehabPolicy, decide


def _decide(case: Case) -> Decision:
    return decide(case.given, library())


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_runner_situation(case: Case) -> None:
    decision = _decide(case)

    assert decision.kind == case.kind, decision.reasons
    assert decision.protocol_id == case.protocol
    if case.phase is not None:
        assert decision.phase == case.phase
    assert bool(decision.load_advice) is case.load_advice
    suggested = {item.exercise_id for item in decision.exercises}
    if case.exercises is None:
        assert suggested == set()
    else:
        assert case.exercises <= suggested
    reasons = " | ".join(decision.reasons).lower()
    for text in case.reasons:
        assert text.lower() in reasons
    advice = " | ".join(decision.load_advice).lower()
    for text in case.advice:
        assert text.lower() in advice
    if case.next_phase is not None:
        assert decision.next_state is not None
        assert decision.next_state.phase == case.next_phase
    assert decision.disclaimer


def test_at_least_twenty_situations() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_every_suggestion_says_why_and_cites(case: Case) -> None:
    decision = _decide(case)
    if decision.kind in {"rehab", "continue", "load_advice"}:
        assert decision.reasons
        assert decision.sources
    for item in decision.exercises:
        assert item.sets >= 1
        assert item.reps or item.hold_s
        assert item.frequency
        assert item.source


def test_red_flag_never_carries_exercises() -> None:
    for case in CASES:
        decision = _decide(case)
        if decision.kind == "see_clinician":
            assert decision.exercises == []
            assert decision.next_state is None


def test_phase_change_resets_phase_start_and_marks_full_text() -> None:
    case = next(c for c in CASES if c.id.startswith("'no shin pain' after"))
    decision = _decide(case)
    assert decision.next_state is not None
    assert decision.next_state.phase_started_on == case.given.today
    assert decision.next_state.last_full_on == case.given.today


def test_continue_keeps_the_last_full_date() -> None:
    case = next(c for c in CASES if c.id.startswith("same protocol and phase"))
    decision = _decide(case)
    assert decision.next_state is not None
    assert decision.next_state.last_full_on == day(2)
    assert decision.next_state.last_score == 3


def test_policy_changes_the_outcome() -> None:
    # 6/10 is above the default acceptable 5/10; a runner whose physio allows 6 keeps going.
    given = situation(
        [pain("achilles", 6)], states=[state("achilles_tendinopathy", 2, last_full=1)]
    )
    strict = decide(given, library())
    relaxed = decide(given, library(), RehabPolicy(acceptable_pain=6.0))
    assert strict.phase == 1
    assert relaxed.kind == "continue"
    assert relaxed.phase == 2


def test_red_flag_score_follows_policy() -> None:
    given = situation([pain("shin", 6)])
    assert decide(given, library()).kind == "rehab"
    assert decide(given, library(), RehabPolicy(red_flag_score=6.0, acceptable_pain=5.0)).kind == (
        "see_clinician"
    )
