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
down_revision: str | None = "0007_delivery_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode, as every migration here: SQLite alters a table by copying it. Existing rows
    # get "auto" (the server default), which is what a runner who never chose means.
    with op.batch_alter_table("athletes") as batch:
        # "meters" / "feet" as GET /athlete answers; NULL until it was read (metric then).
        batch.add_column(sa.Column("measurement_preference", sa.String(length=10), nullable=True))
    with op.batch_alter_table("runner_settings") as batch:
        batch.add_column(
            sa.Column("units", sa.String(length=10), nullable=False, server_default="auto")
        )
        batch.add_column(
            sa.Column("language", sa.String(length=10), nullable=False, server_default="auto")
        )


def downgrade() -> None:
    with op.batch_alter_table("runner_settings") as batch:
        batch.drop_column("language")
        batch.drop_column("units")
    with op.batch_alter_table("athletes") as batch:
        batch.drop_column("measurement_preference")
