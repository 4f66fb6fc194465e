"""The sync questions of the gateway on real SQLite and PostgreSQL: upserts that two processes
can run at once, listings that never wipe a detail, and the migration of the sync cursor."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, text

from strava_rehab.db import gateway
from strava_rehab.db.engine import Database, upgrade
from strava_rehab.db.models import Activity, Athlete, SyncState
from strava_rehab.strava.activity import apply_detail, apply_summary

ATHLETE = 4242
RUNS = frozenset({"Run"})
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gateway.db'}"
    pg_url: str = request.getfixturevalue("pg_url")
    return pg_url


@pytest.fixture
def db(url: str) -> Iterator[Database]:
    database = Database(url)
    upgrade(database.engine)
    with database.transaction() as session:
        session.add(
            Athlete(
                id=ATHLETE,
                access_token=b"x",
                refresh_token=b"y",
                expires_at=NOW,
                connected_at=NOW,
                updated_at=NOW,
            )
        )
    yield database
    database.dispose()


def summary(activity_id: int, name: str = "Run", hours_ago: int = 0) -> dict[str, Any]:
    start = NOW - timedelta(days=30) + timedelta(hours=activity_id % 10_000 - hours_ago)
    return {
        "id": activity_id,
        "athlete": {"id": ATHLETE},
        "name": name,
        "sport_type": "Run",
        "type": "Run",
        "distance": 5000.0,
        "moving_time": 1500,
        "elapsed_time": 1600,
        "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timezone": "(GMT+01:00) Europe/Berlin",
        "manual": False,
        "trainer": False,
        "private": False,
    }


def rows(ids: range, name: str = "Run") -> list[Activity]:
    return [apply_summary(None, summary(i, name), RUNS, NOW) for i in ids]


def count(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Activity)) or 0)


def test_every_activity_column_is_written_by_a_listing_or_a_detail_or_is_ours() -> None:
    columns = {column.name for column in Activity.__table__.columns}
    summary_cols = set(gateway.ACTIVITY_SUMMARY_COLUMNS)
    detail_cols = set(gateway.ACTIVITY_DETAIL_COLUMNS)
    assert not summary_cols & detail_cols
    # Ours: the pain parse fingerprint, and when a create event announced the run (quota).
    assert columns == {"id", "analysed_hash", "announced_at"} | summary_cols | detail_cols


def together(*calls: Callable[[], object]) -> list[BaseException]:
    """Run the calls in threads released at the same moment; what they raised."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            call()
        except BaseException as exc:  # the test's business
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_two_engines_storing_overlapping_pages_at_once(url: str, db: Database) -> None:
    """Two processes (each its own engine) store pages that share half their rows, ten times
    over, released together: no key collision, no deadlock, every row once."""
    gateway.sync_state(db, ATHLETE)
    engines = [Database(url), Database(url)]
    created: list[int] = []

    def store(side: int, page: list[Activity]) -> None:
        new, _ = gateway.store_activity_page(
            engines[side], ATHLETE, page, {"newest_start_epoch": side}
        )
        created.extend(new)

    try:
        for round_ in range(10):
            base = 1_000 + round_ * 300
            # Opposite orders too: a row-by-row upsert in listing order could deadlock.
            first, second = rows(range(base, base + 200)), rows(range(base + 100, base + 300))
            errors = together(partial(store, 0, first), partial(store, 1, second[::-1]))
            assert errors == []
        assert count(db) == 10 * 300
        # Each row was new to at least one side (both may say so: neither saw the other's).
        assert set(created) == set(range(1_000, 1_000 + 10 * 300))
    finally:
        for engine in engines:
            engine.dispose()


def test_two_engines_creating_the_sync_state_at_once(url: str, db: Database) -> None:
    engines = [Database(url) for _ in range(4)]
    try:
        states: list[SyncState] = []
        errors = together(
            *(partial(lambda e: states.append(gateway.sync_state(e, ATHLETE)), e) for e in engines)
        )
        assert errors == []
        assert [state.backfill_done for state in states] == [False] * 4
    finally:
        for engine in engines:
            engine.dispose()
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(SyncState)) == 1


