"""Who is listed when, and what else the quota allows: the service side of ``quota/``.

Webhooks first, polling as the safety net. While the push subscription is healthy (subscribed,
and no sign that events stopped) each athlete costs one reconciliation listing a day; when it is
not, each athlete is polled adaptively around their own usual upload times (``quota.polling``).
Athletes still backfilling take turns, everyone's last ``quota.recent_days`` first
(``quota.backfill``); runs without pain information get one second look when the budget has room
after the day's expected new runs (``quota.second_look``). Every Strava call made here carries
its class (``strava.http.call_class``), so the per-call gate keeps the headroom of new runs.

This module gathers the facts the pure policy needs (from the gateway and the inbox), calls it,
and says what is due; ``services/jobs.py::scheduled_sync`` acts on it, and ``status`` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from strava_rehab.context import AppContext
from strava_rehab.db import app_state, gateway, inbox_store
from strava_rehab.db.models import SyncState
from strava_rehab.quota.backfill import BackfillProgress, BackfillStep, backfill_order
from strava_rehab.quota.polling import (
    PollMode,
    PollRecord,
    SubscriptionFacts,
    SubscriptionHealth,
    judge_subscription,
    plan_poll,
)
from strava_rehab.quota.priorities import BudgetUsage
from strava_rehab.quota.second_look import SecondLookCandidate, SecondLookVerdict, second_looks_due
from strava_rehab.quota.timeofday import UploadHistory
from strava_rehab.services import subscription
from strava_rehab.strava.quota_gate import QuotaGate, upload_histories
from strava_rehab.strava.rate_budget import DatabaseRateBudget
from strava_rehab.text import description_block as blocks

UNANNOUNCED_KEY = "unannounced_uploads"
BACKFILL = "backfill"


@dataclass(frozen=True)
class AthleteSchedule:
    """One athlete's next listing: its mode (a ``PollMode`` value or "backfill"), when, why."""

    athlete_id: int
    mode: str
    due_at: datetime | None
    reason: str

    def due(self, now: datetime) -> bool:
        return self.due_at is not None and now >= self.due_at


def subscription_facts(ctx: AppContext) -> SubscriptionFacts:
    stored = app_state.get_with_time(ctx.db, subscription.SUBSCRIPTION_KEY)
    value, since = stored if stored is not None else (None, None)
    unannounced = app_state.get(ctx.db, UNANNOUNCED_KEY) or {}
    return SubscriptionFacts(
        subscribed=bool(value),
        subscribed_since=since if value else None,
        last_event_at=inbox_store.last_received_at(ctx.db),
        unannounced_uploads=tuple(
            datetime.fromisoformat(moment) for moment in unannounced.get("uploads", [])
        ),
    )


def subscription_health(ctx: AppContext, now: datetime) -> SubscriptionHealth:
    return judge_subscription(subscription_facts(ctx), now, ctx.settings.quota)


def note_unannounced(ctx: AppContext, uploads: list[datetime], now: datetime) -> None:
    """Runs a listing found that never came as an event: the push channel may have lost them."""
    if not uploads:
        return
    keep_since = now - ctx.settings.quota.unannounced_lookback
    stored = app_state.get(ctx.db, UNANNOUNCED_KEY) or {}
    known = [datetime.fromisoformat(moment) for moment in stored.get("uploads", [])]
    kept = sorted({moment for moment in known + uploads if moment >= keep_since})
    app_state.put(
        ctx.db, UNANNOUNCED_KEY, {"uploads": [moment.isoformat() for moment in kept]}, now
    )


def unannounced_uploads(ctx: AppContext, created: list[int], now: datetime) -> list[datetime]:
    """Of the runs a listing just created, the upload times of those no create event announced
    (only while subscribed: without a subscription no run is announced)."""
    if not created or subscription.stored_subscription(ctx) is None:
        return []
    announced = inbox_store.announced(ctx.db, created)
    found = []
    for row in gateway.activities_by_id(ctx.db, [i for i in created if i not in announced]):
        if row.counted and row.announced_at is None:
            found.append(row.start_utc + timedelta(seconds=row.elapsed_time_s))
    return found


