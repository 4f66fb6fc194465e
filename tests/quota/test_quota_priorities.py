"""Call classes, the new-run headroom estimate, and grant / deny-with-retry-at."""

from __future__ import annotations

from datetime import UTC, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.quota.quota_support import habitual, utc

from strava_rehab.quota.priorities import (
    BudgetUsage,
    CallClass,
    Demand,
    WindowUsage,
    decide_call,
    estimate_new_run_calls,
    expected_uploads,
    new_run_demand,
    next_quarter_hour,
    next_utc_midnight,
    reserves,
)
from strava_rehab.quota.settings import QuotaPolicy
from strava_rehab.quota.timeofday import UploadHistory

NOW = utc(2026, 3, 10, 6, 32)
POLICY = QuotaPolicy()


def usage(read_15m: int = 0, read_day: int = 0) -> BudgetUsage:
    return BudgetUsage(
        read_15m=WindowUsage(used=read_15m, limit=100),
        read_day=WindowUsage(used=read_day, limit=1000),
        overall_15m=WindowUsage(used=read_15m, limit=200),
        overall_day=WindowUsage(used=read_day, limit=2000),
    )


def test_window_resets() -> None:
    assert next_quarter_hour(NOW) == utc(2026, 3, 10, 6, 45)
    assert next_quarter_hour(utc(2026, 3, 10, 6, 45)) == utc(2026, 3, 10, 7, 0)
    assert next_utc_midnight(NOW) == utc(2026, 3, 11)
    assert next_quarter_hour(utc(2026, 3, 10, 23, 50)) == utc(2026, 3, 11)


def test_usage_from_the_rate_budget_snapshot() -> None:
    snap = {"read_15m": (40, 100), "read_day": (400, 1000), "overall_15m": (41, 200)}
    got = BudgetUsage.from_snapshot(snap)
    assert got.read_15m == WindowUsage(used=40, limit=100)
    assert got.overall_day == WindowUsage(used=0, limit=2000)  # missing: Strava's default


# --- headroom estimate ------------------------------------------------------------------------


def test_expected_uploads_follow_the_athletes_own_habit() -> None:
    history = habitual(1, "UTC", [time(6, 40)], end=NOW.date())
    start = utc(2026, 3, 10, 6, 30)
    inside = expected_uploads(history, start, start + timedelta(minutes=15), POLICY)
    far = expected_uploads(history, utc(2026, 3, 10, 12), utc(2026, 3, 10, 12, 15), POLICY)
    # Spread over 06:10-07:10, a daily 06:40 upload puts 15 of its 60 minutes in the window.
    assert inside == pytest.approx(0.25)
    assert far == 0
    whole_day = expected_uploads(history, utc(2026, 3, 10), utc(2026, 3, 11), POLICY)
    assert whole_day == pytest.approx(1.0)


def test_expected_uploads_in_local_time() -> None:
    history = habitual(1, "America/Los_Angeles", [time(6, 40)], end=NOW.date())
    # 06:40 in Los Angeles (PDT from 8 March 2026) is 13:40 UTC.
    at = utc(2026, 3, 10, 13, 30)
    assert expected_uploads(history, at, at + timedelta(minutes=15), POLICY) > 0.15
    assert expected_uploads(history, NOW, NOW + timedelta(minutes=15), POLICY) == 0


def test_new_run_demand_sums_athletes_with_safety_factor() -> None:
    start = utc(2026, 3, 10, 6, 30)
    histories = [habitual(i, "UTC", [time(6, 40)], end=start.date()) for i in range(50)]
    # 50 x 0.25 expected runs x 2 calls x 1.5 = 37.5 calls.
    assert estimate_new_run_calls(histories, start, start + timedelta(minutes=15), POLICY) == 38
    demand = new_run_demand(histories, start)
    assert demand.fifteen_min == 38
    # The rest of the day holds 40 of the 60 smoothed minutes of the 06:40 habit.
    assert demand.day == 100


def test_new_run_demand_keeps_a_floor_while_anyone_is_connected() -> None:
    lone = [UploadHistory(athlete_id=1, timezone="UTC")]
    assert new_run_demand(lone, NOW) == Demand(fifteen_min=2, day=2)
    assert new_run_demand([], NOW) == Demand()


# --- grants -----------------------------------------------------------------------------------

DEMAND = reserves(Demand(fifteen_min=20, day=200), POLICY, reconcile=Demand(fifteen_min=5, day=50))
# Effective caps: 95 per 15 min, 950 per day. Held above: ACCOUNT 20+2 / 200+10,
# SECOND_LOOK 22/210, RECONCILE 22/210, BACKFILL 27/260.

