"""Faults an operator can fix end in one line naming the problem and exit 1, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from strava_rehab.db.engine import Database, ensure_schema, upgrade
from strava_rehab.db.models import Athlete

KEY = "Yq5wn0Wk2ib2n1tXbUQd1C9P1sgmVpX0F6fQ9wq2xjU="  # a valid Fernet key, only for tests


def run(*args: str, env: dict[str, str] | None = None, module: str = "strava_rehab") -> str:
    """Run the CLI; assert exit 1 and one error line without a traceback; return that line."""
    result = subprocess.run(
        [sys.executable, "-m", module, *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, (result.returncode, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the database --------------------------------------------------------------------------------


def test_unreachable_postgresql() -> None:
    url = f"postgresql+psycopg://rehab:s3cret-pw@127.0.0.1:{free_port()}/rehab"
    line = run("athletes", env={"STRAVA_REHAB_DATABASE_URL": url, "STRAVA_REHAB_SECRET_KEY": KEY})
    assert "cannot connect to the database" in line and "refused" in line.lower()
    assert "s3cret-pw" not in line and "rehab:***@127.0.0.1" in line


def test_missing_postgresql_database(pg_url: str) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(pg_url).set(database="strava_rehab_no_such_db").render_as_string(False)
    line = run("athletes", env={"STRAVA_REHAB_DATABASE_URL": url, "STRAVA_REHAB_SECRET_KEY": KEY})
    assert "cannot connect" in line and "strava_rehab_no_such_db" in line


def test_unmigrated_postgresql_schema_says_to_upgrade(pg_url: str) -> None:
    env = {"STRAVA_REHAB_DATABASE_URL": pg_url, "STRAVA_REHAB_SECRET_KEY": KEY}
    for command in (["athletes"], ["status"], ["pain", "list"]):
        assert "strava-rehab db upgrade" in run(*command, env=env)


def test_read_only_postgresql(pg_url: str) -> None:
    engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    upgrade(engine)
    add_athlete(Database(pg_url), 7)
    with engine.connect() as conn:
        name = engine.url.database
        conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    engine.dispose()
    env = {"STRAVA_REHAB_DATABASE_URL": pg_url, "STRAVA_REHAB_SECRET_KEY": KEY}
    assert "read-only" in run("pain", "log", "shin", "3", env=env)


def add_athlete(db: Database, athlete_id: int) -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with db.transaction() as session:
        session.add(
            Athlete(
                id=athlete_id,
                scopes="read,activity:read_all,activity:write",
                access_token=b"x",
                refresh_token=b"y",
                expires_at=now,
                connected_at=now,
                updated_at=now,
            )
        )
    db.dispose()


def test_read_only_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "strava-rehab.db"
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    path.touch()  # empty: the embedded default would create the schema, and cannot
    line = run("athletes", env={"STRAVA_REHAB_DATABASE_URL": read_only})
    assert "read-only" in line and str(path) in line
    db = Database(f"sqlite:///{path}")
    ensure_schema(db.engine)
    add_athlete(db, 7)
    line = run("pain", "log", "shin", "3", env={"STRAVA_REHAB_DATABASE_URL": read_only})
    assert "read-only" in line


def test_data_directory_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    line = run("athletes", env={"STRAVA_REHAB_DATA_DIR": str(blocker / "data")})
    assert "cannot create the data directory" in line and str(blocker / "data") in line


# --- settings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"STRAVA_REHAB_STRAVA_URL": "www strava com"}, "strava_url"),
        ({"STRAVA_REHAB_STRAVA_URL": "ftp://strava.com"}, "strava_url"),
        ({"STRAVA_REHAB_WORKER__TIMEZONE": "Mars/Olympus_Mons"}, "worker.timezone"),
        ({"STRAVA_REHAB_NOTIFY__URLS": "ntfy://ntfy.sh/topic"}, "STRAVA_REHAB_NOTIFY__URLS"),
    ],
)
def test_bad_setting_in_the_environment(tmp_path: Path, env: dict[str, str], named: str) -> None:
    env = {"STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"), **env}
    for command in (["athletes"], ["config", "check"], ["worker", "--once"]):
        assert named in run(*command, env=env)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("[notify]\nurls = 'ntfy://ntfy.sh/topic'\n", "notify.urls"),
        ("strava_url = 'localhost'\n", "strava_url"),
        ("[worker]\ntimezone = 'Europe/Nowhere'\n", "worker.timezone"),
    ],
)
def test_bad_setting_in_the_file(tmp_path: Path, body: str, named: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f"data_dir = '{tmp_path / 'data'}'\n{body}")
    line = run("athletes", env={"STRAVA_REHAB_CONFIG": str(config)})
    assert named in line and str(config) in line


def test_unknown_apprise_scheme(tmp_path: Path) -> None:
    env = {
        "STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"),
        "STRAVA_REHAB_NOTIFY__URLS": '["nosuchscheme://token-abc-123"]',
    }
    for command in (["worker", "--once"], ["config", "check"]):
        line = run(*command, env=env)
        assert "notify.urls[0]" in line and "token-abc-123" not in line


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"STRAVA_REHAB_WORKER__SYNC_CRON": "every day"}, "worker.sync_cron"),
        ({"STRAVA_REHAB_WORKER__DIGEST_CRON": "0 25 * * *"}, "worker.digest_cron"),
        ({"STRAVA_REHAB_PAIN_LANGUAGE": "tlh"}, "available languages: de, en, es"),
        ({"STRAVA_REHAB_PAIN_LANGUAGES": '["en", "tlh"]'}, "pain_languages"),
    ],
)
def test_config_check_validates_cron_and_language_up_front(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    env = {"STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"), **env}
    assert expected in run("config", "check", env=env)


# --- ports ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["serve", "--no-worker"], ["sandbox"], ["connect"]])
def test_busy_port(tmp_path: Path, busy_port: int, command: list[str]) -> None:
    env = {
        "STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"),
        "STRAVA_CLIENT_ID": "1",
        "STRAVA_CLIENT_SECRET": "x",
    }
    line = run(*command, "--port", str(busy_port), env=env)
    assert f"cannot listen on 127.0.0.1:{busy_port}" in line


@pytest.mark.parametrize("command", [["serve", "--no-worker"], ["sandbox"], ["connect"]])
def test_port_above_65535(tmp_path: Path, command: list[str]) -> None:
    env = {
        "STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"),
        "STRAVA_CLIENT_ID": "1",
        "STRAVA_CLIENT_SECRET": "x",
    }
    assert "port 70000 is out of range" in run(*command, "--port", "70000", env=env)


def test_sandbox_module_busy_port_and_out_of_range(busy_port: int) -> None:
    module = "strava_rehab.sandbox"
    assert "cannot listen" in run("--port", str(busy_port), module=module)
    assert "70000" in run("--port", "70000", module=module)
