"""The stores behind the webhook and the connect flow, on SQLite and PostgreSQL, under
concurrency: counters lose no increment, generated secrets are one pair, a state is taken once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from strava_rehab.db import app_state, oauth_states
from strava_rehab.db.engine import Database, upgrade

NOW = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    url = (
        f"sqlite:///{tmp_path / 'stores.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    database = Database(url)
    upgrade(database.engine)
    try:
        yield database
    finally:
        database.dispose()


def together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released at once; their results in order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    return results


def test_concurrent_counts_lose_no_increment(db: Database) -> None:
    together(16, lambda i: app_state.bump(db, "webhook_ignored", "unknown_athlete", NOW))
    counts = app_state.get(db, "webhook_ignored")
    assert counts is not None and counts["unknown_athlete"] == 16


def test_concurrent_first_uses_agree_on_one_generated_value(db: Database) -> None:
    values = together(8, lambda i: app_state.setdefault(db, "webhook_secrets", {"v": i}, NOW))
    assert len({v["v"] for v in values}) == 1
    assert app_state.get(db, "webhook_secrets") == values[0]


def test_a_state_is_taken_once_by_its_own_browser_and_not_after_it_expired(db: Database) -> None:
    pending = oauth_states.PendingState("http://x/connect/callback", "h" * 64, invited=True)
    oauth_states.add(db, "s1", pending, NOW, expired_before=NOW - timedelta(minutes=10))
    later = NOW + timedelta(seconds=5)

    def take(browser: str | None) -> oauth_states.PendingState | None:
        return oauth_states.take(
            db, "s1", later, created_after=later - timedelta(minutes=10), browser_hash=browser
        )

    assert take(None) is None and take("x" * 64) is None  # another browser: not used up
    taken = together(8, lambda i: take("h" * 64))
    assert [t for t in taken if t is not None] == [pending]
    oauth_states.add(db, "s2", pending, NOW, expired_before=NOW - timedelta(minutes=10))
    expired = oauth_states.take(
        db,
        "s2",
        NOW + timedelta(minutes=11),
        created_after=NOW + timedelta(minutes=1),
        browser_hash="h" * 64,
    )
    assert expired is None
