"""A fair backfill order: everyone's last 42 days first, newest first, round-robin.

Why: a backfill lists history at one call per page of up to 200 summaries, all from the same
app-wide read quota (1,000 per day by default). Ten athletes connecting at once could otherwise
let the first one's year of history use up the day while the others have nothing. What the spike
and pain decisions need is the last ``recent_days`` (42): so every athlete gets those before
anyone's older history is fetched, newest first, taking turns. Backfill is the lowest call class
(see ``priorities``): the service asks ``decide_call(CallClass.BACKFILL, ...)`` before each step.

A step is a date range ``[after, before)`` of one athlete's history (local dates), listed
with ``GET /athlete/activities?after=...&before=...`` paging until an empty page.

What the service must supply and persist, per athlete:
- ``oldest_fetched``: the oldest local date whose history is complete (everything from it up to
  today has been listed), or None before the first step; after a step completes it becomes the
  step's ``after``;
- ``horizon``: the oldest date this athlete's backfill should reach (e.g. today minus
  ``backfill_days``); an athlete whose ``oldest_fetched <= horizon`` is done.
The service converts dates to epochs (start of the day in the athlete's zone; a day of overlap
is harmless, rows are upserted by Strava id).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, model_validator

from strava_rehab.quota.settings import QuotaPolicy


class Tier(StrEnum):
    RECENT = "recent"
    OLDER = "older"


class BackfillProgress(BaseModel):
    model_config = ConfigDict(frozen=True)

    athlete_id: int
    oldest_fetched: date | None = None
    horizon: date


class BackfillStep(BaseModel):
    """List ``athlete_id``'s activities from ``after`` (inclusive) to ``before`` (exclusive)."""

    model_config = ConfigDict(frozen=True)

    athlete_id: int
    after: date
    before: date
    tier: Tier

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.after >= self.before:
            raise ValueError("a backfill step must cover at least one day")
        return self


def _steps(progress: BackfillProgress, today: date, policy: QuotaPolicy) -> list[BackfillStep]:
    """This athlete's remaining steps, newest first, split at the recent/older boundary."""
    cursor = (
        progress.oldest_fetched if progress.oldest_fetched is not None else today + timedelta(1)
    )
    cutoff = today - timedelta(days=policy.recent_days - 1)  # the recent_days end with today
    horizon = progress.horizon
    step = timedelta(days=policy.backfill_step_days)
    steps: list[BackfillStep] = []
    while cursor > horizon:
        if cursor > cutoff:
            after, tier = max(cursor - step, cutoff, horizon), Tier.RECENT
        else:
            after, tier = max(cursor - step, horizon), Tier.OLDER
        steps.append(
            BackfillStep(athlete_id=progress.athlete_id, after=after, before=cursor, tier=tier)
        )
        cursor = after
    return steps


def backfill_order(
    athletes: Sequence[BackfillProgress],
    today: date,
    policy: QuotaPolicy | None = None,
    *,
    limit: int | None = None,
) -> list[BackfillStep]:
    """Every pending step, in the order to fetch them (the first ``limit`` when given).

    All recent steps come before any older one. Within a tier, athletes take turns one step at
    a time; each round starts with the athlete who has the least history (no history first,
    then the latest ``oldest_fetched``), ties by athlete id, so the order is deterministic.
    """
    policy = policy or QuotaPolicy()
    ids = [a.athlete_id for a in athletes]
    if len(set(ids)) != len(ids):
        raise ValueError("each athlete may appear only once")

    def least_history_first(progress: BackfillProgress) -> tuple[int, int, int]:
        if progress.oldest_fetched is None:
            return (0, 0, progress.athlete_id)
        return (1, -progress.oldest_fetched.toordinal(), progress.athlete_id)

    queues = [_steps(a, today, policy) for a in sorted(athletes, key=least_history_first)]
    order: list[BackfillStep] = []
    for tier in (Tier.RECENT, Tier.OLDER):
        pending = [[s for s in queue if s.tier is tier] for queue in queues]
        while any(pending):
            for queue in pending:
                if queue:
                    order.append(queue.pop(0))
    return order if limit is None else order[:limit]
