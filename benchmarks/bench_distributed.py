"""Distributed mode at scale: 1,000 athletes, one `serve`, 1, 2 and 4 `strava-rehab worker`s.

Run on demand (PostgreSQL needed, never part of ``make test``)::

    STRAVA_REHAB_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python benchmarks/bench_distributed.py [--athletes 1000] [--workers 1,2,4]

For each worker count, from scratch (its own sandbox and its own PostgreSQL database, created
here and dropped afterwards):

1. The sandbox seeds a population of ``--athletes`` runners on the assumed Extended-tier quota
   (``quota_tier="extended"``: 3,000 reads per 15 minutes, 30,000 a day) with no past runs.
   ``db upgrade``, ``serve`` and ``webhook subscribe`` run as real processes.
2. Connect: every athlete's token is stored through the connect service (``store_grant``, the
   step after OAuth), not by 1,000 OAuth round trips through ``serve``. Then the workers start;
   each queues the catch-up ``sync_all`` on start (deduped), which fans out one first sync per
   athlete: "first sync, athletes/min".
3. One new run each: the sandbox uploads one run per athlete (every ``--pain-every``-th with a
   pain note, which gets a description block) and posts Strava's ``create`` event to serve's
   callback. Measured until every run is decided and every block written: athletes synced per
   minute (first upload to the last decision), API calls per new run (the sandbox's traffic
   report), event-to-description latency (the run's creation at the sandbox to the PUT that
   wrote our block, both on the sandbox's clock) and peak RSS per worker (psutil, else
   ``VmHWM`` in /proc/<pid>/status).

The quota is a ceiling of its own: our budget spends at most ``rate_safety_margin`` (95 %) of
each 15-minute window, so sustained throughput can never go beyond ``2,850 / 15`` calls a minute,
whatever the number of workers. A configuration that reaches it stops waiting (the rest is
queued for the reset) and says so.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from cryptography.fernet import Fernet
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from strava_rehab.context import open_context
from strava_rehab.sandbox import PopulationSpec, Sandbox, SandboxConfig
from strava_rehab.sandbox.rate_limits import QUOTA_TIERS
from strava_rehab.services import connect as athletes
from strava_rehab.settings import load_settings
from strava_rehab.strava.api import _grant

# The same real-server helpers the end-to-end tests use (run from the repository root).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.integration.servers import NotificationSink, free_port

PG_ENV = "STRAVA_REHAB_TEST_PG_URL"
CLIENT_ID = 12345
CLIENT_SECRET = "sandbox-secret-for-bench"
PATH_TOKEN = "path-token-for-bench"
VERIFY_TOKEN = "verify-token-for-bench"
TIER = "extended"
SAFETY_MARGIN = 0.95  # the product's default rate_safety_margin
PAIN_NOTES = ("left shin sore 4/10", "right knee aching 3/10", "achilles tight 5/10")
PHASE_TIMEOUT_S = 900.0


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation)."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident set (VmHWM); psutil's current RSS where /proc is missing."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import psutil  # type: ignore[import-untyped]  # optional, not a dependency
    except ImportError:
        return None
    return float(psutil.Process(pid).memory_info().rss) / 2**20


@contextmanager
def fresh_database(base_url: str) -> Iterator[str]:
    name = f"strava_rehab_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Result:
    workers: int
    athletes: int
    first_sync_per_min: float = 0.0
    first_sync_calls: int = 0
    runs_per_min: float = 0.0
    runs_done: int = 0
    run_calls: int = 0
    described: int = 0
    latencies: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    rate_limited: int = 0
    quota_stall: str = ""
    window_calls: int = 0  # the busiest 15-minute window at the sandbox

    @property
    def calls_per_run(self) -> float:
        return self.run_calls / self.runs_done if self.runs_done else 0.0


class Cluster:
    """serve + N workers as real processes on one fresh database, against one sandbox."""

    def __init__(self, pg_url: str, sb: Sandbox, sink: NotificationSink, tmp: Path) -> None:
        self.port = free_port()
        self.logs = tmp / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "STRAVA_REHAB_DATA_DIR": str(tmp / "data"),
            "STRAVA_REHAB_DATABASE_URL": pg_url,
            "STRAVA_REHAB_SECRET_KEY": Fernet.generate_key().decode(),
            "STRAVA_REHAB_RUNNER": "procrastinate",
            "STRAVA_REHAB_STRAVA_URL": sb.url,
            "STRAVA_CLIENT_ID": str(CLIENT_ID),
            "STRAVA_CLIENT_SECRET": CLIENT_SECRET,
            "STRAVA_REHAB_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
            "STRAVA_REHAB_WEBHOOK_PATH_TOKEN": PATH_TOKEN,
            "STRAVA_REHAB_WEBHOOK_VERIFY_TOKEN": VERIFY_TOKEN,
            "STRAVA_REHAB_MAX_ATHLETES": "100000",
            "STRAVA_REHAB_DETAIL_WINDOW_DAYS": "7",
            "STRAVA_REHAB_NOTIFY__URLS": json.dumps([sink.apprise_url]),
            # The periodic fan-out would add a sync per athlete mid-measurement: not this run.
            "STRAVA_REHAB_WORKER__SYNC_CRON": "0 0 1 1 *",
            "STRAVA_REHAB_WORKER__DIGEST_CRON": "0 0 1 1 *",
        }
        self.procs: list[subprocess.Popen[bytes]] = []
        self.workers: list[subprocess.Popen[bytes]] = []
        self.base = f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "strava_rehab", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"strava-rehab {' '.join(args)} failed: {done.stderr[-2000:]}")

    def spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "strava_rehab", *args],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.procs.append(proc)
        return proc

    def start_serve(self) -> None:
        self.spawn("serve", "serve", "--port", str(self.port))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("serve did not answer /healthz within 60 s")

    def start_workers(self, n: int, concurrency: int) -> None:
        for i in range(n):
            self.workers.append(
                self.spawn(f"worker{i}", "worker", "--concurrency", str(concurrency))
            )

    def check_alive(self) -> None:
        for proc in self.procs:
            if proc.poll() is not None:
                name = "serve" if proc not in self.workers else f"worker{self.workers.index(proc)}"
                tail = (self.logs / f"{name}.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{tail}")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def scalar(engine: Engine, sql: str, **params: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one() or 0)


def jobs_due(engine: Engine) -> tuple[int, int]:
    """(jobs waiting or running that are due now, jobs queued for later: a window reset)."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE scheduled_at IS NULL OR scheduled_at <= now()"
                "  OR status = 'doing'),"
                " count(*) FILTER (WHERE status = 'todo' AND scheduled_at > now())"
                " FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
                " AND task_name IN ('sync_all', 'sync_athlete', 'post_run', 'send_notification')"
            )
        ).one()
    return int(row[0]), int(row[1])


