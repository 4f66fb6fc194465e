"""protocol phase started: a phase's minimum days count from the day that phase began

Adds ``protocol_states.phase_started_on`` and fills it for existing rows, and for the protocol
states stored with each suggestion (``suggestions.prior_states``, which an edited run is decided
from again), with the best date known:

1. the day of the earliest suggestion in the last unbroken series of the athlete's suggestions
   for that protocol at the row's phase (the day the phase changed to it, or the programme's
   first day);
2. when no suggestion history says so: the programme's start (``started_on``) for phase 1,
   else the last day the full plan was shown (``last_full_on``; a phase change always shows
   it, so the phase began on or before that day and counting from it never moves on early),
   else ``started_on``.

Downgrade drops the column; the extra key left in ``prior_states`` is ignored by older code.

Revision ID: 0008_protocol_phase_started
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008_protocol_phase_started"
down_revision: str | None = "0005_sync_cursor"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATES = sa.table(
    "protocol_states",
    sa.column("athlete_id", sa.BigInteger()),
    sa.column("protocol_id", sa.String()),
    sa.column("phase", sa.Integer()),
    sa.column("started_on", sa.Date()),
    sa.column("last_full_on", sa.Date()),
    sa.column("phase_started_on", sa.Date()),
)
_SUGGESTIONS = sa.table(
    "suggestions",
    sa.column("id", sa.Integer()),
    sa.column("athlete_id", sa.BigInteger()),
    sa.column("local_date", sa.Date()),
    sa.column("protocol_id", sa.String()),
    sa.column("phase", sa.Integer()),
    sa.column("prior_states", sa.JSON()),
)

# (athlete_id, protocol_id) -> (phase, the day the suggestions first showed that phase)
_Seen = dict[tuple[int, str], tuple[int, date]]


def best_known_start(
    phase: int, started_on: date, last_full_on: date | None, seen: tuple[int, date] | None
) -> date:
    if seen is not None and seen[0] == phase:
        return max(seen[1], started_on)
    if phase <= 1 or last_full_on is None:
        return started_on
    return max(last_full_on, started_on)


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _fill_prior_states(states: list[dict[str, Any]], athlete_id: int, seen: _Seen) -> bool:
    changed = False
    for state in states:
        started_on = _as_date(state.get("started_on"))
        if state.get("phase_started_on") is not None or started_on is None:
            continue
        key = (athlete_id, str(state.get("protocol_id")))
        start = best_known_start(
            int(state.get("phase") or 1),
            started_on,
            _as_date(state.get("last_full_on")),
            seen.get(key),
        )
        state["phase_started_on"] = start.isoformat()
        changed = True
    return changed


def upgrade() -> None:
    with op.batch_alter_table("protocol_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phase_started_on", sa.Date(), nullable=True))

    bind = op.get_bind()
    seen: _Seen = {}
    rows = bind.execute(
        sa.select(_SUGGESTIONS).order_by(
            _SUGGESTIONS.c.athlete_id, _SUGGESTIONS.c.local_date, _SUGGESTIONS.c.id
        )
    ).all()
    for row in rows:
        prior = [dict(state) for state in (row.prior_states or []) if isinstance(state, dict)]
        if _fill_prior_states(prior, row.athlete_id, seen):
            bind.execute(
                _SUGGESTIONS.update().where(_SUGGESTIONS.c.id == row.id).values(prior_states=prior)
            )
        if row.protocol_id is not None and row.phase is not None:
            key = (row.athlete_id, row.protocol_id)
            if key not in seen or seen[key][0] != row.phase:
                seen[key] = (row.phase, row.local_date)

    for state in bind.execute(sa.select(_STATES)).all():
        start = best_known_start(
            state.phase,
            state.started_on,
            state.last_full_on,
            seen.get((state.athlete_id, state.protocol_id)),
        )
        bind.execute(
            _STATES.update()
            .where(
                _STATES.c.athlete_id == state.athlete_id,
                _STATES.c.protocol_id == state.protocol_id,
            )
            .values(phase_started_on=start)
        )


def downgrade() -> None:
    with op.batch_alter_table("protocol_states", schema=None) as batch_op:
        batch_op.drop_column("phase_started_on")
