"""Migrations run on SQLite and PostgreSQL alike: upgrade, downgrade to base, upgrade again."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from strava_rehab.db.engine import Database, current_revision, downgrade, head_revision, upgrade
from strava_rehab.db.models import Base

EXPECTED_TABLES = {
    "athletes",
    "activities",
    "sync_state",
    "pain_reports",
    "findings",
    "suggestions",
    "protocol_states",
    "deliveries",
    "webhook_events",
    "outbox",
    "rate_budget",
    "oauth_states",
    "app_state",
}


def round_trip(url: str) -> None:
    db = Database(url)
    try:
        assert current_revision(db.engine) is None
        upgrade(db.engine)
        assert current_revision(db.engine) == head_revision(db.engine)
        found = set(inspect(db.engine).get_table_names())
        # procrastinate's job queue schema (revision 0004) is there on PostgreSQL only.
        queue = {t for t in found if t.startswith("procrastinate_")}
        assert bool(queue) == (db.engine.dialect.name == "postgresql")
        tables = found - queue
        assert tables >= EXPECTED_TABLES
        # The migrations create exactly what the models describe.
        assert tables - {"alembic_version"} == set(Base.metadata.tables)
        downgrade(db.engine, "base")
        assert current_revision(db.engine) is None
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(db.engine)
        assert current_revision(db.engine) == head_revision(db.engine)
    finally:
        db.dispose()


def test_sqlite_round_trip(tmp_path: Path) -> None:
    round_trip(f"sqlite:///{tmp_path / 'r.db'}")


@pytest.mark.postgres
def test_postgresql_round_trip(pg_url: str) -> None:
    round_trip(pg_url)


def test_sqlite_runs_in_wal_mode_with_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert (conn.execute(text("PRAGMA busy_timeout")).scalar() or 0) >= 5000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()


def test_models_and_migrations_do_not_drift(tmp_path: Path) -> None:
    """A model change without a migration fails here, before it reaches a runner's database."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    db = Database(f"sqlite:///{tmp_path / 'd.db'}")
    upgrade(db.engine)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    db.dispose()
    assert diff == []