def next_reset(engine: Engine) -> str:
    with engine.connect() as conn:
        when = conn.execute(
            text("SELECT min(scheduled_at) FROM procrastinate_jobs WHERE status = 'todo'")
        ).scalar_one()
    return f"{when:%H:%M} UTC" if when else "?"


def wait_phase(
    cluster: Cluster,
    engine: Engine,
    done: Callable[[], bool],
    what: str,
    timeout_s: float,
) -> str:
    """Wait until ``done()`` and the queue is idle; "" when finished, else why it stopped."""
    deadline = time.monotonic() + timeout_s
    idle_since: float | None = None
    while time.monotonic() < deadline:
        cluster.check_alive()
        due, later = jobs_due(engine)
        if due == 0 and done():
            return ""
        if due == 0 and later:
            # Nothing left that can run now: the rest waits for the window to reset.
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > 3:
                return f"quota: {later} jobs queued for the reset at {next_reset(engine)}"
        else:
            idle_since = None
        time.sleep(0.25)
    return f"timed out after {timeout_s:.0f} s waiting for {what}"


def new_run_fields(index: int, now: datetime, pain_every: int) -> dict[str, Any]:
    # 5.0 .. 9.9 km, spread deterministically: under the 10 km a first long run is flagged at, so
    # the blocks are the pain notes' (a known share of the runs).
    km = 5 + (index * 37 % 50) / 10
    moving = int(km * (300 + index % 60))
    start = now - timedelta(seconds=moving + 300)
    note = PAIN_NOTES[index % len(PAIN_NOTES)] if index % pain_every == 0 else "Easy run."
    return {
        "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "name": "Morning run",
        "sport_type": "Run",
        "distance": km * 1000,
        "moving_time": moving,
        "elapsed_time": moving + 60,
        "description": note,
    }


def run_config(workers: int, args: argparse.Namespace, pg_base: str) -> Result:
    result = Result(workers=workers, athletes=args.athletes)
    sink = NotificationSink()
    sb = Sandbox(
        SandboxConfig(
            port=0,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            seed=False,
            quota_tier=TIER,
            delivery_backoff_s=0.2,
            population=PopulationSpec(
                athletes=args.athletes, history_days=0, schedule_days=0, runs_per_day=0
            ),
        )
    )
    sb.start()
    tmp = tempfile.TemporaryDirectory(prefix="bench-distributed-")
    try:
        with fresh_database(pg_base) as pg_url:
            cluster = Cluster(pg_url, sb, sink, Path(tmp.name))
            try:
                return measure(result, cluster, sb, pg_url, args)
            finally:
                cluster.stop()  # before the database goes
    finally:
        sb.stop()
        sink.close()
        tmp.cleanup()


