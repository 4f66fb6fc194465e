"""The outbox: each message enqueued once, sent once, retried with backoff when a channel fails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from strava_rehab.db.engine import Database, upgrade
from strava_rehab.db.models import Athlete, OutboxMessage
from strava_rehab.notify.channels import AppriseNotifier, NotificationFailed
from strava_rehab.notify.outbox import enqueue, send_pending

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


class FlakyChannel:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[str] = []

    def send(self, title: str, body: str) -> None:
        if self.failures:
            self.failures -= 1
            raise NotificationFailed("channel down")
        self.sent.append(title)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'o.db'}")
    upgrade(database.engine)
    with database.transaction() as session:
        session.add(
            Athlete(
                id=1,
                access_token=b"x",
                refresh_token=b"y",
                expires_at=NOW,
                connected_at=NOW,
                updated_at=NOW,
            )
        )
    return database


def add(db: Database, key: str) -> None:
    with db.transaction() as session:
        enqueue(
            session, athlete_id=1, dedupe_key=key, kind="suggestion", title=key, body="b", now=NOW
        )


def test_enqueue_is_idempotent(db: Database) -> None:
    add(db, "suggestion:1:abc")
    add(db, "suggestion:1:abc")
    with db.transaction() as session:
        assert len(session.scalars(select(OutboxMessage)).all()) == 1


def test_failed_send_is_retried_with_backoff_then_sent_once(db: Database) -> None:
    add(db, "a")
    channel = FlakyChannel(failures=2)
    first = send_pending(db, channel, NOW, retry_base_s=30)
    assert (first.sent, first.failed) == (0, 1)
    assert send_pending(db, channel, NOW + timedelta(seconds=10)).sent == 0  # not due yet
    second = send_pending(db, channel, NOW + timedelta(seconds=31), retry_base_s=30)
    assert second.failed == 1  # second failure: next try in 60 s
    assert send_pending(db, channel, NOW + timedelta(seconds=60), retry_base_s=30).sent == 0
    third = send_pending(db, channel, NOW + timedelta(seconds=100), retry_base_s=30)
    assert third.sent == 1 and channel.sent == ["a"]
    assert send_pending(db, channel, NOW + timedelta(hours=1)).sent == 0  # never twice


def test_gives_up_after_max_attempts_and_keeps_the_error(db: Database) -> None:
    add(db, "b")
    channel = FlakyChannel(failures=99)
    moment = NOW
    for _ in range(3):
        send_pending(db, channel, moment, max_attempts=3, retry_base_s=1)
        moment += timedelta(hours=1)
    with db.transaction() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert row.status == "failed" and row.attempts == 3 and "channel down" in row.last_error


def test_a_claimed_message_is_not_sent_by_a_second_worker(db: Database) -> None:
    add(db, "c")
    with db.transaction() as session:
        row = session.scalars(select(OutboxMessage)).one()
        row.status, row.claimed_until = "sending", NOW + timedelta(minutes=5)
    channel = FlakyChannel(failures=0)
    assert send_pending(db, channel, NOW).sent == 0
    # The first worker died: its lease runs out and the message is sent after all.
    assert send_pending(db, channel, NOW + timedelta(minutes=6)).sent == 1


def test_invalid_apprise_url_is_named_by_position_not_echoed() -> None:
    with pytest.raises(NotificationFailed) as err:
        AppriseNotifier(["json://127.0.0.1/ok", "nosuchscheme://secret-token@host"])
    assert "notify.urls[1]" in str(err.value)
    assert "secret-token" not in str(err.value)
