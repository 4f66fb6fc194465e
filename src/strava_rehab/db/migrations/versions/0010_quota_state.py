"""quota economy: what each delivered block was decided on, when each athlete was last listed,
how far a fair backfill has reached, and when a create event announced each activity

Revision ID: 0010_quota_state
Revises: 0007_delivery_claims
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_quota_state"
down_revision: str | None = "0007_delivery_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE both ways: on SQLite a batch "move and copy" would drop and recreate the
# tables, and with foreign keys on, dropping ``activities`` cascades into every table that
# references it (suggestions, pain reports): a downgrade must never lose a runner's data.
_COLUMNS = (
    ("suggestions", sa.Column("decision_facts", sa.JSON(), nullable=True)),
    ("suggestions", sa.Column("delivered_facts", sa.JSON(), nullable=True)),
    ("sync_state", sa.Column("last_listed_at", sa.DateTime(timezone=True), nullable=True)),
    ("sync_state", sa.Column("last_listed_found", sa.Integer(), nullable=True)),
    ("sync_state", sa.Column("backfill_oldest", sa.Date(), nullable=True)),
    ("activities", sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True)),
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
