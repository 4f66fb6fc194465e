"""How fast the runner's page (``GET /me``) answers for an athlete with 10 years of runs.

Run on demand: ``.venv/bin/python benchmarks/bench_dashboard.py``. The real web app runs under
uvicorn on SQLite, against the sandbox; the runner signs in through the sandbox's OAuth. Then
10 years of daily runs are stored for them (rows inserted directly: syncing 3,650 runs would
only measure the sandbox), with pain notes in the last weeks' descriptions, and the product's
own post-run steps derive the findings, pain reports, protocol states and suggestions from them.

Printed: the median and p95 of ``GET /me`` over HTTP (target p95 < 200 ms), of the dashboard
service alone, and of the page for a whole year (``dashboard_weeks = 52``) for comparison.
The page reads a bounded window (its weeks plus the 30 days a spike is measured against), so the
length of the history does not show in these figures.
"""

from __future__ import annotations

import hashlib
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import requests

from strava_rehab.context import AppContext, open_context
from strava_rehab.db import gateway
from strava_rehab.db.models import Activity
from strava_rehab.sandbox import Sandbox, SandboxConfig
from strava_rehab.services import runner_page
from strava_rehab.services import suggest as post_run
from strava_rehab.settings import load_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.integration.servers import free_port, web_server

TARGET_MS = 200.0
YEARS = 10
REPEATS = 200
FIRST_ID = 30_000_000_000


def store_ten_years(ctx: AppContext, athlete_id: int, today: date) -> int:
    """One run a day for ten years, a long run on Sundays, the odd jump, shin notes lately."""
    rng = random.Random(11)
    first = today - timedelta(days=YEARS * 365)
    now = ctx.clock()
    rows = []
    for offset in range(YEARS * 365 + 1):
        day = first + timedelta(days=offset)
        km = rng.uniform(5, 12) if day.weekday() != 6 else rng.uniform(14, 24)
        if rng.random() < 0.03:
            km *= 1.8
        recent = (today - day).days < 35
        note = f"left shin sore {rng.choice((2, 3, 4))}/10" if recent and offset % 3 == 0 else ""
        start = datetime(day.year, day.month, day.day, 6, 30, tzinfo=UTC)
        activity_id = FIRST_ID + offset
        rows.append(
            Activity(
                id=activity_id,
                athlete_id=athlete_id,
                name="Morning Run",
                sport_type="Run",
                counted=True,
                distance_m=km * 1000,
                moving_time_s=int(km * rng.uniform(270, 360)),
                elapsed_time_s=int(km * 370),
                start_utc=start,
                local_date=day,
                timezone="(GMT+00:00) UTC",
                summary_hash=hashlib.sha256(str(activity_id).encode()).hexdigest(),
                description=note or "Easy.",
                private_note=None,
                detail_hash="bench" if recent else None,
                detail_fetched_at=now if recent else None,
                raw_summary={"id": activity_id, "distance": km * 1000},
                raw_detail=None,
                synced_at=now,
            )
        )
    with ctx.db.transaction() as session:
        session.add_all(rows)
    return len(rows)


def timings_ms(action: Callable[[], object], repeats: int) -> list[float]:
    for _ in range(5):
        action()  # warm-up: caches, connections
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def report(name: str, samples: list[float], target_ms: float | None) -> bool:
    median = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20)[-1]
    met = target_ms is None or p95 <= target_ms
    verdict = (
        "(no target)"
        if target_ms is None
        else f"target {target_ms:.0f} ms: " + ("met" if met else "MISSED")
    )
    print(f"{name:<44} median {median:7.1f} ms   p95 {p95:7.1f} ms   {verdict}")
    return met


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp, Sandbox(SandboxConfig(port=0)) as sandbox:
        port = free_port()
        settings = load_settings(
            data_dir=Path(tmp) / "data",
            strava_url=sandbox.url,
            client_id=12345,
            client_secret="sandbox-secret",
            public_url=f"http://127.0.0.1:{port}",
        )
        ctx = open_context(settings, clock=sandbox.now, backoff_s=0.01)
        try:
            with web_server(ctx, port) as url:
                http = requests.Session()
                assert "Connected" in http.get(url + "/connect", timeout=10).text
                athlete_id = sandbox.seed_athlete_id
                today = ctx.clock().date()
                count = store_ten_years(ctx, athlete_id, today)
                athlete = gateway.athlete(ctx.db, athlete_id)
                assert athlete is not None
                post_run.refresh_findings(ctx, athlete_id, today)
                post_run.refresh_pain(ctx, athlete_id, today)
                decided = post_run.decide_suggestions(ctx, athlete, today)
                page = http.get(url + "/me", timeout=10)
                assert page.status_code == 200, page.text[:300]
                assert "Shin programme" in page.text, "the plan is missing from the page"
                print(
                    f"{count} runs over {YEARS} years for athlete {athlete_id}, "
                    f"{len(decided)} suggestions; page {len(page.content) / 1024:.0f} KiB"
                )
                over_http = timings_ms(lambda: http.get(url + "/me", timeout=10), REPEATS)
                service = timings_ms(lambda: runner_page.dashboard(ctx, athlete_id), REPEATS)
                year = timings_ms(
                    lambda: runner_page.dashboard(ctx, athlete_id, weeks=52), REPEATS // 4
                )
        finally:
            ctx.close()
    ok = report("GET /me over HTTP (12 weeks)", over_http, TARGET_MS)
    report("the dashboard service alone (12 weeks)", service, None)
    report("the dashboard service, 52 weeks", year, None)
    print("target met" if ok else "target MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
