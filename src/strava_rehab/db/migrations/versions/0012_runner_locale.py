"""runner locale: the athlete's Strava measurement preference, and their own units and language

Revision ID: 0012_runner_locale
Revises: 0007_delivery_claims
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_runner_locale"
down_revision: str | None = "0010_quota_state"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE both ways (see 0010): on SQLite a batch rebuild of ``athletes`` would drop
# the table, and with foreign keys on that cascades into every athlete's data.
_COLUMNS = (
    # "meters" / "feet" as GET /athlete answers; NULL until it was read (metric then).
    ("athletes", sa.Column("measurement_preference", sa.String(length=10), nullable=True)),
    # Existing rows get "auto" (the server default): what a runner who never chose means.
    (
        "runner_settings",
        sa.Column("units", sa.String(length=10), nullable=False, server_default="auto"),
    ),
    (
        "runner_settings",
        sa.Column("language", sa.String(length=10), nullable=False, server_default="auto"),
    ),
)


def upgrade() -> None:
    for table, column in _COLUMNS:
        op.add_column(table, column)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column in reversed(_COLUMNS):
        if sqlite:  # SQLite 3.35+ drops a plain column in place, no table rebuild
            op.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column.name}"')
        else:
            op.drop_column(table, column.name)
