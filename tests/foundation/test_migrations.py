"""Migrations run on SQLite and PostgreSQL alike: upgrade, downgrade to base, upgrade again."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text

from strava_rehab.db.engine import (
    SCHEMA_HEAD,
    Database,
    at_head,
    current_revision,
    downgrade,
    ensure_schema,
    head_revision,
    upgrade,
)
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


def schema_of(engine: Engine) -> dict[str, Any]:
    """Everything about each table a query or a constraint depends on, in a comparable form."""
    found = inspect(engine)
    schema: dict[str, Any] = {}
    for table in sorted(found.get_table_names()):
        columns = {
            c["name"]: (str(c["type"]), c["nullable"], c.get("default"), c.get("primary_key"))
            for c in found.get_columns(table)
        }
        indexes = sorted(
            (i["name"], tuple(i["column_names"]), bool(i["unique"]))
            for i in found.get_indexes(table)
        )
        uniques = sorted(
            (u["name"], tuple(u["column_names"])) for u in found.get_unique_constraints(table)
        )
        foreign = sorted(
            (
                tuple(f["constrained_columns"]),
                f["referred_table"],
                tuple(f["referred_columns"]),
                (f.get("options") or {}).get("ondelete"),
            )
            for f in found.get_foreign_keys(table)
        )
        checks = sorted(
            " ".join(str(c["sqltext"]).split()) for c in found.get_check_constraints(table)
        )
        primary = tuple(found.get_pk_constraint(table)["constrained_columns"])
        schema[table] = {
            "columns": columns,
            "primary": primary,
            "indexes": indexes,
            "uniques": uniques,
            "foreign": foreign,
            "checks": checks,
        }
    return schema


def test_the_recorded_schema_head_is_the_migration_trees_head(tmp_path: Path) -> None:
    """A new migration without ``SCHEMA_HEAD`` bumped fails here: a start would think an old
    database current and skip migrating it."""
    db = Database(f"sqlite:///{tmp_path / 'h.db'}")
    assert head_revision(db.engine) == SCHEMA_HEAD
    db.dispose()


def test_a_new_database_is_created_exactly_as_the_migrations_build_it(tmp_path: Path) -> None:
    migrated = Database(f"sqlite:///{tmp_path / 'migrated.db'}")
    upgrade(migrated.engine)
    fresh = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    ensure_schema(fresh.engine)  # the first start of the embedded default
    try:
        assert schema_of(fresh.engine) == schema_of(migrated.engine)
        # Alembic reads it as at head, and every later migration starts from it: it goes down
        # to base and up again like a migrated one.
        assert current_revision(fresh.engine) == head_revision(fresh.engine) == SCHEMA_HEAD
        downgrade(fresh.engine, "base")
        assert current_revision(fresh.engine) is None
        upgrade(fresh.engine)
        assert schema_of(fresh.engine) == schema_of(migrated.engine)
    finally:
        fresh.dispose()
        migrated.dispose()


def test_a_database_behind_head_is_still_migrated_with_its_rows_kept(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(db.engine, "0011_athlete_channels")
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO app_state (key, value, updated_at) "
                "VALUES ('kept', '{}', '2026-11-30 00:00:00')"
            )
        )
    assert not at_head(db.engine)
    ensure_schema(db.engine)
    try:
        assert at_head(db.engine)
        assert current_revision(db.engine) == SCHEMA_HEAD
        with db.engine.connect() as conn:
            kept = conn.execute(text("SELECT key FROM app_state")).scalars().all()
        assert kept == ["kept"]
    finally:
        db.dispose()


def test_two_first_starts_at_once_create_the_schema_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    first, second = Database(url), Database(url)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def start(db: Database) -> None:
        try:
            barrier.wait()
            ensure_schema(db.engine)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(db,)) for db in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    try:
        assert errors == []
        assert current_revision(first.engine) == SCHEMA_HEAD
        with first.engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
        assert len(versions) == 1
    finally:
        first.dispose()
        second.dispose()
