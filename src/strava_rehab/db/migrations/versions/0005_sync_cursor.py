"""sync cursor: a backfill resumes from the newest start stored, not from a page number

Revision ID: 0005_sync_cursor
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_sync_cursor"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A backfill stopped by an older version resumes from ``newest_start_epoch``, which that
    # version checkpointed with every page too: nothing is lost by dropping the page number.
    with op.batch_alter_table("sync_state", schema=None) as batch_op:
        batch_op.drop_column("backfill_next_page")


def downgrade() -> None:
    # The older version then resumes an unfinished backfill from its first page: slower, complete.
    with op.batch_alter_table("sync_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("backfill_next_page", sa.Integer(), nullable=True))
