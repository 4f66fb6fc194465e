"""Webhooks first, polling as the safety net: subscription health and each athlete's next poll.

Why: measured against the fake Strava, the every-30-minutes sync listed an empty page 96 times
per athlete-day, so one app served 9 athletes. A push event tells us about a new run for free
(the app answers a POST; only the detail GET counts), but Strava allows one subscription per
app, retries an event only three times in total, and sends nothing at all for some changes, so
events can silently stop. Hence two modes:

- **Healthy webhooks**: subscribed, and no sign that events stopped. One reconciliation listing
  per athlete per ``reconcile_interval`` (a day) catches deletions and anything missed.
- **Unhealthy** (no subscription, or events stopped): adaptive polling per athlete. Often
  (``min_poll_interval``) inside windows around this athlete's usual local upload times, found
  from a histogram of their own upload time of day; at most ``max_poll_interval`` apart outside
  them; ``idle_polls_per_day`` when they have not uploaded for ``idle_after``. Two runs a day at
  habitual times cost about 20-25 listings a day with the defaults (target: at most 30).

"Events stopped" is judged from facts only the service knows: when the last event for *any*
athlete arrived, and which runs a listing found that never came as an event (an unannounced
run means the push channel lost it).

What the service must supply and persist:
- app-wide: whether a subscription exists and since when; the time of the last received event
  (any athlete); upload times of runs discovered by a listing (poll or reconciliation) with no
  matching create event (keep a few days; ``unannounced_lookback``);
- per athlete: an ``UploadHistory`` (event time of each create event, else start + elapsed
  time; the athlete's time zone), and the last poll/reconciliation (when, and how many new
  activities it found: a ``PollRecord``).
It polls when ``now >= plan.due_at`` and shows ``plan.reason`` in ``status``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from strava_rehab.quota.settings import MINUTES_PER_DAY, QuotaPolicy
from strava_rehab.quota.timeofday import (
    UploadHistory,
    format_minute,
    local_minute,
    require_aware,
)


class HealthState(StrEnum):
    HEALTHY = "healthy"
    NO_SUBSCRIPTION = "no_subscription"
    EVENTS_MISSED = "events_missed"
    EVENTS_SILENT = "events_silent"


class SubscriptionFacts(BaseModel):
    """What the service knows about the app's push subscription."""

    model_config = ConfigDict(frozen=True)

    subscribed: bool
    subscribed_since: datetime | None = None
    last_event_at: datetime | None = Field(
        default=None, description="The last event received, for any athlete."
    )
    unannounced_uploads: tuple[datetime, ...] = Field(
        default=(),
        description="Upload times of runs a listing found that never came as an event.",
    )

    @field_validator("subscribed_since", "last_event_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return None if value is None else require_aware(value)

    @field_validator("unannounced_uploads")
    @classmethod
    def _aware_all(cls, value: tuple[datetime, ...]) -> tuple[datetime, ...]:
        return tuple(require_aware(v, "unannounced upload") for v in value)


class SubscriptionHealth(BaseModel):
    model_config = ConfigDict(frozen=True)

    state: HealthState
    reason: str

    @property
    def healthy(self) -> bool:
        return self.state is HealthState.HEALTHY


def _ago(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.0f} days" if hours >= 48 else f"{hours:.0f} h"


def judge_subscription(
    facts: SubscriptionFacts, now: datetime, policy: QuotaPolicy | None = None
) -> SubscriptionHealth:
    """Healthy only when subscribed and nothing says events stopped.

    Unhealthy when: there is no subscription; at least ``unannounced_runs_to_fail`` runs
    uploaded since the subscription began (within ``unannounced_lookback``, and older than
    ``event_grace``) were found by a listing instead of an event; or no event arrived for any
    athlete within ``event_silence_limit`` of the later of the last event and the subscription's
    start (a subscription with neither known is treated as silent).
    """
    policy = policy or QuotaPolicy()
    require_aware(now, "now")
    if not facts.subscribed:
        return SubscriptionHealth(state=HealthState.NO_SUBSCRIPTION, reason="no subscription")
    since = now - policy.unannounced_lookback
    if facts.subscribed_since is not None:
        since = max(since, facts.subscribed_since)
    missed = [u for u in facts.unannounced_uploads if since <= u <= now - policy.event_grace]
    if len(missed) >= policy.unannounced_runs_to_fail:
        runs = "run" if len(missed) == 1 else "runs"
        return SubscriptionHealth(
            state=HealthState.EVENTS_MISSED,
            reason=f"events stopped: {len(missed)} {runs} found by polling never came as an event",
        )
    if policy.event_silence_limit is not None:
        known = [t for t in (facts.last_event_at, facts.subscribed_since) if t is not None]
        if not known:
            return SubscriptionHealth(
                state=HealthState.EVENTS_SILENT, reason="events stopped: no event received yet"
            )
        silent = now - max(known)
        if silent > policy.event_silence_limit:
            return SubscriptionHealth(
                state=HealthState.EVENTS_SILENT,
                reason=f"events stopped: no event for any athlete in {_ago(silent)}",
            )
    return SubscriptionHealth(state=HealthState.HEALTHY, reason="webhooks healthy")


class PollMode(StrEnum):
    RECONCILE = "reconcile"
    ADAPTIVE = "adaptive"
    IDLE = "idle"
    COLD_START = "cold_start"


class PollRecord(BaseModel):
    """The athlete's last listing (a poll or a reconciliation) and what it found."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    found: int = Field(default=0, ge=0, description="New or changed activities it returned.")

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return require_aware(value, "poll time")


class PollPlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    mode: PollMode
    due_at: datetime = Field(description="Poll when now >= due_at (it may already be past).")
    reason: str
    usual_times: tuple[str, ...] = Field(default=(), description="Local HH:MM, for status.")


class UploadHabits(BaseModel):
    """Where in the local day this athlete usually uploads."""

    model_config = ConfigDict(frozen=True)

    usual_minutes: tuple[int, ...] = ()
    hot: tuple[bool, ...] = Field(default=(False,) * MINUTES_PER_DAY, repr=False)

    def is_hot(self, minute: int) -> bool:
        return self.hot[minute % MINUTES_PER_DAY]


def _circular_mean_minute(minutes: list[int]) -> int:
    # Unwrap around the run's first element so a cluster across midnight averages correctly.
    anchor = minutes[0]
    unwrapped = [
        ((m - anchor + MINUTES_PER_DAY // 2) % MINUTES_PER_DAY) - MINUTES_PER_DAY // 2
        for m in minutes
    ]
    return round(anchor + sum(unwrapped) / len(unwrapped)) % MINUTES_PER_DAY


def upload_habits(
    uploads: list[datetime], history: UploadHistory, policy: QuotaPolicy
) -> UploadHabits:
    """Histogram of local upload time of day → usual times and the "poll often" minutes.

    A bin is busy when it holds at least ``usual_time_min_uploads`` uploads and
    ``usual_time_min_share`` of them; adjacent busy bins (wrapping at midnight) form one usual
    time, reported as the mean local upload minute. Each busy bin, widened by
    ``upload_window_pad`` on both sides, is a window of frequent polling.
    """
    width = policy.histogram_bin_minutes
    bins = MINUTES_PER_DAY // width
    zone = history.zone
    members: list[list[int]] = [[] for _ in range(bins)]
    for upload in uploads:
        minute = local_minute(upload, zone)
        members[minute // width].append(minute)
    threshold = max(policy.usual_time_min_uploads, policy.usual_time_min_share * len(uploads))
    busy = [len(m) >= threshold for m in members]
    if not any(busy):
        return UploadHabits()
    hot = [False] * MINUTES_PER_DAY
    pad = int(policy.upload_window_pad.total_seconds() // 60)
    for index, is_busy in enumerate(busy):
        if is_busy:
            for minute in range(index * width - pad, (index + 1) * width + pad):
                hot[minute % MINUTES_PER_DAY] = True
    # Group adjacent busy bins, starting after a quiet bin so a run across midnight is whole.
    if all(busy):
        groups = [list(range(bins))]
    else:
        start = next(i for i in range(bins) if not busy[i])
        groups = []
        current: list[int] = []
        for step in range(1, bins + 1):
            index = (start + step) % bins
            if busy[index]:
                current.append(index)
            elif current:
                groups.append(current)
                current = []
        if current:
            groups.append(current)
    usual = sorted(
        _circular_mean_minute([m for index in group for m in members[index]]) for group in groups
    )
    return UploadHabits(usual_minutes=tuple(usual), hot=tuple(hot))


def _next_hot(
    start: datetime, limit: datetime, habits: UploadHabits, history: UploadHistory
) -> datetime:
    """The first minute in ``[start, limit]`` inside a hot window, else ``limit``."""
    zone = history.zone
    candidate = start
    while candidate < limit:
        if habits.is_hot(local_minute(candidate, zone)):
            return candidate
        # Step to the next whole minute.
        candidate = (candidate + timedelta(minutes=1)).replace(second=0, microsecond=0)
    return limit


def _hours(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    return f"{minutes} min" if minutes < 120 or minutes % 60 else f"{minutes // 60} h"


def plan_poll(
    *,
    now: datetime,
    health: SubscriptionHealth,
    history: UploadHistory,
    last_poll: PollRecord | None,
    policy: QuotaPolicy | None = None,
) -> PollPlan:
    """When to list this athlete's activities next, in which mode, and why."""
    policy = policy or QuotaPolicy()
    require_aware(now, "now")
    if health.healthy:
        interval = policy.reconcile_interval
        every = "daily" if interval == timedelta(days=1) else f"every {_hours(interval)}"
        due = now if last_poll is None else last_poll.at + interval
        return PollPlan(
            mode=PollMode.RECONCILE, due_at=due, reason=f"{health.reason}: {every} reconciliation"
        )
    past = sorted(u for u in history.uploads if u <= now)
    if not past:
        due = now if last_poll is None else last_poll.at + policy.cold_start_interval
        return PollPlan(
            mode=PollMode.COLD_START,
            due_at=due,
            reason=f"{health.reason}: no upload history yet, polling every "
            f"{_hours(policy.cold_start_interval)}",
        )
    idle_for = now - past[-1]
    found_recently = last_poll is not None and last_poll.found > 0
    if idle_for >= policy.idle_after and not found_recently:
        due = now if last_poll is None else last_poll.at + policy.idle_interval
        days = int(idle_for / timedelta(days=1))
        times = (
            "once a day"
            if policy.idle_polls_per_day == 1
            else (f"{policy.idle_polls_per_day} times a day")
        )
        return PollPlan(
            mode=PollMode.IDLE,
            due_at=due,
            reason=f"{health.reason}: idle for {days} days, polling {times}",
        )
    recent = history.recent(now, policy.upload_lookback_days)
    habits = upload_habits(recent, history, policy)
    usual = tuple(format_minute(m) for m in habits.usual_minutes)
    if last_poll is None:
        due = now
    else:
        earliest = last_poll.at + policy.min_poll_interval
        due = _next_hot(earliest, last_poll.at + policy.max_poll_interval, habits, history)
    if usual:
        reason = f"{health.reason}: polling around your usual upload times ({', '.join(usual)})"
    else:
        reason = (
            f"{health.reason}: no usual upload time yet, polling every "
            f"{_hours(policy.max_poll_interval)}"
        )
    return PollPlan(mode=PollMode.ADAPTIVE, due_at=due, reason=reason, usual_times=usual)