def test_a_listing_updates_the_summary_and_keeps_the_detail_and_our_analysis(db: Database) -> None:
    gateway.sync_state(db, ATHLETE)
    created, changed = gateway.store_activity_page(db, ATHLETE, rows(range(1, 4)), {})
    assert (created, changed) == ([1, 2, 3], [])
    raw = summary(2) | {"description": "left shin sore 4/10", "private_note": "easy"}
    detailed = apply_summary(None, raw, RUNS, NOW)
    apply_detail(detailed, raw, RUNS, NOW)
    assert gateway.store_activity_detail(db, detailed, create=False)
    with db.transaction() as session:
        row = session.get(Activity, 2)
        assert row is not None
        row.analysed_hash = "read"
    later = NOW + timedelta(hours=1)
    renamed = [
        apply_summary(None, summary(i, "Renamed" if i == 2 else "Run"), RUNS, later)
        for i in range(1, 4)
    ]
    created, changed = gateway.store_activity_page(db, ATHLETE, renamed, {"newest_start_epoch": 99})
    assert (created, changed) == ([], [2])
    with db.read() as session:
        row = session.get(Activity, 2)
        state = session.get(SyncState, ATHLETE)
    assert row is not None and state is not None
    assert row.name == "Renamed" and row.synced_at == later
    assert row.description == "left shin sore 4/10" and row.private_note == "easy"
    assert row.analysed_hash == "read"
    assert row.detail_hash is not None and row.detail_hash != row.summary_hash  # fetch again
    assert state.newest_start_epoch == 99


def test_a_detail_of_a_deleted_activity_stays_deleted_unless_a_webhook_creates_it(
    db: Database,
) -> None:
    raw = summary(7) | {"description": "hello"}
    detailed = apply_summary(None, raw, RUNS, NOW)
    apply_detail(detailed, raw, RUNS, NOW)
    assert not gateway.store_activity_detail(db, detailed, create=False)
    assert count(db) == 0
    assert gateway.store_activity_detail(db, detailed, create=True)
    assert gateway.store_activity_detail(db, detailed, create=True)  # again: an update
    assert count(db) == 1
    assert gateway.delete_activity(db, 7) and not gateway.delete_activity(db, 7)


def test_reconcile_deletes_only_what_the_listing_missed_inside_the_window(db: Database) -> None:
    gateway.sync_state(db, ATHLETE)
    stored = rows(range(1, 11))
    gateway.store_activity_page(db, ATHLETE, stored, {})
    after = sorted(row.start_utc for row in stored)[4]  # rows 6..10 start after it
    gone = gateway.delete_unlisted_activities(db, ATHLETE, after, listed={6, 8, 9})
    assert gone == [7, 10]
    assert count(db) == 8


def test_the_sync_cursor_migration_keeps_a_backfill_in_progress(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        upgrade(database.engine, "0003")
        with database.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO athletes (id, firstname, lastname, scopes, access_token, "
                    "refresh_token, expires_at, status, status_message, connected_at, updated_at) "
                    "VALUES (1, '', '', '', x'00', x'00', '2026-01-01', 'connected', '', "
                    "'2026-01-01', '2026-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO sync_state (athlete_id, newest_start_epoch, backfill_after_epoch,"
                    " backfill_next_page, backfill_done, last_error) VALUES (1, 500, 100, 3, 0, '')"
                )
            )
        upgrade(database.engine)
        assert "backfill_next_page" not in {
            c["name"] for c in inspect(database.engine).get_columns("sync_state")
        }
        state = gateway.sync_state(database, 1)
        assert (state.newest_start_epoch, state.backfill_after_epoch) == (500, 100)
        assert state.backfill_done is False
    finally:
        database.dispose()
