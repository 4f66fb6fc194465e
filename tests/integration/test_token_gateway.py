"""The stored questions behind connecting: OAuth states, grants, and the refresh lease's
compare-and-set, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from strava_rehab.db import gateway
from strava_rehab.db.engine import Database, upgrade

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
LIFETIME = timedelta(minutes=10)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'g.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    database = Database(url)
    upgrade(database.engine)
    yield database
    database.dispose()


def grant(athlete_id: int = 7, refresh: bytes = b"R1", expires: datetime = NOW) -> gateway.NewGrant:
    return gateway.NewGrant(athlete_id, "Ada", "L", "read", b"A1", refresh, expires)


def test_a_grant_is_stored_reconnected_or_refused_when_the_install_is_full(db: Database) -> None:
    assert gateway.store_grant(db, grant(7), NOW, max_athletes=1) is False
    assert gateway.store_grant(db, grant(7, b"R2"), NOW, max_athletes=1) is True
    assert gateway.store_grant(db, grant(8), NOW, max_athletes=1) is None
    assert gateway.athlete_count(db) == 1


def test_one_claim_at_a_time_and_a_refused_token_is_never_claimed(db: Database) -> None:
    gateway.store_grant(db, grant(), NOW, max_athletes=10)
    first = gateway.claim_token_refresh(db, 7, NOW, NOW + LEASE, LEASE)
    second = gateway.claim_token_refresh(db, 7, NOW, NOW + LEASE, LEASE)
    assert first is not None and first.claimed and first.token_state == gateway.REFRESH_CURRENT
    assert second is not None and not second.claimed
    # The claim itself says the token is unconfirmed: a process killed now leaves that behind.
    assert second.token_state == gateway.REFRESH_UNCONFIRMED
    later = NOW + LEASE * 2
    assert gateway.release_token_refresh(db, 7, first.refresh_token, gateway.REFRESH_LOST, later)
    lost = gateway.claim_token_refresh(db, 7, later, later + LEASE, LEASE)
    assert lost is not None and not lost.claimed and lost.token_state == gateway.REFRESH_LOST
    # Reconnecting makes it current again.
    gateway.store_grant(db, grant(refresh=b"R9"), later, max_athletes=10)
    again = gateway.claim_token_refresh(db, 7, later, later + LEASE, LEASE)
    assert again is not None and again.claimed


def test_a_slow_process_never_overwrites_the_pair_a_faster_one_stored(db: Database) -> None:
    gateway.store_grant(db, grant(), NOW, max_athletes=10)
    slow = gateway.claim_token_refresh(db, 7, NOW, NOW + LEASE, LEASE)
    assert slow is not None and slow.claimed
    later = NOW + LEASE * 2  # the slow one's lease ran out; a fast one refreshes
    fast = gateway.claim_token_refresh(db, 7, later, later + LEASE, LEASE)
    assert fast is not None and fast.claimed
    assert gateway.store_refreshed_tokens(db, 7, b"A2", b"R2", later + timedelta(hours=6), later)
    # The slow one's refusal (its token was rotated by the fast one) changes nothing.
    assert not gateway.release_token_refresh(db, 7, slow.refresh_token, gateway.REFRESH_LOST, later)
    assert not gateway.mark_athlete_disconnected(db, 7, "refused", later, sent=slow.refresh_token)
    row = gateway.athlete(db, 7)
    assert row is not None
    assert (row.status, row.token_state, row.refresh_token) == ("connected", "current", b"R2")
