"""The notification outbox: enqueued once per message, sent at least once, retried on failure.

A message is claimed with a short lease before it is sent, so two workers never send it at the
same time; if a worker dies mid-send, the lease runs out and the message is sent again (a
duplicate is possible in that one case; a loss is not). Messages are claimed one at a time, just
before each is sent, so a worker killed mid-send holds back only the message it was sending:
the next worker sends the others at once, and that one when its lease has run out.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, true, update
from sqlalchemy.orm import Session

from strava_rehab.db.engine import Database, affected, upsert_insert
from strava_rehab.db.models import OutboxMessage
from strava_rehab.notify.channels import ChannelRouter, NotificationFailed, Notifier

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=5)
# Due messages looked at per claim: if another worker wins the first, the next is tried.
CLAIM_CANDIDATES = 5


def enqueue(
    session: Session,
    *,
    athlete_id: int,
    dedupe_key: str,
    kind: str,
    title: str,
    body: str,
    now: datetime,
) -> None:
    """Add a message unless one with the same key exists (re-running a job adds nothing)."""
    session.execute(
        upsert_insert(session)(OutboxMessage)
        .values(
            athlete_id=athlete_id,
            dedupe_key=dedupe_key[:200],
            kind=kind,
            title=title[:300],
            body=body,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            last_error="",
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=[OutboxMessage.dedupe_key])
    )


@dataclass
class OutboxReport:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    # No notify.urls: "sent" messages only went to the log, not to the runner.
    logged_only: bool = False

    def summary(self) -> str:
        sent = (
            f"{self.sent} logged only (no notify.urls)" if self.logged_only else f"{self.sent} sent"
        )
        return f"outbox: {sent}, {self.failed} to retry, {self.gave_up} given up"


def _claim_one(
    db: Database, now: datetime, skip: set[int], message_id: int | None = None
) -> OutboxMessage | None:
    """Claim the oldest due message (not one of ``skip``; only ``message_id`` if given), or None
    when none is left."""
    query = select(OutboxMessage).where(
        true() if message_id is None else OutboxMessage.id == message_id,
        OutboxMessage.status.in_(("pending", "sending")),
        OutboxMessage.next_attempt_at <= now,
        (OutboxMessage.claimed_until.is_(None)) | (OutboxMessage.claimed_until < now),
    )
    if skip:
        query = query.where(OutboxMessage.id.not_in(skip))
    with db.transaction() as session:
        due = session.scalars(query.order_by(OutboxMessage.id).limit(CLAIM_CANDIDATES)).all()
        for message in due:
            # Conditional update: if another worker claimed it first, rowcount is 0.
            won = affected(
                session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id == message.id,
                        (OutboxMessage.claimed_until.is_(None))
                        | (OutboxMessage.claimed_until < now),
                    )
                    .values(status="sending", claimed_until=now + CLAIM_LEASE)
                )
            )
            if won:
                session.expunge(message)
                return message
        return None


def send_pending(
    db: Database,
    notifier: Notifier | ChannelRouter,
    now: datetime,
    *,
    max_attempts: int = 8,
    retry_base_s: float = 30.0,
    limit: int = 50,
    message_id: int | None = None,
    clock: Callable[[], datetime] | None = None,
    stop: threading.Event | None = None,
) -> OutboxReport:
    """Send up to ``limit`` due messages, each claimed just before it is sent (or only
    ``message_id``, the distributed runner's task per message). With a ``ChannelRouter`` each
    message goes to its athlete's own channels (or the install default).

    ``now`` is the time of the pass; with ``clock``, each claim and outcome reads it afresh
    instead (a long pass does not claim with a lease that is already running out).
    """
    report = OutboxReport(logged_only=bool(getattr(notifier, "logged_only", False)))
    tried: set[int] = set()
    while len(tried) < limit:
        if stop is not None and stop.is_set():
            break
        moment = clock() if clock is not None else now
        message = _claim_one(db, moment, tried, message_id)
        if message is None:
            break
        tried.add(message.id)
        try:
            channel = (
                notifier.for_athlete(message.athlete_id)
                if isinstance(notifier, ChannelRouter)
                else notifier
            )
            channel.send(message.title, message.body)
        except NotificationFailed as exc:
            error = str(exc)
        except Exception as exc:  # a channel's own bug must not stop the other messages
            error = f"{type(exc).__name__}: {exc}"
        else:
            error = ""
        moment = clock() if clock is not None else now
        with db.transaction() as session:
            row = session.get(OutboxMessage, message.id)
            if row is None:  # the athlete was deleted meanwhile
                continue
            row.claimed_until = None
            if not error:
                row.status, row.sent_at, row.last_error = "sent", moment, ""
                report.sent += 1
                continue
            row.attempts += 1
            row.last_error = error[:500]
            if row.attempts >= max_attempts:
                row.status = "failed"
                report.gave_up += 1
                log.error("notification %s failed for good: %s", row.dedupe_key, error)
            else:
                row.status = "pending"
                row.next_attempt_at = moment + timedelta(
                    seconds=retry_base_s * 2 ** (row.attempts - 1)
                )
                report.failed += 1
                log.warning(
                    "notification %s failed (attempt %d): %s", row.dedupe_key, row.attempts, error
                )
    return report
