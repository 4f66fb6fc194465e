"""How fast the load analysis is on a heavy log: 10 years of daily runs for one athlete.

Run on demand: ``.venv/bin/python benchmarks/bench_load.py``. Prints the median and p95 of the
full ``analyze`` and of the incremental ``findings_for_run`` of one new run given the runs of its
windows, and whether each meets its target (full <= 50 ms, incremental <= 2 ms).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from strava_rehab.load import RunSession, analyze, findings_for_run

FULL_TARGET_MS = 50.0
INCREMENTAL_TARGET_MS = 2.0
YEARS = 10


def ten_years_of_daily_runs(seed: int = 7) -> list[RunSession]:
    rng = random.Random(seed)
    first = date(2015, 1, 1)
    runs = []
    for offset in range(YEARS * 365):
        day = first + timedelta(days=offset)
        # Mostly easy days with a weekly long run and the odd big jump, so findings get built.
        km = rng.uniform(5, 12) if day.weekday() != 6 else rng.uniform(14, 24)
        if rng.random() < 0.03:
            km *= 1.8
        start = datetime(day.year, day.month, day.day, 6, 30, tzinfo=UTC)
        runs.append(
            RunSession(
                activity_id=offset + 1,
                local_date=day,
                start_utc=start,
                distance_m=km * 1000,
                moving_time_s=int(km * rng.uniform(270, 360)),
            )
        )
    return runs


def timings_ms(action: Callable[[], object], repeats: int) -> list[float]:
    action()  # warm-up
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def report(name: str, samples: list[float], target_ms: float) -> bool:
    median = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20)[-1]
    met = p95 <= target_ms
    verdict = "met" if met else "MISSED"
    print(
        f"{name:<34} median {median:7.2f} ms   p95 {p95:7.2f} ms   "
        f"target {target_ms:5.1f} ms: {verdict}"
    )
    return met


def main() -> None:
    runs = ten_years_of_daily_runs()
    as_of = runs[-1].local_date
    full = timings_ms(lambda: analyze(runs, as_of), repeats=40)

    new_run = runs[-1]
    window_start = new_run.local_date - timedelta(days=30)
    window = [r for r in runs if r.local_date >= window_start]
    incremental = timings_ms(lambda: findings_for_run(window, new_run.activity_id), repeats=400)

    report_runs = analyze(runs, as_of)
    print(f"{len(runs)} runs over {YEARS} years, {len(report_runs.findings)} findings")
    ok_full = report(f"analyze ({len(runs)} runs)", full, FULL_TARGET_MS)
    ok_incremental = report(
        f"findings_for_run ({len(window)} runs)", incremental, INCREMENTAL_TARGET_MS
    )
    print("all targets met" if ok_full and ok_incremental else "some targets missed")


if __name__ == "__main__":
    main()
