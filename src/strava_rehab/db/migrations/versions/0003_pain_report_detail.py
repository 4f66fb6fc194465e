"""pain report detail: score confidence, estimated score and symptoms survive the round trip

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pain_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("score_confidence", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("estimated_score", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("symptoms", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pain_reports", schema=None) as batch_op:
        batch_op.drop_column("symptoms")
        batch_op.drop_column("estimated_score")
        batch_op.drop_column("score_confidence")
