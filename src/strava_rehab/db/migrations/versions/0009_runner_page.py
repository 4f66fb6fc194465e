"""the runner's own page: their settings and their signed-in browsers; room for "undone:<hash>"

Revision ID: 0009_runner_page
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_runner_page"
down_revision: str | None = "0006_oauth_state_binding"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "runner_settings",
        sa.Column("athlete_id", sa.BigInteger(), nullable=False),
        sa.Column("write_back_paused", sa.Boolean(), nullable=False),
        sa.Column("destination", sa.String(length=20), nullable=False),
        sa.Column("notification_url", sa.LargeBinary(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name=op.f("fk_runner_settings_athlete_id_athletes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("athlete_id", name=op.f("pk_runner_settings")),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("athlete_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name=op.f("fk_web_sessions_athlete_id_athletes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_web_sessions")),
    )
    # "undone:" + a sha256 is 71 characters: undo (and so delete) failed on PostgreSQL.
    with op.batch_alter_table("suggestions", schema=None) as batch_op:
        batch_op.alter_column(
            "delivered_hash",
            existing_type=sa.String(length=64),
            type_=sa.String(length=80),
            existing_nullable=False,
        )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_web_sessions_athlete_id"), ["athlete_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_athlete_id"))
    op.drop_table("web_sessions")
    op.drop_table("runner_settings")
    with op.batch_alter_table("suggestions", schema=None) as batch_op:
        batch_op.alter_column(
            "delivered_hash",
            existing_type=sa.String(length=80),
            type_=sa.String(length=64),
            existing_nullable=False,
        )
