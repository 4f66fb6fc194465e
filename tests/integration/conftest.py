"""Integration fixtures: the real product against the Strava sandbox, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.integration.new_runners import browser as browser  # re-exported for the tests
from tests.integration.quota_world import quota_world  # noqa: F401 - a fixture

from strava_rehab.context import AppContext, open_context
from strava_rehab.sandbox import Sandbox, SandboxConfig
from strava_rehab.services import connect as athletes
from strava_rehab.settings import load_settings

CLIENT_ID = 12345
CLIENT_SECRET = "sandbox-secret-for-tests"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(
        SandboxConfig(
            port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, delivery_backoff_s=0.05
        )
    )
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


ContextFactory = Callable[..., AppContext]


@pytest.fixture
def make_ctx(tmp_path: Path, sandbox: Sandbox) -> Iterator[ContextFactory]:
    """Build an AppContext on a SQLite file, pointed at the sandbox, on the sandbox's clock."""
    opened: list[AppContext] = []

    def factory(**overrides: Any) -> AppContext:
        settings = load_settings(
            data_dir=tmp_path / "data",
            strava_url=sandbox.url,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            **{"rate_limit_max_wait_s": 0, **overrides},
        )
        ctx = open_context(settings, clock=sandbox.now, backoff_s=0.01)
        opened.append(ctx)
        return ctx

    yield factory
    for ctx in opened:
        ctx.close()


@pytest.fixture
def ctx(make_ctx: ContextFactory) -> AppContext:
    return make_ctx()


@pytest.fixture
def connected(ctx: AppContext, sandbox: Sandbox) -> int:
    result = athletes.connect_with_loopback(ctx, browser, timeout_s=10)
    return result.athlete_id


def stored_ids(ctx: AppContext, athlete_id: int) -> set[int]:
    from sqlalchemy import select

    from strava_rehab.db.models import Activity

    with ctx.db.transaction() as session:
        return set(session.scalars(select(Activity.id).where(Activity.athlete_id == athlete_id)))


def sandbox_ids(sb: Sandbox, athlete_id: int, since_epoch: float | None = None) -> set[int]:
    from strava_rehab.strava.activity import parse_time

    return {
        int(a["id"])
        for a in sb.activities(athlete_id)
        if since_epoch is None or parse_time(a["start_date"]).timestamp() > since_epoch
    }
