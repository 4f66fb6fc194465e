"""Strava push events: stored first (answer within 2 s), processed later by the worker.

Events carry ids only and no signature, so they are treated as hints: the worker re-fetches
through the API with the owner's token. Strava retries up to three times and one save can fire
several events, so the inbox is unique on the event's identity and duplicates are dropped.
Events for another subscription or for an athlete this install does not know are not stored,
only counted (``status`` shows the counts); processed events are pruned after
``worker.inbox_retention_days``.

The event model is :mod:`strava_rehab.strava.events`, the storage
:mod:`strava_rehab.db.inbox_store`, the subscription and its secrets
:mod:`strava_rehab.services.subscription`.
"""

from __future__ import annotations

import logging
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from strava_rehab.context import AppContext
from strava_rehab.db import app_state, gateway, inbox_store
from strava_rehab.db.models import WebhookEvent
from strava_rehab.services import connect as athletes
from strava_rehab.services import subscription, sync
from strava_rehab.strava.errors import (
    AthleteDisconnected,
    RateLimitReached,
    StravaError,
)
from strava_rehab.strava.events import EventPayload

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
IGNORED_KEY = "webhook_ignored"
UNKNOWN_ATHLETE = "unknown_athlete"
OTHER_SUBSCRIPTION = "other_subscription"


@dataclass(frozen=True)
class Receipt:
    """What became of an event: stored, a duplicate, or ignored (and why). Truthy if stored."""

    stored: bool
    ignored: str | None = None

    def __bool__(self) -> bool:
        return self.stored

    @property
    def duplicate(self) -> bool:
        return not self.stored and self.ignored is None


def record_event(
    ctx: AppContext,
    event: EventPayload,
    on_stored: inbox_store.OnStored | None = None,
) -> Receipt:
    """Store the event unless it is a duplicate, for another subscription or a stranger.

    Short reads and one short transaction: Strava wants its 200 within 2 s, whatever the worker
    is doing. An ignored event is answered 200 too (so Strava does not retry it) and counted.
    ``on_stored`` runs inside the storing transaction for a new event (the distributed runner
    queues the event's job there).
    """
    ours = subscription.stored_subscription(ctx)
    if ours is not None and int(ours["id"]) != event.subscription_id:
        log.warning(
            "ignoring an event for subscription %s (ours is %s)", event.subscription_id, ours["id"]
        )
        return _ignored(ctx, OTHER_SUBSCRIPTION)
    if gateway.athlete(ctx.db, event.owner_id) is None:
        # Not one of ours: nothing to fetch, and nothing to delete on a deauthorization.
        log.info("ignoring an event for athlete %s, who is not connected here", event.owner_id)
        return _ignored(ctx, UNKNOWN_ATHLETE)
    return Receipt(stored=inbox_store.add_event(ctx.db, event, ctx.clock(), on_stored))


def _ignored(ctx: AppContext, reason: str) -> Receipt:
    app_state.bump(ctx.db, IGNORED_KEY, reason, ctx.clock())
    return Receipt(stored=False, ignored=reason)


def ignored_counts(ctx: AppContext) -> dict[str, Any]:
    """``{"unknown_athlete": n, "other_subscription": n, "last_at": iso}`` (zeros if none)."""
    counts = app_state.get(ctx.db, IGNORED_KEY) or {}
    return {
        UNKNOWN_ATHLETE: int(counts.get(UNKNOWN_ATHLETE, 0)),
        OTHER_SUBSCRIPTION: int(counts.get(OTHER_SUBSCRIPTION, 0)),
        "last_at": counts.get("last_at"),
    }


@dataclass
class InboxReport:
    processed: int = 0
    failed: int = 0
    pruned: int = 0
    touched_athletes: set[int] = field(default_factory=set)
    resume_at: datetime | None = None

    def summary(self) -> str:
        pruned = f", {self.pruned} old events pruned" if self.pruned else ""
        return f"inbox: {self.processed} processed, {self.failed} failed{pruned}"


def _handle(ctx: AppContext, event: WebhookEvent) -> int | None:
    """Apply one event to what we store; returns the athlete whose suggestions need a pass."""
    if event.object_type == "athlete":
        if str(event.updates.get("authorized", "")).lower() == "false":
            athletes.delete_athlete_data(ctx, event.owner_id)
            log.info("athlete %s deauthorized the app: all their data deleted", event.owner_id)
        return None
    athlete = gateway.athlete(ctx.db, event.owner_id)
    if athlete is None or athlete.status != "connected":
        return None
    if event.aspect_type == "delete":
        sync.forget_activity(ctx, event.object_id)
    else:
        # create, or an update of title, type or privacy: fetch the current state and decide again
        created = event.aspect_type == "create"
        announced = datetime.fromtimestamp(event.event_time, tz=UTC) if created else None
        copy = gateway.description_copy(ctx.db, event.object_id) if created else None
        fresh = timedelta(seconds=ctx.settings.delivery.reread_after_s)
        if announced is not None and copy is not None and ctx.clock() - copy.fetched_at <= fresh:
            # A listing read this run's detail moments ago (its event was still in flight):
            # our copy is current, so the event costs no second GET.
            gateway.mark_announced(ctx.db, event.object_id, announced)
        else:
            sync.fetch_one(ctx, event.owner_id, event.object_id, announced_at=announced)
    return event.owner_id


