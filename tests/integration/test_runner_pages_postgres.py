"""The runner's page on PostgreSQL: sessions, settings, the export and the delete."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from tests.integration.conftest import ContextFactory
from tests.integration.runner_support import (
    blocks_in_sandbox,
    csrf_of,
    database_rows,
    pain_run,
    rows_about,
    sign_in,
)
from tests.integration.servers import free_port, web_server

from strava_rehab.dashboard.export import read_export
from strava_rehab.db import gateway
from strava_rehab.db.engine import upgrade
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import jobs

pytestmark = pytest.mark.postgres


def test_the_runner_page_on_postgresql(
    make_ctx: ContextFactory, sandbox: Sandbox, pg_url: str
) -> None:
    port = free_port()
    ctx = make_ctx(
        database_url=pg_url,
        secret_key=Fernet.generate_key().decode(),
        public_url=f"http://127.0.0.1:{port}",
    )
    upgrade(ctx.db.engine)
    athlete_id = sandbox.seed_athlete_id
    with web_server(ctx, port) as url:
        http = sign_in(url)
        jobs.run_cycle(ctx)
        pain_run(sandbox, athlete_id)
        jobs.run_cycle(ctx)
        me = http.get(url + "/me", timeout=10)
        assert me.status_code == 200 and "Shin programme: phase 1 of 3" in me.text
        saved = http.post(
            url + "/me/settings",
            data={"csrf_token": csrf_of(me.text), "write_back": "paused", "destination": "both"},
            timeout=10,
        )
        assert (
            saved.status_code == 200
            and gateway.runner_choices(ctx.db, athlete_id).write_back_paused
        )
        exported = read_export(http.get(url + "/me/export", timeout=10).content)
        expected = database_rows(ctx, athlete_id)
        assert {kind: exported[kind] for kind in expected} == expected
        done = http.post(
            url + "/me/delete",
            data={"csrf_token": csrf_of(me.text), "confirm": "delete"},
            timeout=10,
        )
        assert done.status_code == 200 and "Your data has been deleted" in done.text
        assert set(rows_about(ctx, athlete_id).values()) == {0}
        assert blocks_in_sandbox(sandbox, athlete_id) == {}
        assert http.get(url + "/me", timeout=10).status_code == 401
