"""No churn: an earlier run's block is rewritten only when its own decision changed."""

from __future__ import annotations

from datetime import date

import pytest

from strava_rehab.load.model import Finding
from strava_rehab.quota.churn import (
    FindingFacts,
    RunDecisionFacts,
    facts_from_decision,
    should_rewrite_earlier,
)
from strava_rehab.rehab.situation import Decision, Prescription

DAY = date(2026, 3, 10)


def weekly(activity_id: int, week_km: float) -> Finding:
    return Finding(
        activity_id=activity_id,
        local_date=DAY,
        kind="weekly_progression",
        band="over_threshold",
        severity="notice",
        value=week_km,
        reference=30.0,
        ratio=week_km / 30.0,
        explanation=f"this week {week_km:.0f} km",
        source="x",
    )


def exercise(exercise_id: str) -> Prescription:
    return Prescription.model_validate(
        {
            "exercise_id": exercise_id,
            "name": exercise_id,
            "target": "calf",
            "sets": 3,
            "reps": 15,
            "hold_s": None,
            "frequency": "daily",
            "dose": "3 x 15, daily",
            "dose_basis": "convention",
            "cues": [],
            "progression": "",
            "regression": "",
            "cautions": [],
            "source": "",
        }
    )


BASE = RunDecisionFacts(
    kind="rehab",
    protocol_id="achilles",
    phase=1,
    region="achilles",
    side="left",
    exercise_ids=frozenset({"calf_raise"}),
    findings=frozenset({FindingFacts(kind="session_spike", band="high", severity="warning")}),
)

CASES = [
    ("nothing changed", BASE, BASE, False, "unchanged"),
    ("never delivered", None, BASE, True, "never delivered"),
    (
        "red flag found later",
        BASE,
        BASE.model_copy(
            update={"kind": "see_clinician", "red_flag": True, "exercise_ids": frozenset()}
        ),
        True,
        "red flag found later",
    ),
    ("undone", BASE, BASE.model_copy(update={"undone": True}), True, "undone"),
    ("phase moved", BASE, BASE.model_copy(update={"phase": 2}), True, "phase changed"),
    (
        "its own finding band changed",
        BASE,
        BASE.model_copy(
            update={
                "findings": frozenset(
                    {FindingFacts(kind="session_spike", band="moderate", severity="notice")}
                )
            }
        ),
        True,
        "its own findings changed",
    ),
]


@pytest.mark.parametrize(
    ("delivered", "current", "rewrite", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_should_rewrite_earlier(
    delivered: RunDecisionFacts | None, current: RunDecisionFacts, rewrite: bool, reason: str
) -> None:
    verdict = should_rewrite_earlier(delivered, current)
    assert verdict.rewrite is rewrite
    assert reason in verdict.reason


def test_red_flag_leads_the_reason() -> None:
    current = BASE.model_copy(update={"kind": "see_clinician", "red_flag": True})
    assert should_rewrite_earlier(BASE, current).reason.startswith("red flag found later")


def test_a_rolling_weekly_figure_does_not_rewrite_an_earlier_run() -> None:
    """Run 1 this morning; run 2 this evening moves the week's km, and today's findings."""
    decision = Decision(kind="load_advice", reasons=["this week 36 km (+20 %)"])
    before = facts_from_decision(decision, 1, [weekly(1, 36.0)])
    moved = Decision(kind="load_advice", reasons=["this week 44 km (+47 %)"])
    # post_run hands the first run today's weekly findings, including the second run's.
    after = facts_from_decision(moved, 1, [weekly(1, 36.0), weekly(2, 44.0)])
    assert before == after
    assert not should_rewrite_earlier(before, after).rewrite


def test_facts_from_decision_keep_what_the_runner_is_told_to_do() -> None:
    decision = Decision(
        kind="rehab",
        protocol_id="achilles",
        phase=1,
        region="achilles",
        side="left",
        score=4.0,
        exercises=[exercise("calf_raise")],
        reasons=["left achilles 4/10"],
    )
    facts = facts_from_decision(decision, 7, [weekly(7, 40.0)], undone=False)
    assert facts == RunDecisionFacts(
        kind="rehab",
        protocol_id="achilles",
        phase=1,
        region="achilles",
        side="left",
        pain_band="acceptable",
        exercise_ids=frozenset({"calf_raise"}),
        findings=frozenset(
            {FindingFacts(kind="weekly_progression", band="over_threshold", severity="notice")}
        ),
    )
    # The same advice with a different score in the same band, or other wording, is the same
    # decision; an edited note that crosses a band (4 -> 6/10: too high) is not.
    rescored = decision.model_copy(update={"score": 4.5, "reasons": ["left achilles 4.5/10"]})
    assert facts_from_decision(rescored, 7, [weekly(7, 41.0)]) == facts
    worse = decision.model_copy(update={"score": 6.0})
    verdict = should_rewrite_earlier(facts, facts_from_decision(worse, 7, [weekly(7, 40.0)]))
    assert verdict.rewrite and verdict.reason == "pain level changed"
