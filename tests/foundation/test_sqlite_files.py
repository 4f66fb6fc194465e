"""The SQLite files are the owner's alone, and a deleted athlete leaves no bytes behind."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, text

from strava_rehab.db.engine import Database, ensure_schema
from strava_rehab.db.models import Activity, Athlete

MARKER = "Zebulon-Quixote-4711-sore-left-achilles"
NOW = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the common default, which makes files 0644 and directories 0755
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def add_athlete(db: Database, athlete_id: int) -> None:
    with db.transaction() as session:
        session.add(
            Athlete(
                id=athlete_id,
                firstname=MARKER,
                lastname="",
                scopes="read",
                access_token=b"x",
                refresh_token=b"y",
                expires_at=NOW,
                connected_at=NOW,
                updated_at=NOW,
            )
        )
        session.flush()
        session.add(
            Activity(
                id=athlete_id * 10,
                athlete_id=athlete_id,
                name=f"Easy run {MARKER}",
                sport_type="Run",
                counted=True,
                distance_m=5000.0,
                moving_time_s=1500,
                elapsed_time_s=1500,
                start_utc=NOW,
                local_date=date(2026, 11, 1),
                summary_hash="h",
                private_note=f"{MARKER} 4/10",
                raw_summary={"name": MARKER},
                synced_at=NOW,
            )
        )


def raw_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file())


@pytest.mark.usefixtures("usual_umask")
def test_data_directory_0700_and_database_wal_shm_0600(tmp_path: Path) -> None:
    data = tmp_path / "new" / "data"
    db = Database(f"sqlite:///{data / 'strava-rehab.db'}")
    try:
        ensure_schema(db.engine)
        add_athlete(db, 1)
        with db.read() as session:  # an open connection: the -wal and -shm files exist now
            session.execute(text("SELECT 1"))
            files = {p.name: mode(p) for p in data.iterdir()}
        assert {"strava-rehab.db", "strava-rehab.db-wal", "strava-rehab.db-shm"} <= set(files)
        assert mode(data) == 0o700
        assert files == dict.fromkeys(files, 0o600), files
    finally:
        db.dispose()


@pytest.mark.usefixtures("usual_umask")
def test_files_left_wider_by_an_older_install_are_tightened(tmp_path: Path) -> None:
    path = tmp_path / "strava-rehab.db"
    Database(f"sqlite:///{path}").dispose()
    path.chmod(0o644)
    db = Database(f"sqlite:///{path}")
    try:
        ensure_schema(db.engine)
        assert mode(path) == 0o600
        assert mode(path.with_name(path.name + "-wal")) == 0o600
    finally:
        db.dispose()


@pytest.fixture
def sqlite_without_secure_delete(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behave like a SQLite built without SQLITE_SECURE_DELETE (python.org's builds, for one).

    Debian's SQLite turns it on by default, which would hide a missing pragma.
    """
    real_connect = sqlite3.dbapi2.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection: sqlite3.Connection = real_connect(*args, **kwargs)
        connection.execute("PRAGMA secure_delete=OFF")
        return connection

    monkeypatch.setattr(sqlite3.dbapi2, "connect", connect)


@pytest.mark.usefixtures("sqlite_without_secure_delete")
def test_a_deleted_athlete_leaves_no_bytes_in_the_database_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = Database(f"sqlite:///{data / 'strava-rehab.db'}")
    ensure_schema(db.engine)
    add_athlete(db, 1)
    add_athlete(db, 2)
    db.dispose()  # the last connection checkpoints the WAL into the database file
    assert MARKER.encode() in raw_bytes(data)  # the test can see the data it looks for

    db = Database(f"sqlite:///{data / 'strava-rehab.db'}")
    with db.transaction() as session:
        session.execute(delete(Athlete))  # cascades to their activities
    with db.read() as session:
        assert session.scalar(text("SELECT count(*) FROM activities")) == 0
    db.dispose()
    left_behind = MARKER.encode() in raw_bytes(data)
    assert not left_behind
