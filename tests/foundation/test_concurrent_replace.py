"""Two processes writing one athlete's rows at once: no row twice, no primary-key collision.

On PostgreSQL a delete-then-insert in two overlapping transactions keeps both inserts (neither
delete sees the other's new rows), and a get-then-add of one new run inserts it twice (the
second fails on the key); the athlete's transaction lock orders them. Each writer has its own
Database (engine and connections), as a separate process would.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from strava_rehab.context import AppContext, open_context
from strava_rehab.db import gateway
from strava_rehab.db.engine import Database, upgrade
from strava_rehab.db.models import Activity, Athlete, FindingRow, SuggestionRow
from strava_rehab.load import Finding
from strava_rehab.rehab import Decision, ProtocolState
from strava_rehab.services import sync
from strava_rehab.settings import load_settings

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
ROUNDS = 15


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    url = (
        f"sqlite:///{tmp_path / 'r.db'}"
        if request.param == "sqlite"
        else str(request.getfixturevalue("pg_url"))
    )
    db = Database(url)
    upgrade(db.engine)
    with db.transaction() as session:
        session.add(
            Athlete(
                id=1,
                access_token=b"x",
                refresh_token=b"y",
                expires_at=NOW,
                connected_at=NOW,
                updated_at=NOW,
            )
        )
    db.dispose()
    return url


def finding(n: int) -> Finding:
    return Finding(
        activity_id=None,
        local_date=date(2026, 11, 20 + n),
        kind="weekly_progression",
        band="notice",
        severity="notice",
        value=40.0 + n,
        reference=30.0,
        ratio=1.3,
        explanation="more than last week",
        source="Nielsen 2014",
    )


def test_two_writers_replacing_findings_at_once_leave_one_set(url: str) -> None:
    writers = [Database(url), Database(url)]
    findings = [finding(n) for n in range(3)]
    try:
        for _ in range(ROUNDS):
            start = threading.Barrier(2)

            def replace(db: Database, start: threading.Barrier) -> None:
                start.wait(10)
                gateway.replace_findings(db, 1, date(2026, 11, 1), findings, NOW)

            threads = [threading.Thread(target=replace, args=(db, start)) for db in writers]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            with writers[0].read() as session:
                stored = session.scalar(select(func.count()).select_from(FindingRow))
            assert stored == len(findings)
    finally:
        for db in writers:
            db.dispose()


def summary(activity_id: int) -> dict[str, object]:
    return {
        "id": activity_id,
        "athlete": {"id": 1},
        "name": "Evening Run",
        "sport_type": "Run",
        "type": "Run",
        "distance": 8000.0,
        "moving_time": 2700,
        "elapsed_time": 2750,
        "start_date": "2026-11-26T17:00:00Z",
        "start_date_local": "2026-11-26T18:00:00Z",
        "timezone": "(GMT+01:00) Europe/Berlin",
    }


def test_two_processes_storing_the_same_new_runs_at_once_do_not_collide(url: str) -> None:
    settings = load_settings(database_url=url, secret_key=Fernet.generate_key().decode())
    contexts = [open_context(settings, migrate=False) for _ in range(2)]
    gateway.sync_state(contexts[0].db, 1)
    errors: list[str] = []
    try:
        for round_no in range(ROUNDS):
            items = [summary(1000 * round_no + n) for n in range(1, 4)]  # three new runs
            start = threading.Barrier(2)

            def store(
                ctx: AppContext, start: threading.Barrier, items: list[dict[str, object]]
            ) -> None:
                start.wait(10)
                try:
                    sync._store_page(
                        ctx.db,
                        1,
                        items,
                        ctx.settings.run_types,
                        ctx.clock(),
                        sync.SyncReport(1),
                        {},
                    )
                except Exception as exc:  # the second insert of one new run
                    errors.append(type(exc).__name__)

            threads = [threading.Thread(target=store, args=(ctx, start, items)) for ctx in contexts]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
        assert errors == []
    finally:
        for ctx in contexts:
            ctx.close()


def test_two_processes_deciding_the_same_new_run_at_once_do_not_collide(url: str) -> None:
    settings = load_settings(database_url=url, secret_key=Fernet.generate_key().decode())
    contexts = [open_context(settings, migrate=False) for _ in range(2)]
    gateway.sync_state(contexts[0].db, 1)
    errors: list[str] = []
    try:
        for round_no in range(ROUNDS):
            run = summary(5000 + round_no)
            ctx0 = contexts[0]
            sync._store_page(
                ctx0.db, 1, [run], ctx0.settings.run_types, ctx0.clock(), sync.SyncReport(1), {}
            )
            with contexts[0].db.read() as session:
                activity = session.get(Activity, run["id"])
            assert activity is not None
            state = ProtocolState(
                protocol_id=f"shin_splints_{round_no}",  # a state neither process has seen
                phase=1,
                started_on=date(2026, 11, 26),
                last_full_on=None,
                last_score=4.0,
            )
            decision = Decision(kind="rehab", protocol_id=state.protocol_id, next_state=state)
            start = threading.Barrier(2)

            def save(
                ctx: AppContext, start: threading.Barrier, activity: Activity, decision: Decision
            ) -> None:
                start.wait(10)
                try:
                    gateway.save_suggestion(
                        ctx.db,
                        activity,
                        decision,
                        [],
                        "same inputs",
                        public_text="p",
                        private_text="q",
                        message=None,
                        now=NOW,
                    )
                except Exception as exc:  # the second insert of the run's suggestion or state
                    errors.append(type(exc).__name__)

            threads = [
                threading.Thread(target=save, args=(ctx, start, activity, decision))
                for ctx in contexts
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
        assert errors == []
        with contexts[0].db.read() as session:
            assert session.scalar(select(func.count()).select_from(SuggestionRow)) == ROUNDS
    finally:
        for ctx in contexts:
            ctx.close()
