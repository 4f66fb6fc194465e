"""Issue 10's clinical classes (table in rehab_clinical_cases.py), multi-week sequences, texts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.rehab.rehab_builders import TODAY, library, pain, situation, spike, state
from tests.rehab.rehab_clinical_cases import (
    ALL,
    INSERTIONAL,
    NEXT_MORNING,
    NO_EVIDENCE,
    NO_NEEDLESS_CUT_BACK,
    NO_NEEDLESS_REST,
    PHASE_START,
    RED_FLAGS,
    USUAL_MORNING,
    Clinical,
)

from strava_rehab.pain.model import PainReport
from strava_rehab.rehab import (
    Decision,
    PainEntry,
    ProtocolState,
    Situation,
    decide,
    render_private,
    render_public,
)


@pytest.mark.parametrize(
    "table",
    [
        RED_FLAGS,
        NO_NEEDLESS_REST,
        NO_NEEDLESS_CUT_BACK,
        NEXT_MORNING,
        USUAL_MORNING,
        NO_EVIDENCE,
        PHASE_START,
        INSERTIONAL,
    ],
)
def test_every_class_has_five_cases(table: list[Clinical]) -> None:
    assert len(table) >= 5


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_clinical_case(case: Clinical) -> None:
    decision = decide(case.given, library())
    assert decision.kind == case.kind, decision.reasons
    if case.protocol is not None or case.kind == "see_clinician":
        assert decision.protocol_id == case.protocol
    if case.phase is not None:
        assert decision.phase == case.phase
    reasons = " | ".join(decision.reasons).lower()
    for text in case.reasons:
        assert text.lower() in reasons
    advice = " | ".join(decision.load_advice).lower()
    for text in case.advice:
        assert text.lower() in advice, decision.load_advice
    for text in case.no_advice:
        assert text.lower() not in advice, decision.load_advice
    suggested = {item.exercise_id for item in decision.exercises}
    assert case.exercises <= suggested
    for exercise_id, sets, reps in case.doses:
        item = next(p for p in decision.exercises if p.exercise_id == exercise_id)
        assert (item.sets, item.reps) == (sets, reps), item.dose
    cautions = " | ".join(decision.cautions).lower()
    for text in case.cautions:
        assert text.lower() in cautions
    if case.next_phase is not None:
        assert decision.next_state is not None
        assert decision.next_state.phase == case.next_phase
    if decision.kind == "see_clinician":
        assert decision.exercises == []
        assert decision.next_state is None
        assert decision.reasons
        assert "clinician" in render_public(decision)


def _run_sequence(
    protocol_region: str, days: list[tuple[int, PainReport | None]]
) -> list[tuple[int, Decision]]:
    """Feed each day's decision's next_state into the next day, as the service does."""
    states: list[ProtocolState] = []
    history: list[PainEntry] = []
    out: list[tuple[int, Decision]] = []
    start = TODAY
    for offset, report in days:
        today = start + timedelta(days=offset)
        given = Situation(
            today=today,
            activity_id=offset,
            pain_today=[] if report is None else [report],
            pain_history=list(history),
            states=list(states),
        )
        decision = decide(given, library())
        out.append((offset, decision))
        if decision.next_state is not None:
            states = [s for s in states if s.protocol_id != decision.next_state.protocol_id]
            states.append(decision.next_state)
        if report is not None:
            history.append(PainEntry(local_date=today, activity_id=offset, report=report))
    return out


def test_plantar_programme_over_six_weeks_reaches_each_dose_in_its_week_never_earlier() -> None:
    # A run every other day with 2/10 heel pain logged, for six weeks (Rathleff 2015).
    days: list[tuple[int, PainReport | None]] = [
        (d, pain("plantar_heel", 2)) for d in range(0, 43, 2)
    ]
    doses: dict[int, tuple[int, int]] = {}
    for offset, decision in _run_sequence("plantar_heel", days):
        raise_ = next(p for p in decision.exercises if p.exercise_id == "high_load_heel_raise")
        week = offset // 7 + 1
        doses[offset] = (raise_.sets, raise_.reps or 0)
        if week <= 2:
            assert doses[offset] == (3, 12), offset
        elif week <= 4:
            assert doses[offset] == (4, 10), offset
        else:
            assert doses[offset] == (5, 8), offset


def test_plantar_runs_without_notes_do_not_move_the_programme() -> None:
    days: list[tuple[int, PainReport | None]] = [(0, pain("plantar_heel", 2))]
    days += [(d, None) for d in range(2, 30, 2)]
    phases = {decision.phase for _, decision in _run_sequence("plantar_heel", days)}
    assert phases == {1}


def test_high_hamstring_runner_sore_every_next_morning_stays_in_phase_one() -> None:
    days: list[tuple[int, PainReport | None]] = []
    for d in range(0, 42, 2):
        days.append((d, pain("high_hamstring", 2, timing="during")))
        days.append((d + 1, pain("high_hamstring", 2, timing="next_morning")))
    decisions = _run_sequence("high_hamstring", days)
    assert {decision.phase for _, decision in decisions} == {1}


def test_phase_minimum_days_count_from_the_phase_start() -> None:
    # Programme 30 days old, phase 2 began 5 days ago: 14 days of 10RM are not done yet.
    given = situation(
        [pain("plantar_heel", 1)],
        states=[state("plantar_fasciitis", 2, started=30, last_full=5, phase_started=5)],
    )
    assert decide(given, library()).phase == 2


def test_public_text_carries_one_short_evidence_line_within_the_limit() -> None:
    decision = decide(situation([pain("plantar_heel", 3)]), library())
    text = render_public(decision)
    lines = [line for line in text.splitlines() if line.startswith("Evidence:")]
    assert len(lines) == 1
    assert "Rathleff et al. 2015, Scand J Med Sci Sports" in lines[0]
    assert "fasciitis" not in lines[0].lower()  # no titles: the condition stays private
    assert len(text) <= 900
    for cap in (900, 500, 300, 150):
        assert len(render_public(decision, max_chars=cap)) <= cap


@pytest.mark.parametrize(
    "given",
    [
        situation([pain("shin", 4)]),
        situation([pain("achilles_insertion", 3)]),
        situation(findings=[spike()]),
        situation([pain("calf", 2)]),
        situation([pain("high_hamstring", 3)]),
    ],
)
def test_every_suggestion_has_an_evidence_line(given: Situation) -> None:
    decision = decide(given, library())
    assert decision.evidence
    assert all(" 19" in e or " 20" in e for e in decision.evidence)  # a year
    assert sum(line.startswith("Evidence:") for line in render_public(decision).splitlines()) == 1


@pytest.mark.parametrize(
    ("given", "word"),
    [
        (situation([pain(None, 4, unknown=("zorgle",))]), "zorgle"),
        (situation([pain(None, None, unknown=("wotsit",))]), "wotsit"),
        (situation([pain("shin", 3)]).model_copy(update={"unread_notes": ["flib 4/10"]}), "flib"),
        (situation().model_copy(update={"unread_notes": ["Flibber 3/10 after"]}), "Flibber"),
        (
            situation(findings=[spike()]).model_copy(update={"unread_notes": ["zz 5/10"]}),
            "zz 5/10",
        ),
    ],
)
def test_what_could_not_be_read_is_named_with_how_to_log_it(given: Situation, word: str) -> None:
    decision = decide(given, library())
    private = render_private(decision)
    assert word in private
    assert "strava-rehab pain log REGION SCORE" in private
    assert word not in render_public(decision)


def test_insertional_programme_never_drops_below_level() -> None:
    decision = decide(situation([pain("achilles_insertion", 3)]), library())
    assert all("step" not in p.name.lower() for p in decision.exercises)
    assert any("below level" in line for line in decision.avoid)
    ids = {p.exercise_id for p in decision.exercises}
    assert not ids & {"eccentric_heel_drop_straight", "eccentric_heel_drop_bent"}
