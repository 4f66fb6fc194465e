"""The second look: re-reading a run's detail once, later, for a note typed after the upload.

Why: a runner often types "left knee 4/10" into the private note or description minutes after
the upload, and no event tells us (Strava fires events only for create, delete, and title, type
or privacy edits, never for a description or note edit). So one extra detail GET, some time
after the run ended, can catch pain we would otherwise miss. It costs the same read quota as a
new run's GET, so it is only worth it for runs whose first read found **no** pain information
(a run that already says "no pain" or "knee 3/10" has what the decision needs), and only when
the day's budget still has room after the new runs we expect for the rest of the UTC day
(``SECOND_LOOK`` ranks below ``NEW_RUN`` and ``ACCOUNT``; see ``priorities``).

What the service must supply, per candidate run: its id, when it ended (start + elapsed time),
when its detail was last read, and whether any pain information is known for it (a pain report
parsed from its own text, including a zero, or a report logged by hand for its date). It
persists the new ``detail_fetched_at`` after the GET, which makes the run ineligible next time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from strava_rehab.quota.priorities import (
    BudgetUsage,
    CallClass,
    Demand,
    decide_call,
)
from strava_rehab.quota.settings import QuotaPolicy
from strava_rehab.quota.timeofday import require_aware


class SecondLookCandidate(BaseModel):
    model_config = ConfigDict(frozen=True)

    activity_id: int
    ended_at: datetime = Field(description="start_date + elapsed_time (UTC).")
    detail_fetched_at: datetime | None = Field(
        default=None, description="The last detail GET; None if the detail was never read."
    )
    has_pain_information: bool
    has_note: bool = Field(
        default=False,
        description="The runner's own text (description, private note) was already there at "
        "the first read: they said what they had to say, and it held no pain.",
    )

    @field_validator("ended_at", "detail_fetched_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return None if value is None else require_aware(value)


class SecondLookVerdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    activity_id: int
    eligible: bool
    reason: str
    retry_at: datetime | None = Field(
        default=None, description="When to ask again (too early, or budget full)."
    )


def second_look(
    candidate: SecondLookCandidate,
    *,
    now: datetime,
    usage: BudgetUsage,
    demand: Mapping[CallClass, Demand],
    policy: QuotaPolicy | None = None,
) -> SecondLookVerdict:
    """Whether to spend one GET re-reading this run now."""
    policy = policy or QuotaPolicy()
    require_aware(now, "now")
    settled = candidate.ended_at + policy.second_look_after
    until = candidate.ended_at + policy.second_look_until

    def verdict(eligible: bool, reason: str, retry_at: datetime | None = None) -> SecondLookVerdict:
        return SecondLookVerdict(
            activity_id=candidate.activity_id, eligible=eligible, reason=reason, retry_at=retry_at
        )

    if candidate.has_pain_information:
        return verdict(False, "pain information already known")
    if candidate.has_note:
        return verdict(False, "the runner's note was already there, with no pain in it")
    if candidate.detail_fetched_at is None:
        return verdict(False, "detail never read: the first read is a new-run call")
    if candidate.detail_fetched_at >= settled:
        return verdict(False, "already looked at after the run settled")
    if now >= until:
        return verdict(False, "too old for a second look")
    if now < settled:
        return verdict(False, "too early: a note may still be typed", retry_at=settled)
    budget = decide_call(CallClass.SECOND_LOOK, usage=usage, demand=demand, now=now, policy=policy)
    if not budget.granted:
        retry = budget.retry_at if budget.retry_at is not None and budget.retry_at < until else None
        return verdict(False, f"no budget room after the expected new runs: {budget.reason}", retry)
    return verdict(True, "no pain information yet; budget has room")


def second_looks_due(
    candidates: Sequence[SecondLookCandidate],
    *,
    now: datetime,
    usage: BudgetUsage,
    demand: Mapping[CallClass, Demand],
    policy: QuotaPolicy | None = None,
) -> list[SecondLookVerdict]:
    """Verdicts for several runs, counting each granted look against the budget in turn.

    Runs that ended longest ago go first (their chance closes first).
    """
    verdicts: list[SecondLookVerdict] = []
    for candidate in sorted(candidates, key=lambda c: (c.ended_at, c.activity_id)):
        result = second_look(candidate, now=now, usage=usage, demand=demand, policy=policy)
        if result.eligible:
            usage = usage.spend(1)
        verdicts.append(result)
    return verdicts
