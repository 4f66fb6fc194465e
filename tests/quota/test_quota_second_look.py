"""Second-look eligibility: runs without pain information, and only with budget room."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.quota.quota_support import utc

from strava_rehab.quota.priorities import (
    BudgetUsage,
    Demand,
    WindowUsage,
    next_utc_midnight,
    reserves,
)
from strava_rehab.quota.second_look import SecondLookCandidate, second_look, second_looks_due

NOW = utc(2026, 3, 10, 12, 0)
ROOMY = BudgetUsage()
DEMAND = reserves(Demand(fifteen_min=10, day=300))


def run(
    ended_h: float, fetched_h: float | None, pain: bool = False, aid: int = 1
) -> SecondLookCandidate:
    return SecondLookCandidate(
        activity_id=aid,
        ended_at=NOW - timedelta(hours=ended_h),
        detail_fetched_at=None if fetched_h is None else NOW - timedelta(hours=fetched_h),
        has_pain_information=pain,
    )


CASES = [
    ("settled, fetched at upload, no pain", run(2, 1.9), True, "budget has room"),
    ("pain already known", run(2, 1.9, pain=True), False, "pain information already known"),
    ("never read", run(2, None), False, "detail never read"),
    ("already second-looked", run(5, 1), False, "already looked at"),
    ("too early", run(0.5, 0.4), False, "too early"),
    ("too old", run(49, 48.9), False, "too old"),
]


@pytest.mark.parametrize(
    ("candidate", "eligible", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_second_look_eligibility(
    candidate: SecondLookCandidate, eligible: bool, reason: str
) -> None:
    verdict = second_look(candidate, now=NOW, usage=ROOMY, demand=DEMAND)
    assert verdict.eligible is eligible
    assert reason in verdict.reason


def test_too_early_says_when() -> None:
    verdict = second_look(run(0.5, 0.4), now=NOW, usage=ROOMY, demand=DEMAND)
    assert verdict.retry_at == NOW + timedelta(minutes=30)


def test_no_second_look_when_the_days_new_runs_need_the_budget() -> None:
    # 950 usable per day; 300 held for the rest of the day's new runs and 10 for accounts.
    tight = BudgetUsage(read_day=WindowUsage(used=640, limit=1000))
    verdict = second_look(run(2, 1.9), now=NOW, usage=tight, demand=DEMAND)
    assert not verdict.eligible
    assert "no budget room" in verdict.reason
    assert verdict.retry_at == next_utc_midnight(NOW)
    ok = BudgetUsage(read_day=WindowUsage(used=639, limit=1000))
    assert second_look(run(2, 1.9), now=NOW, usage=ok, demand=DEMAND).eligible


def test_batch_spends_the_room_once_and_oldest_first() -> None:
    usage = BudgetUsage(read_day=WindowUsage(used=638, limit=1000))
    candidates = [run(2, 1.9, aid=1), run(3, 2.9, aid=2), run(4, 3.9, aid=3)]
    verdicts = second_looks_due(candidates, now=NOW, usage=usage, demand=DEMAND)
    assert [(v.activity_id, v.eligible) for v in verdicts] == [(3, True), (2, True), (1, False)]


def test_no_second_look_when_the_runner_already_wrote_a_note_without_pain() -> None:
    noted = run(2, 1.9).model_copy(update={"has_note": True})
    verdict = second_look(noted, now=NOW, usage=ROOMY, demand=DEMAND)
    assert not verdict.eligible and "note was already there" in verdict.reason
