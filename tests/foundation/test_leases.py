"""Named leases: one holder at a time across processes, on SQLite and PostgreSQL; a killed holder
on this host is taken over at once, one elsewhere when its lease runs out."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from strava_rehab.db import leases
from strava_rehab.db.engine import Database, upgrade
from strava_rehab.db.models import Lease

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'l.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def db(url: str) -> Iterator[Database]:
    database = Database(url)
    upgrade(database.engine)
    yield database
    database.dispose()


def test_a_held_lease_is_refused_until_released_or_expired(db: Database) -> None:
    first = leases.take(db, "x", owner="a", now=NOW, lease=MINUTE)
    assert first.won and first.until == NOW + MINUTE
    second = leases.take(db, "x", owner="b", now=NOW + timedelta(seconds=30), lease=MINUTE)
    assert not second.won
    assert second.holder == leases.this_process() and second.until == NOW + MINUTE
    assert leases.take(db, "other", owner="b", now=NOW, lease=MINUTE).won  # names are separate
    assert leases.renew(db, "x", owner="a", now=NOW + timedelta(seconds=50), lease=MINUTE)
    assert not leases.take(db, "x", owner="b", now=NOW + timedelta(seconds=70), lease=MINUTE).won
    # Expired (the renewal ran to 09:01:50): b takes it, and a can neither renew nor free it.
    assert leases.take(db, "x", owner="b", now=NOW + timedelta(seconds=111), lease=MINUTE).won
    assert not leases.renew(db, "x", owner="a", now=NOW + timedelta(seconds=112), lease=MINUTE)
    leases.release(db, "x", owner="a")
    assert leases.holder_of(db, "x", NOW + timedelta(seconds=112)) is not None
    leases.release(db, "x", owner="b")
    assert leases.holder_of(db, "x", NOW + timedelta(seconds=112)) is None
    assert leases.take(db, "x", owner="c", now=NOW + timedelta(seconds=113), lease=MINUTE).won


def test_a_holder_on_another_host_is_waited_out(db: Database) -> None:
    with db.transaction() as session:
        session.add(
            Lease(name="x", owner="far", host="elsewhere", pid=1, until=NOW + MINUTE, taken_at=NOW)
        )
    refused = leases.take(db, "x", owner="me", now=NOW + timedelta(seconds=59), lease=MINUTE)
    assert not refused.won and refused.holder == "elsewhere pid 1"
    assert leases.take(db, "x", owner="me", now=NOW + timedelta(seconds=61), lease=MINUTE).won


def test_a_killed_holder_on_this_host_is_taken_over_at_once_a_live_one_is_not(
    db: Database, url: str
) -> None:
    script = (
        "import sys; from datetime import datetime, timedelta, UTC\n"
        "from strava_rehab.db import leases; from strava_rehab.db.engine import Database\n"
        "db = Database(sys.argv[1])\n"
        "assert leases.take(db, 'x', owner='child', now=datetime.now(UTC), "
        "lease=timedelta(hours=1)).won\n"
        "print('held', flush=True); sys.stdin.readline()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        now = datetime.now(UTC)
        alive = leases.take(db, "x", owner="me", now=now, lease=MINUTE)
        assert not alive.won and alive.holder == leases.describe(leases.host_name(), child.pid)
        child.kill()
        child.wait(10)
        assert leases.take(db, "x", owner="me", now=now, lease=MINUTE).won  # not an hour later
    finally:
        child.kill()
        child.wait(10)


def _race(url: str, barrier: Any, done: Any, queue: multiprocessing.Queue[bool]) -> None:
    db = Database(url)
    barrier.wait(60)  # every process is up and connected: all take at once
    queue.put(leases.take(db, "race", owner=leases.new_owner(), now=NOW, lease=MINUTE).won)
    done.wait(60)  # stay alive: a dead winner on this host would be taken over, rightly
    db.dispose()


def test_of_five_processes_taking_one_lease_at_once_exactly_one_wins(
    url: str, db: Database
) -> None:
    ctx = multiprocessing.get_context("fork")  # the product is imported already: quick to start
    queue: multiprocessing.Queue[bool] = ctx.Queue()
    barrier, done = ctx.Barrier(5), ctx.Event()
    procs = [ctx.Process(target=_race, args=(url, barrier, done, queue)) for _ in range(5)]
    for p in procs:
        p.start()
    try:
        results = sorted(queue.get(timeout=60) for _ in procs)
    finally:
        done.set()
        for p in procs:
            p.join(60)
    assert results == [False] * 4 + [True]
