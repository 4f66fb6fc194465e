"""Migration 0008_protocol_phase_started: existing protocol states get the day their phase began.

Rows are written at the revision before it (0005_sync_cursor) as an older release left them (no
``phase_started_on``, and ``prior_states`` without it), then the database is upgraded and read
back through the gateway, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from strava_rehab.db import gateway
from strava_rehab.db.engine import Database, downgrade, upgrade
from strava_rehab.db.models import Base, SuggestionRow
from strava_rehab.rehab import ProtocolState

NOW = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
D0 = date(2026, 10, 5)
ATHLETE = 7001


def _day(offset: int) -> date:
    return D0 + timedelta(days=offset)


def _state(protocol: str, phase: int, last_full: int) -> dict[str, Any]:
    # What an older release stored: no phase_started_on key at all.
    return {
        "protocol_id": protocol,
        "phase": phase,
        "started_on": D0.isoformat(),
        "last_full_on": _day(last_full).isoformat(),
        "last_score": 3.0,
    }


def _seed_at_0003(db: Database) -> None:
    tables = Base.metadata.tables
    with db.engine.begin() as conn:
        conn.execute(
            insert(tables["athletes"]).values(
                id=ATHLETE,
                access_token=b"x",
                refresh_token=b"y",
                expires_at=NOW,
                connected_at=NOW - timedelta(days=90),
                updated_at=NOW,
            )
        )
        # The plantar programme: phase 1 from day 0, phase 2 from day 14 (days 0, 7, 14, 21).
        plantar = [(0, 1, []), (7, 1, [_state("plantar_fasciitis", 1, 0)])]
        plantar += [(14, 2, [_state("plantar_fasciitis", 1, 7)])]
        plantar += [(21, 2, [_state("plantar_fasciitis", 2, 14)])]
        for offset, phase, prior in plantar:
            activity_id = 9_000 + offset
            conn.execute(
                insert(tables["activities"]).values(
                    id=activity_id,
                    athlete_id=ATHLETE,
                    sport_type="Run",
                    counted=True,
                    distance_m=8000.0,
                    moving_time_s=2700,
                    elapsed_time_s=2700,
                    start_utc=datetime.combine(_day(offset), datetime.min.time(), UTC),
                    local_date=_day(offset),
                    summary_hash="h",
                    raw_summary={},
                    synced_at=NOW,
                )
            )
            conn.execute(
                insert(tables["suggestions"]).values(
                    athlete_id=ATHLETE,
                    activity_id=activity_id,
                    local_date=_day(offset),
                    kind="rehab",
                    protocol_id="plantar_fasciitis",
                    phase=phase,
                    decision={},
                    prior_states=prior,
                    input_hash="i",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        states = [
            ("plantar_fasciitis", 2, 21),
            # Phase 3 with its suggestions gone (runs deleted): the last full plan bounds it.
            ("high_hamstring_tendinopathy", 3, 30),
            # Phase 1 with no history: the programme's own start.
            ("shin_splints", 1, 10),
        ]
        for protocol, phase, last_full in states:
            conn.execute(
                insert(tables["protocol_states"]).values(
                    athlete_id=ATHLETE,
                    protocol_id=protocol,
                    phase=phase,
                    started_on=D0,
                    last_full_on=_day(last_full),
                    last_score=3.0,
                    updated_at=NOW,
                )
            )


def check_upgrade(url: str) -> None:
    db = Database(url)
    try:
        upgrade(db.engine, "0005_sync_cursor")
        _seed_at_0003(db)
        upgrade(db.engine)
        states = {s.protocol_id: s for s in gateway.protocol_states(db, ATHLETE)}
        assert states["plantar_fasciitis"].phase_started_on == _day(14)
        assert states["high_hamstring_tendinopathy"].phase_started_on == _day(30)
        assert states["shin_splints"].phase_started_on == D0
        with db.read() as session:
            rows = session.scalars(select(SuggestionRow).order_by(SuggestionRow.local_date))
            prior = {
                row.local_date: [ProtocolState.model_validate(s) for s in row.prior_states]
                for row in rows
            }
        assert prior[_day(0)] == []
        assert [s.phase_started_on for s in prior[_day(7)]] == [D0]
        assert [s.phase_started_on for s in prior[_day(14)]] == [D0]
        # The state before day 21's run was phase 2, begun on day 14.
        assert [s.phase_started_on for s in prior[_day(21)]] == [_day(14)]
        # And back down again, then up: the round trip still works with data in place.
        downgrade(db.engine, "0005_sync_cursor")
        upgrade(db.engine)
        assert {s.protocol_id: s for s in gateway.protocol_states(db, ATHLETE)} == states
    finally:
        db.dispose()


def test_existing_rows_get_their_phase_start_on_sqlite(tmp_path: Path) -> None:
    check_upgrade(f"sqlite:///{tmp_path / 'm.db'}")


@pytest.mark.postgres
def test_existing_rows_get_their_phase_start_on_postgresql(pg_url: str) -> None:
    check_upgrade(pg_url)
