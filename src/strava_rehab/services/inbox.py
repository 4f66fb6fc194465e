"""Strava push events: stored first (answer within 2 s), processed later by the worker.

Events carry ids only and no signature, so they are treated as hints: the worker re-fetches
through the API with the owner's token. Strava retries up to three times and one save can fire
several events, so the inbox is unique on the event's identity and duplicates are dropped.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from strava_rehab.context import AppContext
from strava_rehab.db.engine import affected
from strava_rehab.db.models import AppState, Athlete, WebhookEvent
from strava_rehab.errors import UserFacingError, entry_path
from strava_rehab.services import connect as athletes
from strava_rehab.services import suggest as post_run
from strava_rehab.services import sync
from strava_rehab.strava.errors import (
    AthleteDisconnected,
    RateLimitReached,
    StravaError,
)

log = logging.getLogger(__name__)

SUBSCRIPTION_KEY = "push_subscription"
MAX_ATTEMPTS = 5


class EventPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    object_type: Literal["activity", "athlete"]
    object_id: int
    aspect_type: Literal["create", "update", "delete"]
    owner_id: int
    subscription_id: int
    event_time: int
    updates: dict[str, Any] = Field(default_factory=dict)


class InvalidEvent(UserFacingError, ValueError):
    """The body is not a Strava event; the message says which field is wrong."""


def parse_event(body: Any) -> EventPayload:
    try:
        return EventPayload.model_validate(body)
    except ValidationError as exc:
        fields = ", ".join(
            f"{entry_path(e['loc']) if e['loc'] else 'body'}: {e['msg']}"
            for e in exc.errors(include_input=False)
        )
        raise InvalidEvent(f"not a Strava event ({fields})") from None


def stored_subscription(ctx: AppContext) -> dict[str, Any] | None:
    with ctx.db.transaction() as session:
        row = session.get(AppState, SUBSCRIPTION_KEY)
        return dict(row.value) if row else None


def save_subscription(ctx: AppContext, value: dict[str, Any] | None) -> None:
    with ctx.db.transaction() as session:
        row = session.get(AppState, SUBSCRIPTION_KEY)
        if value is None:
            if row is not None:
                session.delete(row)
            return
        if row is None:
            row = AppState(key=SUBSCRIPTION_KEY)
            session.add(row)
        row.value = value
        row.updated_at = ctx.clock()


def verify_token_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def record_event(
    ctx: AppContext,
    event: EventPayload,
    on_stored: Callable[[Session, EventPayload], None] | None = None,
) -> bool:
    """Store the event; False if it is a duplicate or not for our subscription.

    One short transaction: Strava wants its 200 within 2 s, whatever the worker is doing.
    ``on_stored`` runs inside it for a new event (the distributed runner queues its job there,
    so the event row and its job commit together or not at all).
    """
    with ctx.db.transaction() as session:
        subscription = session.get(AppState, SUBSCRIPTION_KEY)
        if subscription is not None and int(subscription.value["id"]) != event.subscription_id:
            log.warning(
                "ignoring an event for subscription %s (ours is %s)",
                event.subscription_id,
                subscription.value["id"],
            )
            return False
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        result = session.execute(
            insert(WebhookEvent)
            .values(
                subscription_id=event.subscription_id,
                object_type=event.object_type,
                object_id=event.object_id,
                aspect_type=event.aspect_type,
                owner_id=event.owner_id,
                event_time=event.event_time,
                updates=event.updates,
                received_at=ctx.clock(),
                attempts=0,
                last_error="",
            )
            .on_conflict_do_nothing()
        )
        stored = bool(affected(result))
        if stored and on_stored is not None:
            on_stored(session, event)
        return stored


@dataclass
class InboxReport:
    processed: int = 0
    failed: int = 0
    touched_athletes: set[int] = field(default_factory=set)
    resume_at: datetime | None = None

    def summary(self) -> str:
        return f"inbox: {self.processed} processed, {self.failed} failed"


def _handle(ctx: AppContext, event: WebhookEvent) -> int | None:
    """Apply one event to what we store; returns the athlete whose suggestions need a pass."""
    if event.object_type == "athlete":
        if str(event.updates.get("authorized", "")).lower() == "false":
            athletes.delete_athlete_data(ctx, event.owner_id)
            log.info("athlete %s deauthorized the app: all their data deleted", event.owner_id)
        return None
    with ctx.db.read() as session:
        athlete = session.get(Athlete, event.owner_id)
        known = athlete is not None and athlete.status == "connected"
    if not known:
        return None
    if event.aspect_type == "delete":
        sync.forget_activity(ctx, event.object_id)
    else:
        # create, or an update of title, type or privacy: fetch the current state and decide again
        sync.fetch_one(ctx, event.owner_id, event.object_id)
    return event.owner_id


def _pending(ctx: AppContext, limit: int, owner_id: int | None = None) -> list[WebhookEvent]:
    with ctx.db.read() as session:
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


def _settle(ctx: AppContext, event: WebhookEvent, error: str | None, final: bool) -> bool:
    with ctx.db.transaction() as session:
        row = session.get(WebhookEvent, event.id)
        if row is None:  # the athlete's data (events included) was deleted
            return True
        row.attempts += 1
        if final or row.attempts >= MAX_ATTEMPTS:
            row.processed_at = ctx.clock()
        row.last_error = (error or "")[:500]
    return error is None


def process_inbox(
    ctx: AppContext, *, batch: int = 100, max_batches: int = 20, owner_id: int | None = None
) -> InboxReport:
    """Drain the inbox: apply each event, then one suggestion pass per athlete touched.

    ``owner_id`` drains one athlete's events only (the distributed runner's per-athlete job).

    Events that arrive while a batch is processed are picked up by the next batch, so a burst
    (one save can fire several events) never waits for the next scheduled run.
    """
    report = InboxReport()
    seen: set[int] = set()
    for _ in range(max_batches):
        pending = [e for e in _pending(ctx, batch, owner_id) if e.id not in seen]
        if not pending:
            break
        touched: set[int] = set()
        for event in pending:
            seen.add(event.id)
            try:
                athlete_id = _handle(ctx, event)
            except RateLimitReached as exc:
                report.resume_at = exc.resume_at
                log.warning("webhook processing paused: %s", exc)
                break
            except AthleteDisconnected as exc:
                # Retrying cannot help until the runner reconnects; the next sync catches up.
                _settle(ctx, event, str(exc), final=True)
                report.failed += 1
                continue
            except StravaError as exc:
                _settle(ctx, event, str(exc), final=False)
                report.failed += 1
                log.warning("webhook event %s failed: %s", event.id, exc)
                continue
            _settle(ctx, event, None, final=True)
            report.processed += 1
            if athlete_id is not None:
                touched.add(athlete_id)
        for athlete_id in sorted(touched):
            try:
                post_run.process_athlete(ctx, athlete_id)
            except StravaError as exc:  # the scheduled sync's pass will finish it
                log.warning("post-run pass for athlete %s stopped: %s", athlete_id, exc)
        report.touched_athletes |= touched
        if report.resume_at is not None:
            break
    return report


SECRETS_KEY = "webhook_secrets"


def webhook_secrets(ctx: AppContext) -> tuple[str, str]:
    """``(path_token, verify_token)``: from the settings, or generated once and kept."""
    settings = ctx.settings
    if settings.webhook_path_token and settings.webhook_verify_token:
        return (
            settings.webhook_path_token.get_secret_value(),
            settings.webhook_verify_token.get_secret_value(),
        )
    import secrets as _secrets

    with ctx.db.transaction() as session:
        row = session.get(AppState, SECRETS_KEY)
        if row is None:
            row = AppState(
                key=SECRETS_KEY,
                value={
                    "path_token": _secrets.token_urlsafe(18),
                    "verify_token": _secrets.token_urlsafe(18),
                },
                updated_at=ctx.clock(),
            )
            session.add(row)
        path_token = (
            settings.webhook_path_token.get_secret_value()
            if settings.webhook_path_token
            else str(row.value["path_token"])
        )
        verify = (
            settings.webhook_verify_token.get_secret_value()
            if settings.webhook_verify_token
            else str(row.value["verify_token"])
        )
        return path_token, verify


def callback_url(ctx: AppContext) -> str:
    path_token, _ = webhook_secrets(ctx)
    return f"{ctx.settings.public_url.rstrip('/')}/strava/webhook/{path_token}"
