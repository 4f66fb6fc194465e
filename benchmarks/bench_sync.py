"""What a first backfill and a quiet incremental sync cost, in API calls and wall time.

Run on demand: ``.venv/bin/python benchmarks/bench_sync.py``. For N = 1,000 and 5,000 activities
(a mix of sports, about 1.4 a day, so the ``detail_window_days`` analysis window holds a realistic
few dozen runs) a sandbox runner is connected and synced once from scratch, then once more with
nothing new. The sandbox's rate limits are raised far above the calls made, so the figures measure
work, not waiting. Targets: backfill list calls == ceil(N/200) + 1 (full pages and the empty one
that ends the paging), detail calls == the counted runs (Run/TrailRun/VirtualRun) inside the
analysis window; the incremental sync makes <= 2 calls.
"""

from __future__ import annotations

import math
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import func, select

from strava_rehab.context import open_context
from strava_rehab.db.models import Activity
from strava_rehab.sandbox import SEED_TIMEZONE, Sandbox, SandboxConfig
from strava_rehab.services import connect as athletes
from strava_rehab.services.sync import sync_athlete
from strava_rehab.settings import load_settings

SIZES = (1000, 5000)
PER_DAY = 1.37  # activities a day: ~500 a year, a keen runner who also rides and walks
CLIENT_ID = 12345
CLIENT_SECRET = "sandbox-secret-for-bench"
LIST = "/api/v3/athlete/activities"
DETAIL = "/api/v3/activities/"
RUN_TYPES = frozenset({"Run", "TrailRun", "VirtualRun"})
# Cumulative weights: mostly runs, some rides, walks and other sports that are kept but not counted.
SPORTS = (
    ("Run", 0.62),
    ("TrailRun", 0.06),
    ("VirtualRun", 0.04),
    ("Ride", 0.14),
    ("Walk", 0.10),
    ("WeightTraining", 0.04),
)
HUGE_LIMITS = (1_000_000, 10_000_000)  # far above any call count here (15 min, daily)
INCREMENTAL_TARGET_CALLS = 2


@dataclass
class Row:
    n: int
    backfill_days: int
    runs_in_window: int
    setup_s: float
    list_calls: int
    detail_calls: int
    total_calls: int
    report_calls: int
    backfill_s: float
    stored: int
    backfill_ok: bool
    backfill_error: str
    incremental_calls: int
    incremental_report_calls: int
    incremental_s: float
    incremental_ok: bool

    @property
    def expected_list(self) -> int:
        return math.ceil(self.n / 200) + 1

    @property
    def targets_met(self) -> bool:
        return (
            self.backfill_ok
            and self.stored == self.n
            and self.list_calls == self.expected_list
            and self.detail_calls == self.runs_in_window
            and self.incremental_ok
            and self.incremental_calls <= INCREMENTAL_TARGET_CALLS
        )


def pick_sport(rng: random.Random) -> str:
    roll = rng.random()
    total = 0.0
    for sport, weight in SPORTS:
        total += weight
        if roll < total:
            return sport
    return SPORTS[0][0]


def browser(url: str) -> None:
    """The runner presses Authorize: follow Strava's redirect to our loopback callback."""
    requests.get(url, timeout=10, allow_redirects=True)


