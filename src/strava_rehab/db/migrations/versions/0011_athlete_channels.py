"""athlete channels: each athlete's own notification channels (apprise URLs, encrypted)

Revision ID: 0011_athlete_channels
Revises: 0008_protocol_phase_started
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_athlete_channels"
down_revision: str | None = "0009_runner_page"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "athlete_channels",
        sa.Column("athlete_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("urls", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name=op.f("fk_athlete_channels_athlete_id_athletes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("athlete_id", name=op.f("pk_athlete_channels")),
    )


def downgrade() -> None:
    op.drop_table("athlete_channels")