def _record(state: SyncState | None) -> PollRecord | None:
    if state is None or state.last_listed_at is None:
        return None
    return PollRecord(at=state.last_listed_at, found=state.last_listed_found or 0)


def schedules(ctx: AppContext, now: datetime) -> list[AthleteSchedule]:
    """Every connected athlete's next listing, most overdue first."""
    policy = ctx.settings.quota
    health = subscription_health(ctx, now)
    histories = {h.athlete_id: h for h in upload_histories(ctx.db, now, policy)}
    found: list[AthleteSchedule] = []
    for athlete, state in gateway.athletes_with_sync_state(ctx.db):
        if athlete.status != "connected":
            continue
        if state is None or not state.backfill_done:
            reached = state.backfill_oldest if state is not None else None
            reason = f"backfilling history (complete from {reached})" if reached else "backfilling"
            found.append(AthleteSchedule(athlete.id, BACKFILL, now, reason))
            continue
        history = histories.get(athlete.id) or UploadHistory(athlete_id=athlete.id, timezone="UTC")
        plan = plan_poll(
            now=now, health=health, history=history, last_poll=_record(state), policy=policy
        )
        due = plan.due_at
        if state.resume_at is not None and state.resume_at > due:
            due = state.resume_at  # the budget said when
        found.append(AthleteSchedule(athlete.id, plan.mode.value, due, plan.reason))
    return sorted(found, key=lambda s: (s.due_at or now, s.athlete_id))


def profile_check_due(athlete_id: int, now: datetime) -> bool:
    """Once a week per athlete, on a weekday of their own (no state, the load is spread)."""
    return now.weekday() == athlete_id % 7


def is_reconciliation(schedule: AthleteSchedule) -> bool:
    return schedule.mode == PollMode.RECONCILE.value


def backfill_steps(
    ctx: AppContext, today: date, *, limit: int | None = None
) -> tuple[list[BackfillStep], date]:
    """Every connected athlete's pending backfill steps in fair order, and the horizon."""
    horizon = today - timedelta(days=ctx.settings.backfill_days)
    progress = [
        BackfillProgress(
            athlete_id=athlete.id,
            oldest_fetched=state.backfill_oldest if state is not None else None,
            horizon=horizon,
        )
        for athlete, state in gateway.athletes_with_sync_state(ctx.db)
        if athlete.status == "connected" and (state is None or not state.backfill_done)
    ]
    return backfill_order(progress, today, ctx.settings.quota, limit=limit), horizon


def second_look_verdicts(ctx: AppContext, now: datetime) -> list[tuple[int, SecondLookVerdict]]:
    """Which recent runs without pain information get a second detail read now."""
    policy = ctx.settings.quota
    connected = [a.id for a in gateway.all_athletes(ctx.db) if a.status == "connected"]
    if not connected:
        return []
    facts = gateway.second_look_facts(ctx.db, connected, now - policy.second_look_until)
    candidates = [
        SecondLookCandidate(
            activity_id=f.activity_id,
            ended_at=f.ended_at,
            detail_fetched_at=f.detail_fetched_at,
            has_pain_information=f.has_pain_information,
            has_note=bool(blocks.without_block(f.description).strip() or f.private_note.strip()),
        )
        for f in facts
    ]
    if not candidates:
        return []
    budget = DatabaseRateBudget(ctx.db, ctx.settings.rate_safety_margin)
    usage = BudgetUsage.from_snapshot(budget.snapshot(now))
    gate = ctx.http.gate
    if not isinstance(gate, QuotaGate):
        gate = QuotaGate(ctx.db, budget, policy)
    owner = {f.activity_id: f.athlete_id for f in facts}
    verdicts = second_looks_due(
        candidates, now=now, usage=usage, demand=gate.demand(now), policy=policy
    )
    return [(owner[v.activity_id], v) for v in verdicts]
