"""Small app-wide facts kept as JSON under a key (``app_state``): the push subscription, the
generated webhook secrets, counters of events that were ignored.

A store like the gateway: each function is one short read or one transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from strava_rehab.db.engine import Database, upsert_insert
from strava_rehab.db.models import AppState


def get(db: Database, key: str) -> dict[str, Any] | None:
    with db.read() as session:
        row = session.get(AppState, key)
        return dict(row.value) if row else None


def get_with_time(db: Database, key: str) -> tuple[dict[str, Any], datetime] | None:
    """The value and when it was last stored (e.g. since when the app is subscribed)."""
    with db.read() as session:
        row = session.get(AppState, key)
        return (dict(row.value), row.updated_at) if row else None


def put(db: Database, key: str, value: dict[str, Any] | None, now: datetime) -> None:
    """Store ``value`` under ``key``; ``None`` removes the key."""
    with db.transaction() as session:
        row = session.get(AppState, key)
        if value is None:
            if row is not None:
                session.delete(row)
            return
        if row is None:
            row = AppState(key=key)
            session.add(row)
        row.value = value
        row.updated_at = now


def _locked(session: Any, key: str, now: datetime) -> AppState:
    """The row of ``key``, created empty if missing, locked until the transaction ends.

    ``INSERT ... ON CONFLICT DO NOTHING`` then ``SELECT ... FOR UPDATE``: two processes creating
    or changing the same key at once wait for each other instead of colliding or losing an
    update (SQLite's ``BEGIN IMMEDIATE`` already serialises them; ``FOR UPDATE`` does on
    PostgreSQL).
    """
    session.execute(
        upsert_insert(session)(AppState)
        .values(key=key, value={}, updated_at=now)
        .on_conflict_do_nothing()
    )
    row: AppState = session.scalars(
        select(AppState).where(AppState.key == key).with_for_update()
    ).one()
    return row


def setdefault(db: Database, key: str, value: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The value stored under ``key``; if there is none yet, store ``value`` and return it.

    Concurrent callers all get the one value that was stored first.
    """
    with db.transaction() as session:
        row = _locked(session, key, now)
        if not row.value:
            row.value = dict(value)
            row.updated_at = now
        return dict(row.value)


def bump(db: Database, key: str, name: str, now: datetime) -> None:
    """Add one to the counter ``name`` in ``key`` and note when (``last_at``)."""
    with db.transaction() as session:
        row = _locked(session, key, now)
        value = dict(row.value)
        value[name] = int(value.get(name, 0)) + 1
        value["last_at"] = now.isoformat()
        row.value = value
        row.updated_at = now
