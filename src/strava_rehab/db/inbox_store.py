"""The webhook inbox as stored: events in, pending events out, settled, and pruned when old.

Unique on the event's identity (subscription, object, aspect, time): Strava's retries and the
several events of one save are stored once. Each function is one short read or transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, func, select, true
from sqlalchemy.orm import Session

from strava_rehab.db.engine import Database, affected, upsert_insert
from strava_rehab.db.models import WebhookEvent
from strava_rehab.strava.events import EventPayload

PRUNE_BATCH = 500


# Runs inside the transaction that stores a new event (the distributed runner queues its job).
OnStored = Callable[[Session, EventPayload], None]


def add_event(
    db: Database, event: EventPayload, now: datetime, on_stored: OnStored | None = None
) -> bool:
    """Store the event; False if the same event is already stored.

    ``on_stored`` runs inside the same transaction for a new event (the distributed runner
    queues its job there, so the event row and its job commit together or not at all).
    """
    with db.transaction() as session:
        result = session.execute(
            upsert_insert(session)(WebhookEvent)
            .values(
                subscription_id=event.subscription_id,
                object_type=event.object_type,
                object_id=event.object_id,
                aspect_type=event.aspect_type,
                owner_id=event.owner_id,
                event_time=event.event_time,
                updates=dict(event.updates),
                received_at=now,
                attempts=0,
                last_error="",
            )
            .on_conflict_do_nothing()
        )
        stored = bool(affected(result))
        if stored and on_stored is not None:
            on_stored(session, event)
        return stored


def pending(db: Database, limit: int, owner_id: int | None = None) -> list[WebhookEvent]:
    """Unprocessed events, oldest first (detached: safe to read after the session); one
    athlete's only when ``owner_id`` is given."""
    with db.read() as session:
        events = session.scalars(
            select(WebhookEvent)
            .where(WebhookEvent.processed_at.is_(None))
            .where(true() if owner_id is None else WebhookEvent.owner_id == owner_id)
            .order_by(WebhookEvent.event_time, WebhookEvent.id)
            .limit(limit)
        ).all()
        for event in events:
            session.expunge(event)
        return list(events)


def settle(
    db: Database, event_id: int, error: str | None, *, final: bool, max_attempts: int, now: datetime
) -> None:
    """Count an attempt; mark the event processed if it succeeded, is final or is out of tries."""
    with db.transaction() as session:
        row = session.get(WebhookEvent, event_id)
        if row is None:  # the athlete's data (events included) was deleted
            return
        row.attempts += 1
        if final or row.attempts >= max_attempts:
            row.processed_at = now
        row.last_error = (error or "")[:500]


def prune_processed(db: Database, before: datetime, *, max_batches: int = 20) -> int:
    """Delete events processed before ``before``, in short batches; returns how many.

    Unprocessed events are never pruned, however old. A first read-only look means an idle
    inbox costs no write lock.
    """
    old = WebhookEvent.processed_at.is_not(None) & (WebhookEvent.processed_at < before)
    with db.read() as session:
        if session.scalar(select(WebhookEvent.id).where(old).limit(1)) is None:
            return 0
    pruned = 0
    for _ in range(max_batches):
        with db.transaction() as session:
            ids = list(session.scalars(select(WebhookEvent.id).where(old).limit(PRUNE_BATCH)))
            if ids:
                session.execute(delete(WebhookEvent).where(WebhookEvent.id.in_(ids)))
        pruned += len(ids)
        if len(ids) < PRUNE_BATCH:
            break
    return pruned


def last_received_at(db: Database) -> datetime | None:
    """When the newest event still kept arrived, for any athlete ("are events still coming?")."""
    with db.read() as session:
        found: datetime | None = session.scalar(select(func.max(WebhookEvent.received_at)))
    return found


def announced(db: Database, activity_ids: list[int]) -> set[int]:
    """Which of these activities a create event announced (received, processed or not)."""
    if not activity_ids:
        return set()
    with db.read() as session:
        return set(
            session.scalars(
                select(WebhookEvent.object_id).where(
                    WebhookEvent.object_type == "activity",
                    WebhookEvent.aspect_type == "create",
                    WebhookEvent.object_id.in_(activity_ids),
                )
            ).all()
        )
