"""The same loop on PostgreSQL: the shared-database mode that several processes can use."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from tests.integration.conftest import ContextFactory, browser, sandbox_ids, stored_ids

from strava_rehab.context import AppContext
from strava_rehab.db.engine import upgrade
from strava_rehab.db.models import SuggestionRow
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import connect as athletes
from strava_rehab.services import jobs
from strava_rehab.settings import ConfigError
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
