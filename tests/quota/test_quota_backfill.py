"""Fair backfill order: everyone's last 42 days first, newest first, round-robin."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strava_rehab.quota.backfill import BackfillProgress, BackfillStep, Tier, backfill_order
from strava_rehab.quota.settings import QuotaPolicy

TODAY = date(2026, 3, 10)
CUTOFF = TODAY - timedelta(days=41)  # the 42 days ending today start here
HORIZON = TODAY - timedelta(days=120)


def step(athlete: int, after: date, before: date, tier: Tier) -> BackfillStep:
    return BackfillStep(athlete_id=athlete, after=after, before=before, tier=tier)


def test_new_athletes_get_their_recent_weeks_before_anyone_older() -> None:
    athletes = [
        BackfillProgress(athlete_id=2, horizon=HORIZON),
        BackfillProgress(athlete_id=1, horizon=HORIZON),
    ]
    order = backfill_order(athletes, TODAY)
    tomorrow = TODAY + timedelta(days=1)
    assert order[:2] == [
        step(1, CUTOFF, tomorrow, Tier.RECENT),
        step(2, CUTOFF, tomorrow, Tier.RECENT),
    ]
    assert order[2:] == [
        step(1, CUTOFF - timedelta(days=42), CUTOFF, Tier.OLDER),
        step(2, CUTOFF - timedelta(days=42), CUTOFF, Tier.OLDER),
        step(1, HORIZON, CUTOFF - timedelta(days=42), Tier.OLDER),
        step(2, HORIZON, CUTOFF - timedelta(days=42), Tier.OLDER),
    ]


def test_an_athlete_with_old_history_waits_for_the_newcomer() -> None:
    athletes = [
        BackfillProgress(athlete_id=1, oldest_fetched=TODAY - timedelta(days=60), horizon=HORIZON),
        BackfillProgress(athlete_id=2, horizon=HORIZON),
    ]
    order = backfill_order(athletes, TODAY)
    assert order[0].athlete_id == 2
    assert order[0].tier is Tier.RECENT
    assert all(s.tier is Tier.OLDER for s in order[1:])


def test_a_half_done_recent_window_finishes_first_and_is_clipped_at_the_boundary() -> None:
    policy = QuotaPolicy(backfill_step_days=14)
    athletes = [
        BackfillProgress(athlete_id=1, oldest_fetched=TODAY - timedelta(days=30), horizon=HORIZON),
        BackfillProgress(athlete_id=2, oldest_fetched=TODAY - timedelta(days=5), horizon=HORIZON),
    ]
    order = backfill_order(athletes, TODAY, policy, limit=3)
    assert order == [
        step(2, TODAY - timedelta(days=19), TODAY - timedelta(days=5), Tier.RECENT),
        step(1, CUTOFF, TODAY - timedelta(days=30), Tier.RECENT),
        step(2, TODAY - timedelta(days=33), TODAY - timedelta(days=19), Tier.RECENT),
    ]


def test_done_athletes_have_no_steps_and_duplicates_are_refused() -> None:
    done = BackfillProgress(athlete_id=1, oldest_fetched=HORIZON, horizon=HORIZON)
    assert backfill_order([done], TODAY) == []
    with pytest.raises(ValueError, match="once"):
        backfill_order([done, done], TODAY)


progress_strategy = st.builds(
    lambda aid, fetched, horizon_days: BackfillProgress(
        athlete_id=aid,
        oldest_fetched=None if fetched is None else TODAY - timedelta(days=fetched),
        horizon=TODAY - timedelta(days=horizon_days),
    ),
    st.integers(min_value=1, max_value=10_000),
    st.one_of(st.none(), st.integers(min_value=0, max_value=400)),
    st.integers(min_value=0, max_value=400),
)


@settings(max_examples=150, deadline=None)
@given(
    athletes=st.lists(progress_strategy, max_size=12, unique_by=lambda p: p.athlete_id),
    step_days=st.integers(min_value=1, max_value=90),
)
def test_backfill_order_properties(athletes: list[BackfillProgress], step_days: int) -> None:
    policy = QuotaPolicy(backfill_step_days=step_days)
    order = backfill_order(athletes, TODAY, policy)
    # No older step before the last recent one.
    tiers = [s.tier for s in order]
    if Tier.OLDER in tiers and Tier.RECENT in tiers:
        assert max(i for i, t in enumerate(tiers) if t is Tier.RECENT) < tiers.index(Tier.OLDER)
    for progress in athletes:
        mine = [s for s in order if s.athlete_id == progress.athlete_id]
        start = progress.oldest_fetched or TODAY + timedelta(days=1)
        # Contiguous, newest first, covering exactly [horizon, start).
        cursor = start
        for s in mine:
            assert s.before == cursor
            assert s.before - s.after <= timedelta(days=step_days)
            assert (s.tier is Tier.RECENT) == (s.after >= CUTOFF)
            cursor = s.after
        assert cursor == min(start, progress.horizon)
    # Round-robin: within a tier, no athlete gets a second step before each athlete with
    # steps left in that tier has had as many.
    for tier in Tier:
        seen: dict[int, int] = {}
        left = {
            p.athlete_id: sum(1 for s in order if s.athlete_id == p.athlete_id and s.tier is tier)
            for p in athletes
        }
        for s in (s for s in order if s.tier is tier):
            seen[s.athlete_id] = seen.get(s.athlete_id, 0) + 1
            for other, total in left.items():
                assert min(total, seen[s.athlete_id] - 1) <= seen.get(other, 0)