GRANT_CASES = [
    ("new run may spend up to the margin", CallClass.NEW_RUN, 2, usage(93, 500), True, None),
    ("new run stops at the margin", CallClass.NEW_RUN, 2, usage(94, 500), False, "quarter"),
    ("account below the new-run reserve", CallClass.ACCOUNT, 1, usage(74, 500), True, None),
    ("account inside the new-run reserve", CallClass.ACCOUNT, 1, usage(75, 500), False, "quarter"),
    ("backfill leaves reconcile room", CallClass.BACKFILL, 1, usage(67, 500), True, None),
    ("backfill may not eat it", CallClass.BACKFILL, 1, usage(67, 690), False, "midnight"),
    ("reconcile daily room", CallClass.RECONCILE, 1, usage(10, 739), True, None),
    ("reconcile daily reserve", CallClass.RECONCILE, 1, usage(10, 740), False, "midnight"),
    ("both windows block: the later", CallClass.BACKFILL, 1, usage(90, 990), False, "midnight"),
    ("second look batch too big", CallClass.SECOND_LOOK, 10, usage(65, 0), False, "quarter"),
]


@pytest.mark.parametrize(
    ("klass", "count", "now_usage", "granted", "retry"),
    [c[1:] for c in GRANT_CASES],
    ids=[c[0] for c in GRANT_CASES],
)
def test_decide_call(
    klass: CallClass, count: int, now_usage: BudgetUsage, granted: bool, retry: str | None
) -> None:
    decision = decide_call(klass, usage=now_usage, demand=DEMAND, now=NOW, count=count)
    assert decision.granted is granted
    expected = {None: None, "quarter": next_quarter_hour(NOW), "midnight": next_utc_midnight(NOW)}
    assert decision.retry_at == expected[retry]


def test_denial_says_why() -> None:
    decision = decide_call(CallClass.BACKFILL, usage=usage(70, 0), demand=DEMAND, now=NOW)
    assert decision.reason == (
        "backfill x1 denied (read 15-min: 70 of 95 used, 27 held for higher classes)"
    )


def test_upload_calls_only_spend_the_overall_windows() -> None:
    full_read = usage(95, 950)
    decision = decide_call(CallClass.NEW_RUN, usage=full_read, demand={}, now=NOW, kind="upload")
    assert decision.granted


def test_count_must_be_positive() -> None:
    with pytest.raises(ValueError, match="count"):
        decide_call(CallClass.NEW_RUN, usage=usage(), demand={}, now=NOW, count=0)


@settings(max_examples=200, deadline=None)
@given(
    used_15m=st.integers(min_value=0, max_value=120),
    used_day=st.integers(min_value=0, max_value=1100),
    new_15m=st.integers(min_value=0, max_value=60),
    new_day=st.integers(min_value=0, max_value=600),
    count=st.integers(min_value=1, max_value=10),
)
def test_a_granted_lower_class_never_touches_higher_headroom(
    used_15m: int, used_day: int, new_15m: int, new_day: int, count: int
) -> None:
    demand = reserves(Demand(fifteen_min=new_15m, day=new_day), POLICY)
    now_usage = usage(used_15m, used_day)
    previous = True
    for klass in CallClass:
        decision = decide_call(klass, usage=now_usage, demand=demand, now=NOW, count=count)
        # Monotone: if a class is denied, every lower class is denied too.
        assert not (decision.granted and not previous)
        previous = decision.granted
        if decision.granted and klass is not CallClass.NEW_RUN:
            held = sum(demand[c].fifteen_min for c in CallClass if c < klass)
            assert used_15m + count + held <= 95
            held_day = sum(demand[c].day for c in CallClass if c < klass)
            assert used_day + count + held_day <= 950
        if not decision.granted:
            assert decision.retry_at is not None
            assert decision.retry_at > NOW
            assert decision.retry_at.tzinfo is not None
            assert decision.retry_at.astimezone(UTC).minute % 15 == 0


def test_spend_counts_reads_in_both_families() -> None:
    after = usage(10, 100).spend(3)
    assert (after.read_15m.used, after.overall_day.used) == (13, 103)
    upload = usage(10, 100).spend(3, "upload")
    assert (upload.read_15m.used, upload.overall_15m.used) == (10, 13)


def test_pending_backfills_leave_room_for_a_webhook_run_in_the_same_window() -> None:
    """Ten athletes' backfills spend greedily; a run uploaded meanwhile still gets GET + PUT."""
    start = utc(2026, 3, 10, 6, 30)
    histories = [
        habitual(i, "UTC", [time(6, 40), time(18, 10)], end=start.date()) for i in range(10)
    ]
    demand = reserves(new_run_demand(histories, start), POLICY)
    now_usage = BudgetUsage()
    granted = 0
    while decide_call(CallClass.BACKFILL, usage=now_usage, demand=demand, now=start).granted:
        now_usage = now_usage.spend(1)
        granted += 1
    assert granted > 50  # backfill still makes progress
    run = decide_call(CallClass.NEW_RUN, usage=now_usage, demand=demand, now=start, count=2)
    assert run.granted
    # Even the 15-minute window's worth of expected runs fits.
    expected = demand[CallClass.NEW_RUN].fifteen_min
    assert decide_call(
        CallClass.NEW_RUN, usage=now_usage, demand=demand, now=start, count=expected
    ).granted
