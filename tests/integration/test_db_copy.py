"""`strava-rehab db copy --to URL`: an embedded install moves to PostgreSQL, nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.integration.conftest import CLIENT_ID, CLIENT_SECRET, ContextFactory, browser

from strava_rehab.db.models import Base
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import connect as athletes
from strava_rehab.services import jobs
from strava_rehab.settings import ConfigError, load_settings

pytestmark = pytest.mark.postgres


def counts(ctx: object) -> dict[str, int]:
    with ctx.db.read() as session:  # type: ignore[attr-defined]
        return {
            t.name: int(session.execute(select(func.count()).select_from(t)).scalar_one())
            for t in Base.metadata.sorted_tables
        }


def copy(tmp_path: Path, to: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STRAVA_REHAB_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run(
        [sys.executable, "-m", "strava_rehab", "db", "copy", "--to", to],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_embedded_install_moves_to_postgresql_and_tokens_still_decrypt(
    make_ctx: ContextFactory, sandbox: Sandbox, pg_url: str, tmp_path: Path
) -> None:
    embedded = make_ctx()
    athlete_id = athletes.connect_with_loopback(embedded, browser, timeout_s=10).athlete_id
    jobs.run_cycle(embedded)
    before = counts(embedded)
    assert before["activities"] and before["suggestions"]
    embedded.close()

    done = copy(tmp_path, pg_url)
    assert done.returncode == 0, done.stderr
    assert "copied" in done.stdout and "decrypt" in done.stdout
    assert "secret.key" in done.stdout  # says which key the new install needs

    key = (tmp_path / "data" / "secret.key").read_text().strip()
    pg = make_ctx(database_url=pg_url, secret_key=key)
    assert counts(pg) == before
    assert athletes.access_token(pg, athlete_id)  # decrypts
    sandbox.reset_calls()
    jobs.run_cycle(pg)  # nothing lost: nothing to redo, nothing written twice
    assert [c for c in sandbox.calls() if c["method"] == "PUT"] == []
    # new rows get fresh ids after the copied ones (sequences moved on)
    sandbox.add_activity(
        athlete_id, name="Run", sport_type="Run", distance=5000.0, moving_time=1700
    )
    jobs.run_cycle(pg)

    again = copy(tmp_path, pg_url)
    assert again.returncode == 1 and "already holds data" in again.stderr


def test_copy_refuses_a_key_that_does_not_decrypt(
    make_ctx: ContextFactory, pg_url: str, tmp_path: Path
) -> None:
    from strava_rehab.db.copy import copy_database
    from strava_rehab.db.engine import Database
    from strava_rehab.db.token_vault import TokenVault
    from strava_rehab.strava.api import TokenGrant

    ctx = make_ctx()
    athletes.store_grant(
        ctx,
        TokenGrant.model_validate(
            {
                "access_token": "a",
                "refresh_token": "r",
                "expires_at": "2030-01-01T00:00:00Z",
                "athlete": {"id": 7, "firstname": "A"},
            }
        ),
        "read,activity:read_all",
    )
    from cryptography.fernet import Fernet

    target = Database(pg_url)
    try:
        with pytest.raises(ConfigError, match="cannot be decrypted"):
            copy_database(ctx.db, target, TokenVault([Fernet.generate_key()]))
        assert counts(type("C", (), {"db": target})())["athletes"] == 0  # rolled back
    finally:
        target.dispose()


def test_procrastinate_runner_needs_postgresql() -> None:
    with pytest.raises(ConfigError, match="needs a PostgreSQL database_url"):
        load_settings(runner="procrastinate", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
