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


def upgrade() -> None:
    with op.batch_alter_table("suggestions") as batch:
        # The run's own decision facts (quota.churn): a block is PUT again only when they change.
        batch.add_column(sa.Column("decision_facts", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("delivered_facts", sa.JSON(), nullable=True))
    with op.batch_alter_table("sync_state") as batch:
        batch.add_column(sa.Column("last_listed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_listed_found", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("backfill_oldest", sa.Date(), nullable=True))
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("announced_at")
    with op.batch_alter_table("sync_state") as batch:
        batch.drop_column("backfill_oldest")
        batch.drop_column("last_listed_found")
        batch.drop_column("last_listed_at")
    with op.batch_alter_table("suggestions") as batch:
        batch.drop_column("delivered_facts")
        batch.drop_column("decision_facts")