def _settle(ctx: AppContext, event: WebhookEvent, error: str | None, final: bool) -> None:
    inbox_store.settle(
        ctx.db, event.id, error, final=final, max_attempts=MAX_ATTEMPTS, now=ctx.clock()
    )


def prune_processed(ctx: AppContext) -> int:
    """Delete events processed longer ago than ``worker.inbox_retention_days``."""
    keep = timedelta(days=ctx.settings.worker.inbox_retention_days)
    return inbox_store.prune_processed(ctx.db, ctx.clock() - keep)


@dataclass
class _OwnerPass:
    processed: int = 0
    failed: int = 0
    touched: bool = False
    resume_at: datetime | None = None


def _drain_owner(ctx: AppContext, owner_id: int, events: list[WebhookEvent]) -> _OwnerPass:
    """One athlete's events, in order, then their suggestion pass (one thread per athlete)."""
    result = _OwnerPass()
    for event in events:
        try:
            athlete_id = _handle(ctx, event)
        except RateLimitReached as exc:
            result.resume_at = exc.resume_at
            log.warning("webhook processing paused: %s", exc)
            break
        except AthleteDisconnected as exc:
            # Retrying cannot help until the runner reconnects; the next sync catches up.
            _settle(ctx, event, str(exc), final=True)
            result.failed += 1
            continue
        except StravaError as exc:
            _settle(ctx, event, str(exc), final=False)
            result.failed += 1
            log.warning("webhook event %s failed: %s", event.id, exc)
            continue
        _settle(ctx, event, None, final=True)
        result.processed += 1
        result.touched |= athlete_id is not None
    if result.touched:
        # Imported here: an inbox with nothing to decide never loads the post-run pass.
        from strava_rehab.services import suggest as post_run

        try:
            post_run.process_athlete(ctx, owner_id)
        except StravaError as exc:  # the scheduled sync's pass will finish it
            log.warning("post-run pass for athlete %s stopped: %s", owner_id, exc)
    return result


# While events are in flight, how often the inbox is looked at again for new ones.
INTAKE_POLL_S = 0.05


def _drain_in_series(
    ctx: AppContext, report: InboxReport, batch: int, max_batches: int, owner_id: int | None
) -> None:
    seen: set[int] = set()  # a failed event is retried by a later call, not this one
    for _ in range(max_batches):
        pending = [e for e in inbox_store.pending(ctx.db, batch, owner_id) if e.id not in seen]
        if not pending:
            return
        seen.update(e.id for e in pending)
        for owner, events in _grouped(pending).items():
            _add(report, owner, _drain_owner(ctx, owner, events))
        if report.resume_at is not None:
            return


def _drain_in_parallel(
    ctx: AppContext, report: InboxReport, batch: int, most: int, workers: int
) -> None:
    """A pool of ``workers`` threads, one athlete per thread at a time, fed as events come."""
    seen: set[int] = set()
    running: dict[Future[_OwnerPass], int] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="events") as pool:
        while True:
            if report.resume_at is None and len(seen) < most:
                pending = [e for e in inbox_store.pending(ctx.db, batch) if e.id not in seen]
                busy = set(running.values())
                for owner, events in _grouped(pending).items():
                    if owner in busy:
                        continue  # after the athlete's current events, in order
                    events = events[: max(1, most - len(seen))]
                    seen.update(e.id for e in events)
                    running[pool.submit(_drain_owner, ctx, owner, events)] = owner
            if not running:
                return
            done, _ = wait(running, timeout=INTAKE_POLL_S, return_when=FIRST_COMPLETED)
            for future in done:
                _add(report, running.pop(future), future.result())


def _grouped(events: list[WebhookEvent]) -> dict[int, list[WebhookEvent]]:
    by_owner: dict[int, list[WebhookEvent]] = {}
    for event in events:
        by_owner.setdefault(event.owner_id, []).append(event)
    return by_owner


def _add(report: InboxReport, owner: int, result: _OwnerPass) -> None:
    report.processed += result.processed
    report.failed += result.failed
    if result.touched:
        report.touched_athletes.add(owner)
    if result.resume_at is not None:
        report.resume_at = max(report.resume_at or result.resume_at, result.resume_at)


def process_inbox(
    ctx: AppContext,
    *,
    batch: int = 100,
    max_batches: int = 20,
    owner_id: int | None = None,
    concurrency: int | None = None,
) -> InboxReport:
    """Drain the inbox: apply each event, then one suggestion pass per athlete touched; then
    prune what was processed longer ago than the retention period.

    Events of different athletes are processed concurrently (``worker.event_concurrency``
    threads), those of one athlete in order by one thread: a burst of runs from ten athletes
    does not queue behind one another, and one athlete is never worked on twice at once (their
    token refresh and their descriptions stay in series).

    ``owner_id`` drains one athlete's events only (the distributed runner's per-athlete job).

    Events that arrive while others are processed are picked up as they come (a free thread
    takes them; an athlete's own wait for their thread), so a burst that reaches us over a
    second or two, one webhook after the other, never waits for the next scheduled run nor for
    the slowest athlete of an earlier batch. At most ``batch * max_batches`` events per call.
    """
    report = InboxReport()
    workers = 1 if owner_id is not None else concurrency or ctx.settings.worker.event_concurrency
    if workers == 1:
        _drain_in_series(ctx, report, batch, max_batches, owner_id)
    else:
        _drain_in_parallel(ctx, report, batch, batch * max_batches, workers)
    report.pruned = prune_processed(ctx)
    return report
