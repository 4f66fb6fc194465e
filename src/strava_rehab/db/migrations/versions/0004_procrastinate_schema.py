"""procrastinate's job queue schema, on PostgreSQL only (the distributed runner)

procrastinate leaves its SQL migrations to the application, so they are Alembic revisions here:
this one applies the ``schema.sql`` of the installed procrastinate (3.10). A later procrastinate
release with new files under ``procrastinate schema --migrations-path`` gets one revision each.
SQLite has no job queue: this is a no-op there. Without the ``distributed`` extra installed the
schema is skipped with a warning; ``db downgrade 0003`` then ``db upgrade`` applies it later.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0004_token_attention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

# Everything schema.sql creates is named procrastinate_*: drop it all, tables first.
DROP_ALL = """
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT tablename FROM pg_tables
           WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate\\_%' LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%' LOOP
    EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.sig);
  END LOOP;
  FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\\_%'
             AND t.typtype IN ('e', 'c') LOOP
    EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname);
  END LOOP;
END $$;
"""


def _run_script(sql: str) -> None:
    """Run a whole SQL script on psycopg itself, in the migration's transaction.

    Without parameters psycopg neither parses placeholders (the script's ``%`` signs) nor
    refuses several statements; SQLAlchemy would pass an empty parameter set and so do both.
    """
    driver = op.get_bind().connection.driver_connection
    assert driver is not None
    driver.execute(sql)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        from procrastinate.schema import SchemaManager
    except ImportError:
        log.warning(
            "procrastinate is not installed: its job queue schema was not applied "
            "(only needed for runner = 'procrastinate'; pip install 'strava-rehab[distributed]')"
        )
        return
    _run_script(SchemaManager.get_schema())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    _run_script(DROP_ALL)
