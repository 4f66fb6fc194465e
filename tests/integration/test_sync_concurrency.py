"""Two processes syncing one athlete at once (a worker and ``sync``, or two workers on one
shared database): each stores the same pages at the same moment; nothing fails, nothing doubles.

Each side has its own AppContext, so its own engine and connection pool, as two processes would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import event, func, select
from tests.integration.conftest import ContextFactory, browser, sandbox_ids, stored_ids

from strava_rehab.context import AppContext
from strava_rehab.db.engine import upgrade
from strava_rehab.db.models import Activity, SyncState
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import connect as athletes
from strava_rehab.services.sync import SyncReport, fetch_one, sync_athlete


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_db(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings that point every context of a test at one database."""
    if request.param == "sqlite":
        return {}  # make_ctx puts every context on the same SQLite file
    pg_url: str = request.getfixturevalue("pg_url")
    return {"database_url": pg_url, "secret_key": Fernet.generate_key().decode()}


def add_walks(sb: Sandbox, athlete_id: int, count: int, days_back: int) -> None:
    now = sb.now()
    for i in range(count):
        sb.add_activity(
            athlete_id,
            name=f"Walk {i}",
            sport_type="Walk",
            distance=3000.0,
            moving_time=1800,
            start_date=(now - timedelta(days=days_back, hours=-i * 5)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
        )


def at_once(*calls: Callable[[], object]) -> tuple[list[object], list[BaseException]]:
    """Run the calls in threads released together; their results and whatever they raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results.append(call())
        except BaseException as exc:  # every failure is the test's business
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def two_contexts(
    make_ctx: ContextFactory, shared_db: dict[str, Any], **overrides: Any
) -> tuple[AppContext, AppContext]:
    first = make_ctx(**shared_db, **overrides)
    if "database_url" in shared_db:
        upgrade(first.db.engine)  # the shared mode migrates explicitly
    return first, make_ctx(**shared_db, **overrides)


def slow_activity_writes(ctx: AppContext, seconds: float) -> None:
    """A slow disk: every new activity row waits a little before it reaches the database, so
    two transactions that both looked for the row before either stored it overlap for certain."""

    @event.listens_for(ctx.db.engine, "before_cursor_execute")
    def _slow(*args: Any) -> None:
        statement = str(args[2]).lstrip().lower()
        if statement.startswith("insert into activities"):
            time.sleep(seconds)


def row_count(ctx: AppContext, model: type[Activity] | type[SyncState]) -> int:
    with ctx.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_two_backfills_of_one_athlete_at_once_store_each_activity_once(
    make_ctx: ContextFactory, sandbox: Sandbox, shared_db: dict[str, Any]
) -> None:
    one, two = two_contexts(make_ctx, shared_db, backfill_days=400, detail_window_days=7)
    athlete_id = athletes.connect_with_loopback(one, browser, timeout_s=10).athlete_id
    add_walks(sandbox, athlete_id, 600, days_back=350)
    # Equal latency keeps both listings in step: every page is stored by both at the same time.
    sandbox.set_latency(latency_s=0.05)
    results, errors = at_once(
        partial(sync_athlete, one, athlete_id), partial(sync_athlete, two, athlete_id)
    )
    assert errors == []
    reports = [r for r in results if isinstance(r, SyncReport)]
    assert len(reports) == 2 and all(r.complete for r in reports), [r.error for r in reports]
    expected = sandbox_ids(sandbox, athlete_id)
    assert stored_ids(one, athlete_id) == expected
    assert row_count(one, Activity) == len(expected)
    assert row_count(one, SyncState) == 1


def test_a_webhook_fetch_and_a_sync_storing_the_same_new_run_at_once(
    make_ctx: ContextFactory, sandbox: Sandbox, shared_db: dict[str, Any]
) -> None:
    one, two = two_contexts(make_ctx, shared_db, detail_window_days=7)
    athlete_id = athletes.connect_with_loopback(one, browser, timeout_s=10).athlete_id
    assert sync_athlete(one, athlete_id).complete
    for ctx in (one, two):
        slow_activity_writes(ctx, 0.2)
    for round_ in range(3):
        run = sandbox.add_activity(
            athlete_id,
            name=f"New run {round_}",
            sport_type="Run",
            distance=6000.0,
            moving_time=1900,
            description="left shin sore 3/10",
        )
        run_id = int(run["id"])
        results, errors = at_once(
            partial(sync_athlete, one, athlete_id), partial(fetch_one, two, athlete_id, run_id)
        )
        assert errors == []
        assert True in results
        with one.db.read() as session:
            row = session.get(Activity, run_id)
            assert row is not None and row.description == "left shin sore 3/10"
    since = (sandbox.now() - timedelta(days=one.settings.backfill_days)).timestamp()
    expected = sandbox_ids(sandbox, athlete_id, since)
    assert stored_ids(one, athlete_id) == expected
    assert row_count(one, Activity) == len(expected)
