"""Call classes, the new-run headroom estimate, and the grant / deny-with-retry-at decision.

Why: Strava's limits are shared by every athlete of the app, and both GETs and description
PUTs count against the non-upload ("read") limits of 100 per 15 minutes and 1,000 per day. A
429 still counts toward the day, and there is no Retry-After: the 15-minute window reopens on the
next quarter hour and the daily one at midnight UTC. So a backfill of ten new athletes must not
eat the calls a runner's fresh upload needs in the next 15 minutes (its detail GET and PUT), and
reconciliation must not starve account work.

Classes, highest first: ``NEW_RUN`` (webhook-driven new runs: detail GET + PUT), ``ACCOUNT``
(deauthorization, deletes), ``SECOND_LOOK``, ``RECONCILE``, ``BACKFILL``. A request of class *c*
is granted only when, in every window it spends from, ``used + count + reserved(c) <= limit x
safety_margin``, where ``reserved(c)`` is the sum of the expected demand of every class above
*c*. A class never needs to leave room for itself or for classes below it, so ``NEW_RUN`` can
spend everything up to the margin.

The new-run demand comes from the athletes' own upload histories: for each athlete, how many
uploads per day fell near this local time of day over the lookback, times ``calls_per_new_run``
(GET + PUT), times ``demand_safety_factor``.

What the service must supply:
- ``BudgetUsage``: the current windows' ``(used, limit)`` (``DatabaseRateBudget.snapshot(now)``
  has exactly this shape: ``BudgetUsage.from_snapshot``), limits corrected from Strava's headers;
- an ``UploadHistory`` per connected athlete (see ``timeofday``) for ``new_run_demand``;
- optionally the demand of the middle classes (e.g. reconciliations still due today, known
  second looks) via ``reserves``;
- after a grant it still reserves the call in the shared budget (the atomic upsert) and records
  the headers; after a deny it reschedules the work at ``retry_at`` instead of sleeping.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from strava_rehab.quota.settings import QuotaPolicy
from strava_rehab.quota.timeofday import UploadHistory, minute_histogram, recurrences, require_aware

QUARTER = timedelta(minutes=15)
CallKind = Literal["read", "upload"]


class CallClass(IntEnum):
    """Lower value = higher priority."""

    NEW_RUN = 0
    ACCOUNT = 1
    SECOND_LOOK = 2
    RECONCILE = 3
    BACKFILL = 4


def quarter_start(now: datetime) -> datetime:
    now = require_aware(now, "now").astimezone(UTC)
    return now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)


def next_quarter_hour(now: datetime) -> datetime:
    """When the 15-minute window that contains ``now`` resets (:00, :15, :30, :45 UTC)."""
    return quarter_start(now) + QUARTER


def next_utc_midnight(now: datetime) -> datetime:
    """When the daily window that contains ``now`` resets."""
    now = require_aware(now, "now").astimezone(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


class WindowUsage(BaseModel):
    model_config = ConfigDict(frozen=True)

    used: int = Field(ge=0)
    limit: int = Field(ge=1)


class BudgetUsage(BaseModel):
    """The app's usage in the windows that contain ``now`` (Strava's four counters)."""

    model_config = ConfigDict(frozen=True)

    read_15m: WindowUsage = WindowUsage(used=0, limit=100)
    read_day: WindowUsage = WindowUsage(used=0, limit=1000)
    overall_15m: WindowUsage = WindowUsage(used=0, limit=200)
    overall_day: WindowUsage = WindowUsage(used=0, limit=2000)

    @classmethod
    def from_snapshot(cls, snapshot: Mapping[str, tuple[int, int]]) -> BudgetUsage:
        """From ``{"read_15m": (used, limit), ...}``; missing buckets keep Strava's defaults."""
        fields = {
            name: WindowUsage(used=used, limit=limit)
            for name, (used, limit) in snapshot.items()
            if name in cls.model_fields
        }
        return cls.model_validate(fields)

    def spend(self, count: int, kind: CallKind = "read") -> BudgetUsage:
        """The usage after ``count`` more calls (to plan several grants in one pass)."""
        names = ["overall_15m", "overall_day"] + (
            ["read_15m", "read_day"] if kind == "read" else []
        )
        update = {
            name: WindowUsage(
                used=getattr(self, name).used + count, limit=getattr(self, name).limit
            )
            for name in names
        }
        return self.model_copy(update=update)


class Demand(BaseModel):
    """Calls a class is expected to need: in the next 15 minutes, and until midnight UTC."""

    model_config = ConfigDict(frozen=True)

    fifteen_min: int = Field(default=0, ge=0)
    day: int = Field(default=0, ge=0)


