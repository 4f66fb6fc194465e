"""Subscription health and the adaptive polling plan."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from tests.quota.quota_support import habitual, utc

from strava_rehab.quota.polling import (
    HealthState,
    PollMode,
    PollPlan,
    PollRecord,
    SubscriptionFacts,
    SubscriptionHealth,
    judge_subscription,
    plan_poll,
    upload_habits,
)
from strava_rehab.quota.settings import QuotaPolicy
from strava_rehab.quota.timeofday import UploadHistory, local_minute

NOW = utc(2026, 3, 10, 12, 0)
HEALTHY = SubscriptionHealth(state=HealthState.HEALTHY, reason="webhooks healthy")
NO_SUB = SubscriptionHealth(state=HealthState.NO_SUBSCRIPTION, reason="no subscription")


# --- subscription health ----------------------------------------------------------------------

HEALTH_CASES = [
    ("no subscription", SubscriptionFacts(subscribed=False), HealthState.NO_SUBSCRIPTION),
    (
        "recent event",
        SubscriptionFacts(subscribed=True, last_event_at=NOW - timedelta(hours=5)),
        HealthState.HEALTHY,
    ),
    (
        "fresh subscription, no event yet",
        SubscriptionFacts(subscribed=True, subscribed_since=NOW - timedelta(hours=2)),
        HealthState.HEALTHY,
    ),
    ("subscribed, nothing known", SubscriptionFacts(subscribed=True), HealthState.EVENTS_SILENT),
    (
        "silent for 4 days",
        SubscriptionFacts(subscribed=True, last_event_at=NOW - timedelta(days=4)),
        HealthState.EVENTS_SILENT,
    ),
    (
        "unannounced run",
        SubscriptionFacts(
            subscribed=True,
            last_event_at=NOW - timedelta(hours=1),
            unannounced_uploads=(NOW - timedelta(hours=3),),
        ),
        HealthState.EVENTS_MISSED,
    ),
    (
        "unannounced run still within the event grace",
        SubscriptionFacts(
            subscribed=True,
            last_event_at=NOW - timedelta(hours=1),
            unannounced_uploads=(NOW - timedelta(minutes=5),),
        ),
        HealthState.HEALTHY,
    ),
    (
        "unannounced run from before the subscription",
        SubscriptionFacts(
            subscribed=True,
            subscribed_since=NOW - timedelta(hours=2),
            last_event_at=NOW - timedelta(hours=1),
            unannounced_uploads=(NOW - timedelta(hours=3),),
        ),
        HealthState.HEALTHY,
    ),
    (
        "unannounced run older than the lookback",
        SubscriptionFacts(
            subscribed=True,
            last_event_at=NOW - timedelta(hours=1),
            unannounced_uploads=(NOW - timedelta(days=3),),
        ),
        HealthState.HEALTHY,
    ),
]


@pytest.mark.parametrize(
    ("facts", "state"), [(f, s) for _, f, s in HEALTH_CASES], ids=[c[0] for c in HEALTH_CASES]
)
def test_subscription_health(facts: SubscriptionFacts, state: HealthState) -> None:
    health = judge_subscription(facts, NOW)
    assert health.state is state
    assert health.healthy is (state is HealthState.HEALTHY)


def test_health_reasons_are_readable() -> None:
    missed = judge_subscription(
        SubscriptionFacts(
            subscribed=True,
            last_event_at=NOW,
            unannounced_uploads=(NOW - timedelta(hours=2), NOW - timedelta(hours=4)),
        ),
        NOW,
    )
    assert missed.reason == "events stopped: 2 runs found by polling never came as an event"
    silent = judge_subscription(
        SubscriptionFacts(subscribed=True, last_event_at=NOW - timedelta(days=5)), NOW
    )
    assert silent.reason == "events stopped: no event for any athlete in 5 days"


def test_silence_rule_can_be_switched_off() -> None:
    policy = QuotaPolicy(event_silence_limit=None)
    facts = SubscriptionFacts(subscribed=True, last_event_at=NOW - timedelta(days=30))
    assert judge_subscription(facts, NOW, policy).healthy


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValidationError):
        SubscriptionFacts(subscribed=True, last_event_at=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        judge_subscription(SubscriptionFacts(subscribed=False), datetime(2026, 1, 1))


# --- habits -----------------------------------------------------------------------------------


def test_usual_times_from_histogram_in_local_time() -> None:
    history = habitual(1, "Europe/Paris", [time(6, 40), time(18, 10)], end=NOW.date(), jitter_min=8)
    habits = upload_habits(history.recent(NOW, 28), history, QuotaPolicy())
    assert habits.usual_minutes == (6 * 60 + 40, 18 * 60 + 10)
    assert habits.is_hot(6 * 60)  # padded an hour before the 06:30 bin
    assert not habits.is_hot(12 * 60)


def test_usual_time_across_midnight_is_one_cluster() -> None:
    history = habitual(1, "UTC", [time(23, 50), time(0, 10)], end=NOW.date())
    habits = upload_habits(history.recent(NOW, 28), history, QuotaPolicy())
    assert habits.usual_minutes == (0,)


def test_occasional_uploads_make_no_usual_time() -> None:
    uploads = tuple(NOW - timedelta(days=d, hours=d) for d in range(1, 10))
    history = UploadHistory(athlete_id=1, timezone="UTC", uploads=uploads)
    assert upload_habits(list(uploads), history, QuotaPolicy()).usual_minutes == ()


# --- plans ------------------------------------------------------------------------------------


def test_healthy_webhooks_reconcile_every_other_day_or_daily_if_set() -> None:
    history = habitual(1, "Europe/Paris", [time(6, 40)], end=NOW.date())
    last = PollRecord(at=NOW - timedelta(hours=3))
    plan = plan_poll(now=NOW, health=HEALTHY, history=history, last_poll=last)
    assert plan == PollPlan(
        mode=PollMode.RECONCILE,
        due_at=NOW + timedelta(hours=45),
        reason="webhooks healthy: every 48 h reconciliation",
    )
    daily = QuotaPolicy(reconcile_interval=timedelta(days=1))
    plan = plan_poll(now=NOW, health=HEALTHY, history=history, last_poll=last, policy=daily)
    assert plan.due_at == NOW + timedelta(hours=21)
    assert plan.reason == "webhooks healthy: daily reconciliation"
    first = plan_poll(now=NOW, health=HEALTHY, history=history, last_poll=None)
    assert first.due_at == NOW


def test_adaptive_reason_names_the_usual_times() -> None:
    history = habitual(1, "Europe/Paris", [time(6, 40), time(18, 10)], end=NOW.date())
    plan = plan_poll(
        now=NOW, health=NO_SUB, history=history, last_poll=PollRecord(at=NOW - timedelta(hours=1))
    )
    assert plan.mode is PollMode.ADAPTIVE
    assert plan.reason == "no subscription: polling around your usual upload times (06:40, 18:10)"
    assert plan.usual_times == ("06:40", "18:10")


def test_idle_athlete_is_polled_three_times_a_day() -> None:
    history = UploadHistory(athlete_id=1, timezone="UTC", uploads=(NOW - timedelta(days=5),))
    last = PollRecord(at=NOW - timedelta(hours=1))
    plan = plan_poll(now=NOW, health=NO_SUB, history=history, last_poll=last)
    assert plan.mode is PollMode.IDLE
    assert plan.reason == "no subscription: idle for 5 days, polling 3 times a day"
    assert plan.due_at == last.at + timedelta(hours=8)


def test_a_poll_that_found_something_ends_idleness() -> None:
    history = UploadHistory(athlete_id=1, timezone="UTC", uploads=(NOW - timedelta(days=5),))
    last = PollRecord(at=NOW - timedelta(hours=1), found=1)
    plan = plan_poll(now=NOW, health=NO_SUB, history=history, last_poll=last)
    assert plan.mode is PollMode.ADAPTIVE


def test_cold_start_without_history() -> None:
    history = UploadHistory(athlete_id=1, timezone="UTC")
    last = PollRecord(at=NOW - timedelta(minutes=10))
    plan = plan_poll(now=NOW, health=NO_SUB, history=history, last_poll=last)
    assert plan.mode is PollMode.COLD_START
    assert plan.due_at == last.at + timedelta(hours=1)
    assert plan.reason == "no subscription: no upload history yet, polling every 60 min"


def _simulate_day(
    history: UploadHistory, health: SubscriptionHealth, start: datetime, policy: QuotaPolicy
) -> list[datetime]:
    polls: list[datetime] = []
    last = PollRecord(at=start - timedelta(minutes=1))
    end = start + timedelta(days=1)
    while True:
        plan = plan_poll(now=last.at, health=health, history=history, last_poll=last, policy=policy)
        if plan.due_at >= end:
            return polls
        polls.append(plan.due_at)
        last = PollRecord(at=plan.due_at)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/Los_Angeles", "Asia/Kolkata"])
def test_without_webhooks_two_runs_a_day_cost_at_most_30_polls(zone: str) -> None:
    policy = QuotaPolicy()
    day = utc(2026, 3, 10)
    history = habitual(1, zone, [time(6, 40), time(18, 10)], end=day.date(), jitter_min=10)
    polls = _simulate_day(history, NO_SUB, day, policy)
    assert len(polls) <= 30
    # Around each usual time the gap never exceeds the minimum interval: a run is seen quickly.
    tz = history.zone
    for wall in (6 * 60 + 40, 18 * 60 + 10):
        near = [p for p in polls if abs(local_minute(p, tz) - wall) <= 30]
        assert len(near) >= 3
        gaps = [b - a for a, b in pairwise(near)]
        assert all(g <= policy.min_poll_interval for g in gaps)


def test_with_webhooks_one_reconciliation_per_interval() -> None:
    day = utc(2026, 3, 10)
    history = habitual(1, "Europe/Paris", [time(6, 40), time(18, 10)], end=day.date())
    daily = QuotaPolicy(reconcile_interval=timedelta(days=1))
    assert len(_simulate_day(history, HEALTHY, day, daily)) == 1
    # The default, every other day: at most one a day.
    assert len(_simulate_day(history, HEALTHY, day, QuotaPolicy())) <= 1


@settings(max_examples=60, deadline=None)
@given(
    offsets=st.lists(st.integers(min_value=1, max_value=60 * 24 * 40), max_size=80),
    since_poll=st.integers(min_value=0, max_value=60 * 24),
    zone=st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe"]),
)
def test_adaptive_due_time_stays_between_min_and_max(
    offsets: list[int], since_poll: int, zone: str
) -> None:
    policy = QuotaPolicy()
    uploads = tuple(NOW - timedelta(minutes=m) for m in offsets)
    history = UploadHistory(athlete_id=1, timezone=zone, uploads=uploads)
    last = PollRecord(at=NOW - timedelta(minutes=since_poll))
    plan = plan_poll(now=NOW, health=NO_SUB, history=history, last_poll=last, policy=policy)
    interval = plan.due_at - last.at
    if plan.mode is PollMode.ADAPTIVE:
        assert policy.min_poll_interval <= interval <= policy.max_poll_interval
    elif plan.mode is PollMode.IDLE:
        assert interval == policy.idle_interval
    else:
        assert plan.mode is PollMode.COLD_START
    assert plan.due_at.tzinfo is not None
    assert plan.due_at.astimezone(UTC) >= last.at


POLICY_ERRORS = [
    ({"histogram_bin_minutes": 7}, "divide"),
    ({"min_poll_interval": timedelta(hours=4)}, "min_poll_interval"),
    ({"cold_start_interval": timedelta(hours=5)}, "cold_start_interval"),
    ({"min_poll_interval": timedelta(hours=2), "idle_polls_per_day": 24}, "idle_polls_per_day"),
    ({"second_look_after": timedelta(hours=3), "second_look_until": timedelta(hours=2)}, "second"),
    ({"safety_margin": 1.5}, "safety_margin"),
    ({"min_poll_interval": timedelta(minutes=1)}, "min_poll_interval"),
    ({"unknown": 1}, "unknown"),
]


@pytest.mark.parametrize(("kwargs", "match"), POLICY_ERRORS)
def test_policy_bounds(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        QuotaPolicy.model_validate(kwargs)


def test_policy_accepts_seconds_and_strava_zones() -> None:
    assert QuotaPolicy.model_validate({"reconcile_interval": 7200}).reconcile_interval == (
        timedelta(hours=2)
    )
    history = UploadHistory(athlete_id=1, timezone="(GMT-08:00) America/Los_Angeles")
    assert history.timezone == "America/Los_Angeles"
    with pytest.raises(ValidationError, match="unknown time zone"):
        UploadHistory(athlete_id=1, timezone="Mars/Olympus")
