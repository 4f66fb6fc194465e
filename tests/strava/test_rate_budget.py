"""The shared rate budget holds across processes, on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from strava_rehab.db.engine import Database, upgrade
from strava_rehab.strava.errors import RateLimitReached
from strava_rehab.strava.rate_budget import DatabaseRateBudget, parse_usage_headers

NOW = datetime(2026, 11, 27, 9, 7, tzinfo=UTC)


def _reserve_many(url: str, attempts: int, queue: multiprocessing.Queue[int]) -> None:
    db = Database(url)
    budget = DatabaseRateBudget(db, safety_margin=1.0)
    granted = 0
    for _ in range(attempts):
        try:
            budget.reserve("read", NOW)
            granted += 1
        except RateLimitReached:
            pass
    db.dispose()
    queue.put(granted)


def _run_processes(url: str) -> int:
    db = Database(url)
    upgrade(db.engine)
    budget = DatabaseRateBudget(db, safety_margin=1.0)
    # The app's real limit, as Strava's headers report it: 60 reads per 15 minutes.
    budget.observe({"X-ReadRateLimit-Limit": "60,1000", "X-ReadRateLimit-Usage": "0,0"}, NOW)
    db.dispose()
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[int] = ctx.Queue()
    procs = [ctx.Process(target=_reserve_many, args=(url, 40, queue)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    return sum(queue.get(timeout=5) for _ in procs)


def test_four_processes_never_exceed_the_limit_on_sqlite(tmp_path: Path) -> None:
    assert _run_processes(f"sqlite:///{tmp_path / 'b.db'}") == 60


@pytest.mark.postgres
def test_four_processes_never_exceed_the_limit_on_postgresql(pg_url: str) -> None:
    assert _run_processes(pg_url) == 60


def test_headers_correct_the_count_upwards_and_windows_reset(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'c.db'}")
    upgrade(db.engine)
    budget = DatabaseRateBudget(db, safety_margin=0.9)
    budget.reserve("read", NOW)
    # Another install of the same app used 95 reads: Strava's count wins.
    budget.observe({"X-ReadRateLimit-Limit": "100,1000", "X-ReadRateLimit-Usage": "89,300"}, NOW)
    budget.reserve("read", NOW)  # the 90th: allowed with a 90% margin
    with pytest.raises(RateLimitReached) as err:
        budget.reserve("read", NOW)
    assert err.value.resume_at == datetime(2026, 11, 27, 9, 15, tzinfo=UTC)
    assert budget.snapshot(NOW)["read_15m"] == (90, 100)
    # A lower reading never lowers our count (it may be stale).
    budget.observe({"X-ReadRateLimit-Limit": "100,1000", "X-ReadRateLimit-Usage": "3,300"}, NOW)
    assert budget.snapshot(NOW)["read_15m"] == (90, 100)
    later = datetime(2026, 11, 27, 9, 15, tzinfo=UTC)
    budget.reserve("read", later)  # a new quarter-hour
    assert budget.snapshot(later)["read_15m"][0] == 1
    db.dispose()


def test_parse_usage_headers_is_case_insensitive_and_tolerant() -> None:
    parsed = parse_usage_headers(
        {
            "x-ratelimit-limit": "600,30000",
            "X-Ratelimit-Usage": "5,10",
            "X-ReadRateLimit-Usage": "x",
        }
    )
    assert parsed == {"overall_15m": (5, 600), "overall_day": (10, 30000)}


def test_resume_at_is_the_reset_of_the_longest_spent_window(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'r.db'}")
    upgrade(db.engine)
    budget = DatabaseRateBudget(db, safety_margin=0.95)
    assert budget.resume_at(NOW) is None  # nothing spent yet
    budget.observe({"X-RateLimit-Limit": "200,2000", "X-RateLimit-Usage": "189,300"}, NOW)
    assert budget.resume_at(NOW) is None  # 95 % of 200 is 190: one call left
    budget.reserve("read", NOW)
    assert budget.resume_at(NOW) == datetime(2026, 11, 27, 9, 15, tzinfo=UTC)
    with pytest.raises(RateLimitReached):  # what resume_at says, reserve does
        budget.reserve("read", NOW)
    budget.observe({"X-ReadRateLimit-Limit": "100,1000", "X-ReadRateLimit-Usage": "5,1000"}, NOW)
    assert budget.resume_at(NOW) == datetime(2026, 11, 28, tzinfo=UTC)  # the day outlasts it
    db.dispose()