def expected_uploads(
    history: UploadHistory, start: datetime, end: datetime, policy: QuotaPolicy
) -> float:
    """Expected number of this athlete's uploads in ``[start, end)``, from their own habits.

    Each upload of the lookback votes for its local time of day, recurring every day; each
    recurrence is spread evenly over ``demand_smoothing`` on either side (habits jitter), and
    the share of that spread inside the window counts. Divided by the lookback in days: a
    runner who uploaded at 06:40 on each of the last 28 days expects 0.25 uploads in a
    06:30-06:45 window (15 of the 60 smoothed minutes) and 1.0 over a whole day.
    """
    require_aware(start, "start")
    require_aware(end, "end")
    if end <= start:
        return 0.0
    recent = history.recent(start, policy.upload_lookback_days)
    if not recent:
        return 0.0
    zone = history.zone
    pad = policy.demand_smoothing
    counts = minute_histogram(recent, zone)
    total = 0.0
    for minute, count in enumerate(counts):
        if not count:
            continue
        for instant in recurrences(minute, start - pad, end + pad, zone):
            if not pad:
                total += count
                continue
            overlap = min(instant + pad, end) - max(instant - pad, start)
            total += count * max(0.0, overlap / (2 * pad))
    return total / policy.upload_lookback_days


def estimate_new_run_calls(
    histories: Iterable[UploadHistory], start: datetime, end: datetime, policy: QuotaPolicy
) -> int:
    """Calls the app's new runs are expected to need in ``[start, end)``, with the safety factor."""
    runs = sum(expected_uploads(h, start, end, policy) for h in histories)
    return math.ceil(runs * policy.calls_per_new_run * policy.demand_safety_factor - 1e-9)


def new_run_demand(
    histories: Sequence[UploadHistory], now: datetime, policy: QuotaPolicy | None = None
) -> Demand:
    """The headroom to keep for new runs: the next 15 minutes, and the rest of the UTC day.

    The 15-minute figure is at least ``min_new_run_reserve_15m`` while any athlete is
    connected, so a run from someone with no history yet still finds room.
    """
    policy = policy or QuotaPolicy()
    soon = estimate_new_run_calls(histories, now, now + QUARTER, policy)
    if histories:
        soon = max(soon, policy.min_new_run_reserve_15m)
    day = estimate_new_run_calls(histories, now, next_utc_midnight(now), policy)
    return Demand(fifteen_min=soon, day=max(day, soon))


def reserves(
    new_run: Demand,
    policy: QuotaPolicy | None = None,
    *,
    second_look: Demand | None = None,
    reconcile: Demand | None = None,
) -> dict[CallClass, Demand]:
    """Demand per class: new runs (estimated), account work (policy constants), and the rest."""
    policy = policy or QuotaPolicy()
    return {
        CallClass.NEW_RUN: new_run,
        CallClass.ACCOUNT: Demand(
            fifteen_min=policy.account_reserve_15m, day=policy.account_reserve_day
        ),
        CallClass.SECOND_LOOK: second_look or Demand(),
        CallClass.RECONCILE: reconcile or Demand(),
        CallClass.BACKFILL: Demand(),
    }


class CallDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    granted: bool
    retry_at: datetime | None = Field(default=None, description="When a denied call may retry.")
    reason: str


def decide_call(
    call_class: CallClass,
    *,
    usage: BudgetUsage,
    demand: Mapping[CallClass, Demand],
    now: datetime,
    count: int = 1,
    kind: CallKind = "read",
    policy: QuotaPolicy | None = None,
) -> CallDecision:
    """Grant ``count`` calls of ``call_class`` now, or say when to retry.

    A denied call retries when its blocking window reopens: the next quarter hour for a
    15-minute window, midnight UTC for a daily one (the later, when both block). A request
    bigger than a whole window can ever hold is still told the next reset; split it.
    """
    policy = policy or QuotaPolicy()
    require_aware(now, "now")
    if count < 1:
        raise ValueError(f"count must be at least 1 (got {count})")
    above = [c for c in CallClass if c < call_class]
    reserved_15m = sum(demand.get(c, Demand()).fifteen_min for c in above)
    reserved_day = sum(demand.get(c, Demand()).day for c in above)
    names = ["read_15m", "read_day"] if kind == "read" else []
    names += ["overall_15m", "overall_day"]
    blocked: list[str] = []
    retry: datetime | None = None
    for name in names:
        window: WindowUsage = getattr(usage, name)
        daily = name.endswith("_day")
        reserved = reserved_day if daily else reserved_15m
        cap = max(1, math.floor(window.limit * policy.safety_margin))
        free = cap - window.used - reserved
        if count > free:
            label = name.replace("_15m", " 15-min").replace("_day", " daily")
            held = f", {reserved} held for higher classes" if reserved else ""
            blocked.append(f"{label}: {window.used} of {cap} used{held}")
            reset = next_utc_midnight(now) if daily else next_quarter_hour(now)
            retry = reset if retry is None else max(retry, reset)
    if blocked:
        return CallDecision(
            granted=False,
            retry_at=retry,
            reason=f"{call_class.name.lower()} x{count} denied ({'; '.join(blocked)})",
        )
    return CallDecision(granted=True, reason=f"{call_class.name.lower()} x{count} granted")


__all__ = [
    "BudgetUsage",
    "CallClass",
    "CallDecision",
    "Demand",
    "WindowUsage",
    "decide_call",
    "estimate_new_run_calls",
    "expected_uploads",
    "new_run_demand",
    "next_quarter_hour",
    "next_utc_midnight",
    "quarter_start",
    "reserves",
]
