"""The same loop on PostgreSQL: the shared-database mode that several processes can use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from tests.integration.conftest import ContextFactory, browser, sandbox_ids, stored_ids

from strava_rehab.context import AppContext
from strava_rehab.db import gateway
from strava_rehab.db.engine import upgrade
from strava_rehab.db.models import SuggestionRow, WebhookEvent
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import connect as athletes
from strava_rehab.services import inbox as webhooks
from strava_rehab.services import jobs, sync
from strava_rehab.services import suggest as post_run
from strava_rehab.settings import ConfigError
from strava_rehab.strava.events import EventPayload
from strava_rehab.text.description_block import START

pytestmark = pytest.mark.postgres

Cycle = Callable[[AppContext], object]


def distributed_cycle(ctx: AppContext) -> None:
    """The same cycle on the procrastinate runner: fan out, then run every job to the end."""
    from strava_rehab.distributed.worker import run_until_idle

    run_until_idle(ctx.settings.model_copy(update={"runner": "procrastinate"}))


@pytest.fixture(params=["embedded", "distributed"])
def cycle(request: pytest.FixtureRequest) -> Cycle:
    return jobs.run_cycle if request.param == "embedded" else distributed_cycle


def test_shared_database_needs_migrations_and_a_key(make_ctx: ContextFactory, pg_url: str) -> None:
    with pytest.raises(ConfigError, match="STRAVA_REHAB_SECRET_KEY"):
        make_ctx(database_url=pg_url)


def test_sync_suggest_and_write_back_on_postgresql(
    make_ctx: ContextFactory, sandbox: Sandbox, pg_url: str, cycle: Cycle
) -> None:
    ctx = make_ctx(
        database_url=pg_url, secret_key=Fernet.generate_key().decode(), backfill_days=400
    )
    upgrade(ctx.db.engine)  # an explicit step in the shared mode, not implicit per process
    athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    cycle(ctx)
    assert stored_ids(ctx, athlete_id) == sandbox_ids(sandbox, athlete_id)
    run = sandbox.add_activity(
        athlete_id,
        name="Run",
        sport_type="Run",
        distance=8000.0,
        moving_time=2700,
        description="left shin sore 4/10",
    )
    cycle(ctx)
    assert START in sandbox.activity(int(run["id"]))["description"]
    sandbox.reset_calls()
    cycle(ctx)
    assert [c for c in sandbox.calls() if c["method"] == "PUT"] == []
    with ctx.db.transaction() as session:
        suggestion = session.scalar(
            select(SuggestionRow).where(SuggestionRow.activity_id == int(run["id"]))
        )
        assert suggestion is not None and suggestion.protocol_id == "shin_splints"
    assert athletes.disconnect(ctx, athlete_id)
    assert stored_ids(ctx, athlete_id) == set()


def test_a_post_run_job_finds_its_events_taken_and_still_suggests(
    make_ctx: ContextFactory, sandbox: Sandbox, pg_url: str
) -> None:
    """A worker killed after settling an athlete's events and before the suggestion pass: the
    retried job (or the one that superseded it) has no event left to apply, and must still run
    the pass, or that run is never suggested (the distributed acceptance test lost two so)."""
    from strava_rehab.distributed.app import build_app

    ctx = make_ctx(
        database_url=pg_url, secret_key=Fernet.generate_key().decode(), backfill_days=400
    )
    upgrade(ctx.db.engine)
    athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    distributed_cycle(ctx)
    run = sandbox.add_activity(
        athlete_id,
        name="Run",
        sport_type="Run",
        distance=8000.0,
        moving_time=2700,
        description="left shin sore 4/10",
    )
    run_id = int(run["id"])
    dapp = build_app(ctx.settings.model_copy(update={"runner": "procrastinate"}))
    event = EventPayload(
        object_type="activity",
        object_id=run_id,
        aspect_type="create",
        owner_id=athlete_id,
        subscription_id=1,
        event_time=int(sandbox.now().timestamp()),
    )
    assert webhooks.record_event(ctx, event, dapp.event_stored)  # and its post_run job
    # The first worker applies and settles the event, then dies before the pass.
    sync.fetch_one(ctx, athlete_id, run_id)
    with ctx.db.transaction() as session:
        for row in session.scalars(select(WebhookEvent)):
            row.processed_at = ctx.clock()
    try:
        dapp.app.run_worker(
            wait=False,
            concurrency=1,
            install_signal_handlers=False,
            listen_notify=False,
            delete_jobs="successful",
        )
    finally:
        dapp.contexts.close()
    with ctx.db.read() as session:
        suggestion = session.scalar(
            select(SuggestionRow).where(SuggestionRow.activity_id == run_id)
        )
    assert suggestion is not None and suggestion.protocol_id == "shin_splints"
    assert START in sandbox.activity(run_id)["description"]


def test_runs_that_start_together_are_decided_alike_on_sqlite_and_postgresql(
    make_ctx: ContextFactory, sandbox: Sandbox, pg_url: str
) -> None:
    """Each decision starts from the states the one before left, so a tie on the start time is
    broken by id, whatever order the database keeps the rows in (on PostgreSQL an upsert moves
    a row last): the embedded mode and the shared database decide the same."""
    embedded = make_ctx()
    shared = make_ctx(database_url=pg_url, secret_key=Fernet.generate_key().decode())
    upgrade(shared.db.engine)
    for ctx in (embedded, shared):
        athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    start = (sandbox.now() - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    notes = ["left shin sore 6/10", "felt fine", "left shin sore 2/10", "right knee pain 5/10"]
    ids = [
        int(
            sandbox.add_activity(
                athlete_id,
                start_date=start,
                name=f"Run {i}",
                sport_type="Run",
                distance=6000.0,
                moving_time=2000,
                description=note,
            )["id"]
        )
        for i, note in enumerate(notes)
    ]
    decided = []
    for ctx in (embedded, shared):
        sync.sync_athlete(ctx, athlete_id)
        # A webhook update of the first runs: on PostgreSQL their rows move to the end.
        for activity_id in ids[:2]:
            sync.fetch_one(ctx, athlete_id, activity_id)
        since = (sandbox.now() - timedelta(days=2)).date()
        runs = gateway.suggestable_runs(ctx.db, athlete_id, since)
        assert [a.id for a in runs if a.id in ids] == sorted(ids)
        post_run.process_athlete(ctx, athlete_id, dry_run=True)
        with ctx.db.read() as session:
            decided.append(
                [
                    (r.activity_id, r.kind, r.protocol_id, r.prior_states)
                    for r in session.scalars(
                        select(SuggestionRow)
                        .where(SuggestionRow.activity_id.in_(ids))
                        .order_by(SuggestionRow.activity_id)
                    )
                ]
            )
    assert len(decided[0]) == len(ids)
    assert decided[0] == decided[1]