def add_history(
    sb: Sandbox, athlete_id: int, n: int, backfill_days: int, window_days: int, seed: int
) -> int:
    """N activities inside the backfill window; returns how many counted runs fall in the
    analysis window (local date in the runner's zone >= today - window_days, as the product
    counts it)."""
    rng = random.Random(seed)
    now = sb.now()
    zone = ZoneInfo(SEED_TIMEZONE)
    window_start = now.date() - timedelta(days=window_days)
    span_s = (backfill_days - 1) * 86400  # a day of margin to the backfill's ``after``
    starts = sorted(now - timedelta(seconds=rng.uniform(3600, span_s)) for _ in range(n))
    in_window = 0
    for start in starts:  # the sandbox re-sorts its index on every add: O(N²), ~7 s for 5,000
        sport = pick_sport(rng)
        km = rng.uniform(5, 16) if sport in RUN_TYPES else rng.uniform(3, 60)
        sb.add_activity(
            athlete_id,
            sport_type=sport,
            distance=round(km * 1000, 1),
            moving_time=int(km * (rng.uniform(280, 380) if sport in RUN_TYPES else 200)),
            start_date=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        if sport in RUN_TYPES and start.astimezone(zone).date() >= window_start:
            in_window += 1
    return in_window


def calls_of(sb: Sandbox) -> tuple[int, int, int]:
    calls = sb.calls()
    lists = sum(1 for c in calls if c["path"] == LIST and c["method"] == "GET")
    details = sum(1 for c in calls if str(c["path"]).startswith(DETAIL) and c["method"] == "GET")
    return lists, details, len(calls)


def bench(n: int) -> Row:
    backfill_days = math.ceil(n / PER_DAY) + 2
    # A still clock at midday UTC: no day boundary is crossed while the benchmark runs.
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    config = SandboxConfig(
        port=0,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        seed=False,
        now=now,
        overall_limits=HUGE_LIMITS,
        read_limits=HUGE_LIMITS,
    )
    with Sandbox(config) as sb, tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        settings = load_settings(
            data_dir=Path(tmp) / "data",
            strava_url=sb.url,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            backfill_days=backfill_days,
            rate_safety_margin=1.0,
        )
        ctx = open_context(settings, clock=sb.now, backoff_s=0.01)
        try:
            athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
            started = time.perf_counter()
            runs_in_window = add_history(
                sb, athlete_id, n, backfill_days, settings.detail_window_days, seed=n
            )
            setup_s = time.perf_counter() - started

            sb.reset_calls()
            started = time.perf_counter()
            backfill = sync_athlete(ctx, athlete_id)
            backfill_s = time.perf_counter() - started
            lists, details, total = calls_of(sb)
            with ctx.db.transaction() as session:
                stored = int(
                    session.scalar(
                        select(func.count())
                        .select_from(Activity)
                        .where(Activity.athlete_id == athlete_id)
                    )
                    or 0
                )

            sb.reset_calls()
            started = time.perf_counter()
            incremental = sync_athlete(ctx, athlete_id)
            incremental_s = time.perf_counter() - started
            incremental_calls = len(sb.calls())
        finally:
            ctx.close()
    return Row(
        n=n,
        backfill_days=backfill_days,
        runs_in_window=runs_in_window,
        setup_s=setup_s,
        list_calls=lists,
        detail_calls=details,
        total_calls=total,
        report_calls=backfill.api_calls,
        backfill_s=backfill_s,
        stored=stored,
        backfill_ok=backfill.complete,
        backfill_error=backfill.error,
        incremental_calls=incremental_calls,
        incremental_report_calls=incremental.api_calls,
        incremental_s=incremental_s,
        incremental_ok=incremental.complete and not incremental.created,
    )


def print_table(rows: list[Row]) -> None:
    print()
    print(
        f"{'N':>6} {'days':>5} {'stored':>6} | {'list':>4} {'(want)':>6} {'detail':>6} "
        f"{'(want)':>6} {'total':>5} {'wall s':>7} | {'incr calls':>10} {'wall s':>7} | target"
    )
    print("-" * 98)
    for r in rows:
        verdict = "met" if r.targets_met else "MISSED"
        print(
            f"{r.n:>6} {r.backfill_days:>5} {r.stored:>6} | {r.list_calls:>4} "
            f"{f'({r.expected_list})':>6} {r.detail_calls:>6} {f'({r.runs_in_window})':>6} "
            f"{r.total_calls:>5} {r.backfill_s:>7.2f} | "
            f"{r.incremental_calls:>10} {r.incremental_s:>7.3f} | {verdict}"
        )
    print()
    for r in rows:
        notes = []
        if not r.backfill_ok:
            notes.append(f"backfill incomplete: {r.backfill_error}")
        if r.stored != r.n:
            notes.append(f"stored {r.stored} of {r.n} activities")
        if r.report_calls != r.total_calls:
            notes.append(
                f"SyncReport.api_calls {r.report_calls} != {r.total_calls} calls the sandbox saw"
            )
        if r.incremental_report_calls != r.incremental_calls:
            notes.append(
                f"incremental SyncReport.api_calls {r.incremental_report_calls} != "
                f"{r.incremental_calls} calls the sandbox saw"
            )
        if not r.incremental_ok:
            notes.append("incremental sync incomplete or created rows")
        per_activity_ms = r.backfill_s / r.n * 1000
        print(
            f"N={r.n}: setup (adding to the sandbox) {r.setup_s:.1f} s; backfill "
            f"{per_activity_ms:.2f} ms per activity; "
            + ("; ".join(notes) if notes else "SyncReport.api_calls agrees with the sandbox")
        )


def main() -> int:
    rows = []
    for n in SIZES:
        print(f"N={n}: building the sandbox history and syncing...", flush=True)
        rows.append(bench(n))
    print_table(rows)
    print(
        "targets: list calls == ceil(N/200)+1, detail calls == counted runs in the analysis "
        f"window, incremental calls <= {INCREMENTAL_TARGET_CALLS}"
    )
    print("all targets met" if all(r.targets_met for r in rows) else "some targets missed")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # the run itself broke, not a missed target
        import traceback

        traceback.print_exc()
        print(f"benchmark failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