def measure(
    result: Result, cluster: Cluster, sb: Sandbox, pg_url: str, args: argparse.Namespace
) -> Result:
    workers = result.workers
    cluster.cli("db", "upgrade")
    cluster.start_serve()
    cluster.cli("webhook", "subscribe")
    engine = create_engine(pg_url)
    settings = load_settings(
        database_url=pg_url,
        secret_key=cluster.env["STRAVA_REHAB_SECRET_KEY"],
        strava_url=sb.url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        max_athletes=100_000,
    )
    ctx = open_context(settings, migrate=False)
    try:
        population = sb.population_json()["athletes"]
        started = time.perf_counter()
        for a in population:
            token = dict(a["token"])
            token["athlete"] = {
                "id": a["athlete_id"],
                "firstname": a["firstname"],
                "lastname": a["lastname"],
            }
            athletes.store_grant(ctx, _grant(token), str(token["scope"]))
        print(
            f"  [{workers} worker(s)] {len(population)} athletes stored through the "
            f"connect service in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    finally:
        ctx.close()

    # --- first sync: the catch-up each worker queues on start ----------------------
    sb.reset_traffic()  # (the subscription's calls are not the athletes')
    n = args.athletes
    cluster.start_workers(workers, args.concurrency)
    stop = wait_phase(
        cluster,
        engine,
        lambda: (
            scalar(engine, "SELECT count(*) FROM sync_state WHERE last_sync_at IS NOT NULL") >= n
        ),
        "the first syncs",
        PHASE_TIMEOUT_S,
    )
    with engine.connect() as conn:
        first, last, synced = conn.execute(
            text(
                "SELECT min(last_sync_at), max(last_sync_at), count(*) FROM sync_state"
                " WHERE last_sync_at IS NOT NULL"
            )
        ).one()
    if synced > 1:
        span = (last - first).total_seconds() * synced / (synced - 1)
        result.first_sync_per_min = synced / span * 60 if span > 0 else float("inf")
    result.first_sync_calls = sb.traffic().calls
    if stop:
        result.quota_stall = f"first sync: {stop}"
        return finish(result, cluster, sb)

    # --- one new run per athlete, announced by webhook ------------------------------
    # (the traffic is not reset: the busiest window counts both phases' calls)
    created: dict[int, datetime] = {}
    described_ids: set[int] = set()
    upload_started = sb.now()
    for i, a in enumerate(population):
        now = sb.now()
        run = sb.add_activity(a["athlete_id"], **new_run_fields(i, now, args.pain_every))
        created[int(run["id"])] = now
        if i % args.pain_every == 0:
            described_ids.add(int(run["id"]))
    ids = ",".join(str(x) for x in created)

    def all_decided() -> bool:
        decided = scalar(engine, f"SELECT count(*) FROM suggestions WHERE activity_id IN ({ids})")
        return decided >= len(created)

    stop = wait_phase(cluster, engine, all_decided, "the new runs", PHASE_TIMEOUT_S)
    with engine.connect() as conn:
        done, last_decided = conn.execute(
            text(f"SELECT count(*), max(created_at) FROM suggestions WHERE activity_id IN ({ids})")
        ).one()
    result.runs_done = int(done)
    if done and last_decided is not None:
        if last_decided.tzinfo is None:
            last_decided = last_decided.replace(tzinfo=UTC)
        span = (last_decided - upload_started).total_seconds()
        result.runs_per_min = done / span * 60 if span > 0 else float("inf")
    traffic = sb.traffic()
    result.run_calls = traffic.calls - result.first_sync_calls
    result.rate_limited = traffic.rate_limited
    puts: dict[int, datetime] = {}
    for call in sb.calls():
        if call["method"] != "PUT" or call["status"] != 200:
            continue
        activity_id = int(str(call["path"]).rsplit("/", 1)[-1])
        if activity_id in created and activity_id not in puts:
            puts[activity_id] = datetime.fromisoformat(str(call["time"]))
    result.described = len(puts)
    result.latencies = [(puts[a] - created[a]).total_seconds() for a in puts]
    if stop:
        result.quota_stall = f"new runs: {stop}"
    missing = described_ids - set(puts)
    if missing and not stop:
        result.quota_stall = f"{len(missing)} pain-note runs got no block"
    return finish(result, cluster, sb)


def finish(result: Result, cluster: Cluster, sb: Sandbox) -> Result:
    # Peak RSS is read while the workers still run (/proc/<pid> goes with the process).
    result.rss_mb = [m for w in cluster.workers if (m := peak_rss_mb(w.pid)) is not None]
    windows = sb.traffic().by_window
    result.window_calls = max((w.counted for w in windows), default=0)
    return result


def report(results: list[Result], args: argparse.Namespace) -> None:
    (_, _), (read_15m, read_day) = QUOTA_TIERS[TIER]
    per_window = int(read_15m * SAFETY_MARGIN)
    ceiling_calls_min = per_window / 15
    print(
        f"\n{args.athletes} athletes, worker concurrency {args.concurrency}, quota '{TIER}' "
        f"({read_15m:,} reads / 15 min, {read_day:,} / day; we spend at most {per_window:,} "
        f"a window: {ceiling_calls_min:.0f} calls/min sustained); one new run each, every "
        f"{args.pain_every}th with a pain note\n"
    )
    header = (
        f"{'workers':>7} | {'first sync':>10} | {'new runs':>9} | {'API calls':>9} | "
        f"{'event->description':>22} | {'peak RSS/worker':>15} | {'429s':>4} | notes"
    )
    units = (
        f"{'':>7} | {'athl./min':>10} | {'athl./min':>9} | {'per run':>9} | "
        f"{'p50 / p95 / max (s)':>22} | {'MB (max)':>15} | {'':>4} |"
    )
    print(header)
    print(units)
    print("-" * len(header))
    for r in results:
        lat = (
            f"{percentile(r.latencies, 50):5.1f} / {percentile(r.latencies, 95):5.1f} / "
            f"{max(r.latencies):5.1f}"
            if r.latencies
            else "n/a"
        )
        rss = f"{max(r.rss_mb):.0f}" if r.rss_mb else "n/a"
        notes = r.quota_stall or f"{r.runs_done} runs, {r.described} blocks written"
        print(
            f"{r.workers:>7} | {r.first_sync_per_min:>10.0f} | {r.runs_per_min:>9.0f} | "
            f"{r.calls_per_run:>9.2f} | {lat:>22} | {rss:>15} | {r.rate_limited:>4} | {notes}"
        )
    print()
    for r in results:
        print(
            f"  {r.workers} worker(s): first sync {r.first_sync_calls} API calls; new runs "
            f"{r.run_calls} calls; busiest 15-min window at the sandbox: {r.window_calls} "
            f"counted calls ({r.window_calls / per_window:.0%} of what we spend per window)"
        )
    complete = [r for r in results if r.runs_done == r.athletes and not r.quota_stall]
    if len(complete) < len(results):
        print("  some configurations did not finish (see notes)")
    if not complete:
        return
    per_run = statistics.mean(r.calls_per_run for r in complete)
    ceiling_runs = ceiling_calls_min / per_run if per_run else float("inf")
    ceiling_first = ceiling_calls_min / max(
        1.0, statistics.mean(r.first_sync_calls / r.athletes for r in complete)
    )
    print(
        f"\n  the quota's sustained ceiling: {ceiling_runs:.0f} new runs/min at {per_run:.2f} "
        f"calls each, {ceiling_first:.0f} first syncs/min"
    )
    rates = [(r.workers, r.runs_per_min) for r in complete]
    grows = all(b[1] > a[1] * 1.1 for a, b in itertools.pairwise(rates))
    over = [w for w, rate in rates if rate >= ceiling_runs]
    if over:
        print(
            f"  throughput is over the quota's sustained ceiling from {over[0]} worker(s) on: "
            "there, Strava's quota (not our code) is the limit; a burst this size fits one "
            "15-minute window, a longer one would be paced by the budget"
        )
    else:
        print("  throughput stays under the quota's sustained ceiling: our side is the limit")
    print(
        "  throughput "
        + ("grows with every added worker count" if grows else "does not grow with workers")
        + " ("
        + ", ".join(f"{w}: {rate:.0f}/min" for w, rate in rates)
        + f"; {os.cpu_count()} CPU cores for serve, workers, the sandbox and PostgreSQL)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--athletes", type=int, default=1000, help="population size")
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--concurrency", type=int, default=2, help="jobs at once per worker")
    parser.add_argument(
        "--pain-every", type=int, default=5, help="every Nth new run has a pain note"
    )
    args = parser.parse_args(argv)
    base = os.environ.get(PG_ENV)
    if not base:
        print(f"PostgreSQL not configured: set {PG_ENV} to a server's URL", file=sys.stderr)
        return 1
    try:
        counts = [int(part) for part in args.workers.split(",") if part.strip()]
    except ValueError:
        print(f"--workers must be comma-separated integers, got {args.workers!r}", file=sys.stderr)
        return 1
    if not counts or min(counts) < 1 or args.athletes < 1 or args.pain_every < 1:
        print("--workers, --athletes and --pain-every must be positive", file=sys.stderr)
        return 1
    results = []
    for workers in counts:
        started = time.perf_counter()
        print(f"== {workers} worker(s), {args.athletes} athletes", flush=True)
        results.append(run_config(workers, args, base))
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    report(results, args)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # the run itself broke, not a missed target
        import traceback

        traceback.print_exc()
        print(f"benchmark failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
