"""How fast a Strava push event is acknowledged, and how soon the rehab block is written after it.

Run on demand: ``.venv/bin/python benchmarks/bench_webhook.py``. The real web app runs under
uvicorn with the embedded worker, against the sandbox, for a connected seeded runner with a push
subscription.

(a) Acknowledgement: 300 valid events (unique ``event_time``) are POSTed to the callback URL and
    the HTTP round trip is timed; target p99 < 50 ms. Two runs: events for an athlete we do not
    know (answered and counted, never stored), and ``update`` events for the connected runner's own
    activities (the worker re-fetches and re-decides while the next events arrive).
(b) Event to written description: a run with a pain note is added in the sandbox, which posts
    the webhook itself; the time until the description holds our block is measured, 20 times;
    target p95 < 1 s. Product functions are wrapped (here, not in the product) to show where
    the time goes.
(c) Informational, no target of its own: two runs saved 50 ms apart, so the second event
    arrives while the inbox job is still busy with the first; both latencies are printed.
"""

from __future__ import annotations

import collections
import logging
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import event, func, select

from strava_rehab.context import AppContext, open_context
from strava_rehab.db.models import WebhookEvent
from strava_rehab.sandbox import Sandbox, SandboxConfig
from strava_rehab.services import connect as athletes
from strava_rehab.services import inbox as webhooks
from strava_rehab.services import jobs, subscription, sync
from strava_rehab.services import suggest as post_run
from strava_rehab.settings import load_settings
from strava_rehab.strava.api import AthleteApi
from strava_rehab.text.description_block import START
from strava_rehab.worker import Worker

# The same real-server helpers the end-to-end tests use (run from the repository root).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.integration.servers import free_port, web_server

CLIENT_ID = 12345
CLIENT_SECRET = "sandbox-secret-for-bench"
ACK_EVENTS = 300
ACK_TARGET_P99_MS = 50.0
WRITE_RUNS = 20
WRITE_TARGET_P95_S = 1.0
WRITE_TIMEOUT_S = 15.0
PAIRS = 3
PAIR_GAP_S = 0.05
UNKNOWN_OWNER = 424_242
HUGE_LIMITS = (1_000_000, 10_000_000)
PAIN_NOTE = "left shin sore 4/10"


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: p99 of 300 is the 297th value)."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]


def browser(url: str) -> None:
    requests.get(url, timeout=10, allow_redirects=True)


# --- timing probes: wrappers around product functions, installed by this script only ---------


@dataclass
class Span:
    name: str
    start: float
    end: float
    key: int | None  # the activity id, when the call is about one


@dataclass
class Probes:
    spans: list[Span] = field(default_factory=list)
    wakes: list[float] = field(default_factory=list)

    def wrap(
        self, owner: Any, attr: str, name: str, key_of: Callable[..., int | None] | None = None
    ) -> None:
        original = getattr(owner, attr)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                key = key_of(*args, **kwargs) if key_of else None
                self.spans.append(Span(name, started, time.perf_counter(), key))

        setattr(owner, attr, timed)

    def of(self, name: str, after: float, before: float) -> list[Span]:
        return [s for s in self.spans if s.name == name and after <= s.start <= before]


def install_probes(ctx: AppContext, worker: Worker) -> Probes:
    probes = Probes()
    # How long the web app's threads wait in BEGIN IMMEDIATE, i.e. for SQLite's write lock.
    began = threading.local()

    @event.listens_for(ctx.db.engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        began.at = time.perf_counter()

    @event.listens_for(ctx.db.engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("BEGIN") and threading.current_thread().name.startswith("AnyIO"):
            probes.spans.append(Span("web_begin", began.at, time.perf_counter(), None))

    probes.wrap(webhooks, "record_event", "record_event", lambda ctx, event: event.object_id)
    probes.wrap(sync, "fetch_one", "fetch_one", lambda ctx, athlete_id, activity_id: activity_id)
    for name in ("process_athlete", "refresh_findings", "refresh_pain", "decide_suggestions"):
        probes.wrap(post_run, name, name)
    probes.wrap(
        post_run,
        "deliver_description",
        "deliver_description",
        lambda ctx, suggestion, **_: suggestion.activity_id,
    )
    probes.wrap(
        AthleteApi,
        "update_description",
        "put_description",
        lambda api, activity_id, description: activity_id,
    )
    # The worker holds its job functions; wrap the inbox job it actually runs.
    inbox = worker._jobs["inbox"]

    def timed_inbox(ctx: AppContext, stop: threading.Event) -> Any:
        started = time.perf_counter()
        try:
            return inbox(ctx, stop)
        finally:
            probes.spans.append(Span("inbox_job", started, time.perf_counter(), None))

    worker._jobs["inbox"] = timed_inbox
    wake = worker.wake

    def timed_wake(name: str = "inbox") -> None:
        probes.wakes.append(time.perf_counter())
        wake(name)

    worker.wake = timed_wake  # type: ignore[method-assign]
    return probes


# --- the two measurements ----------------------------------------------------------------------


def unprocessed(ctx: AppContext) -> int:
    with ctx.db.transaction() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(WebhookEvent)
                .where(WebhookEvent.processed_at.is_(None))
            )
            or 0
        )


def wait_inbox_empty(ctx: AppContext, timeout_s: float) -> float | None:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        if unprocessed(ctx) == 0:
            return time.perf_counter() - started
        time.sleep(0.05)
    return None


def post_events(
    hook: str, events: list[dict[str, Any]]
) -> tuple[list[float], collections.Counter[str]]:
    timings: list[float] = []
    statuses: collections.Counter[str] = collections.Counter()
    with requests.Session() as http:
        for event in events:
            started = time.perf_counter()
            response = http.post(hook, json=event, timeout=10)
            timings.append((time.perf_counter() - started) * 1000)
            body = response.json() if response.status_code == 200 else {}
            statuses[f"{response.status_code}{' dup' if body.get('duplicate') else ''}"] += 1
    return timings, statuses


def ack_events(
    sub_id: int, owner: int, object_ids: list[int], aspect: str, first_time: int
) -> list[dict[str, Any]]:
    return [
        {
            "aspect_type": aspect,
            "event_time": first_time + i,
            "object_id": object_ids[i % len(object_ids)],
            "object_type": "activity",
            "owner_id": owner,
            "subscription_id": sub_id,
            "updates": {"title": f"Renamed {i}"} if aspect == "update" else {},
        }
        for i in range(ACK_EVENTS)
    ]


def report_ack(
    label: str, timings: list[float], statuses: collections.Counter[str], stored_ms: list[float]
) -> bool:
    p50, p95, p99 = (percentile(timings, p) for p in (50, 95, 99))
    met = p99 < ACK_TARGET_P99_MS
    print(
        f"  {label:<44} n={len(timings):<4} p50 {p50:6.1f}  p95 {p95:6.1f}  p99 {p99:6.1f}  "
        f"max {max(timings):6.1f} ms   target p99 < {ACK_TARGET_P99_MS:.0f} ms: "
        f"{'met' if met else 'MISSED'}   ({dict(statuses)})"
    )
    if stored_ms:
        print(
            f"    {'of which record_event (server side)':<42} n={len(stored_ms):<4} "
            f"p50 {percentile(stored_ms, 50):6.1f}  p95 {percentile(stored_ms, 95):6.1f}  "
            f"p99 {percentile(stored_ms, 99):6.1f}  max {max(stored_ms):6.1f} ms"
        )
    return met


def ack_phase(
    probes: Probes, label: str, hook: str, events: list[dict[str, Any]]
) -> tuple[bool, float]:
    started = time.perf_counter()
    timings, statuses = post_events(hook, events)
    ended = time.perf_counter()
    stored = [(x.end - x.start) * 1000 for x in probes.of("record_event", started, ended)]
    met = report_ack(label, timings, statuses, stored)
    waits = [(x.end - x.start) * 1000 for x in probes.of("web_begin", started, ended)]
    if waits:
        print(
            f"    {'of which waiting in BEGIN IMMEDIATE':<42} n={len(waits):<4} "
            f"p50 {percentile(waits, 50):6.1f}  p95 {percentile(waits, 95):6.1f}  "
            f"p99 {percentile(waits, 99):6.1f}  max {max(waits):6.1f} ms  (SQLite write lock; "
            f"{sum(waits) / sum(timings):.0%} of all round-trip time)"
        )
    return met, started


@dataclass
class WriteSample:
    activity_id: int
    latency_s: float | None
    added_at: float
    seen_at: float | None


def measure_writes(sb: Sandbox, ctx: AppContext, athlete_id: int) -> list[WriteSample]:
    samples = []
    for i in range(WRITE_RUNS):
        started = time.perf_counter()
        run = sb.add_activity(
            athlete_id,
            name=f"Bench run {i}",
            sport_type="Run",
            distance=6000.0,
            moving_time=2000,
            description=PAIN_NOTE,
        )
        activity_id = int(run["id"])
        latency = wait_for_block(sb, activity_id, started)
        samples.append(
            WriteSample(
                activity_id, latency, started, started + latency if latency is not None else None
            )
        )
        # Let the worker finish this event before the next one, so each sample is one event.
        sb.wait_for_deliveries(5)
        wait_inbox_empty(ctx, 10)
    return samples


def wait_for_block(sb: Sandbox, activity_id: int, started: float) -> float | None:
    while time.perf_counter() - started < WRITE_TIMEOUT_S:
        if START in (sb.activity(activity_id).get("description") or ""):
            return time.perf_counter() - started
        time.sleep(0.002)
    return None


def measure_pairs(sb: Sandbox, ctx: AppContext, athlete_id: int) -> list[tuple[float, float]]:
    """Two runs saved PAIR_GAP_S apart: the second event arrives while the inbox job is still
    busy with the first. Returns (first, second) latencies in seconds (inf: never written)."""
    pairs = []
    for i in range(PAIRS):
        ids, starts = [], []
        for j in range(2):
            starts.append(time.perf_counter())
            run = sb.add_activity(
                athlete_id,
                name=f"Pair run {i}.{j}",
                sport_type="Run",
                distance=5000.0,
                moving_time=1700,
                description=PAIN_NOTE,
            )
            ids.append(int(run["id"]))
            if j == 0:
                time.sleep(PAIR_GAP_S)
        first = wait_for_block(sb, ids[0], starts[0])
        second = wait_for_block(sb, ids[1], starts[1])
        pairs.append((first or float("inf"), second or float("inf")))
        sb.wait_for_deliveries(5)
        wait_inbox_empty(ctx, 10)
    return pairs


class CountSkips(logging.Handler):
    """Counts APScheduler's "skipped: maximum number of running instances" warnings (a wake
    that came while the job was running) instead of printing hundreds of them."""

    def __init__(self) -> None:
        super().__init__()
        self.skipped: collections.Counter[str] = collections.Counter()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "maximum number of running instances" in message:
            self.skipped[message.split('"')[1].split(" ")[0]] += 1
        elif record.levelno >= logging.WARNING:
            print(f"  [log] {record.name}: {message}", file=sys.stderr)


def breakdown(probes: Probes, samples: list[WriteSample]) -> None:
    """Per sample: when the event was stored, when the inbox job started, and how long each
    product step took; then the medians."""
    rows: dict[str, list[float]] = collections.defaultdict(list)
    for s in samples:
        if s.seen_at is None:
            continue
        window = (s.added_at, s.seen_at)
        stored = [x for x in probes.of("record_event", *window) if x.key == s.activity_id]
        wakes = [w for w in probes.wakes if window[0] <= w <= window[1]]
        inbox = probes.of("inbox_job", *window)
        fetch = [x for x in probes.of("fetch_one", *window) if x.key == s.activity_id]
        process = probes.of("process_athlete", *window)
        if not (stored and inbox and fetch and process):
            continue
        rows["add -> event stored (sandbox delivery + record_event)"].append(
            stored[0].end - s.added_at
        )
        if wakes:
            rows["event stored -> worker woken"].append(wakes[0] - stored[0].end)
        rows["event stored -> inbox job starts"].append(inbox[0].start - stored[0].end)
        rows["fetch_one (GET detail + upsert)"].append(fetch[0].end - fetch[0].start)
        proc = process[0]
        rows["process_athlete (total)"].append(proc.end - proc.start)
        for part in ("refresh_findings", "refresh_pain", "decide_suggestions"):
            spans = probes.of(part, proc.start, proc.end)
            rows[f"  {part}"].append(sum(x.end - x.start for x in spans))
        delivers = probes.of("deliver_description", proc.start, proc.end)
        rows["  deliver_description (all suggestions)"].append(
            sum(x.end - x.start for x in delivers)
        )
        rows["  deliver_description calls per event"].append(float(len(delivers)))
        all_puts = probes.of("put_description", proc.start, proc.end)
        rows["  description PUTs per event"].append(float(len(all_puts)))
        puts = [x for x in all_puts if x.key == s.activity_id]
        if puts:
            rows["  PUT of this run's description"].append(puts[0].end - puts[0].start)
            rows["  process_athlete start -> PUT done"].append(puts[0].end - proc.start)
            rows["add -> PUT done (the product's share of the latency)"].append(
                puts[0].end - s.added_at
            )
    print("  where the time goes (median over samples; ms unless a count):")
    for name, values in rows.items():
        value = statistics.median(values)
        count = " per event" in name
        shown = f"{value:8.1f}" if count else f"{value * 1000:8.1f}"
        spread = f"(min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})"
        if count:
            spread = f"(min {min(values):.0f}, max {max(values):.0f})"
        print(f"    {name:<52} {shown}   {spread}")


def main() -> int:
    skips = CountSkips()
    scheduler_log = logging.getLogger("apscheduler")
    scheduler_log.addHandler(skips)
    scheduler_log.propagate = False
    sb = Sandbox(
        SandboxConfig(
            port=0,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            delivery_backoff_s=0.05,
            overall_limits=HUGE_LIMITS,
            read_limits=HUGE_LIMITS,
        )
    )
    sb.start()
    tmp = tempfile.TemporaryDirectory(prefix="bench-webhook-")
    port = free_port()
    settings = load_settings(
        data_dir=Path(tmp.name) / "data",
        strava_url=sb.url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        public_url=f"http://127.0.0.1:{port}",
        rate_safety_margin=1.0,
    )
    ctx = open_context(settings, clock=sb.now, backoff_s=0.01)
    try:
        athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
        started = time.perf_counter()
        cycle = jobs.run_cycle(ctx)
        print(
            f"initial cycle: {time.perf_counter() - started:.1f} s; "
            + cycle.summary().replace("\n", "; ")
        )
        own_ids = [int(a["id"]) for a in sb.activities(athlete_id)][-40:]
        worker = Worker(ctx)
        probes = install_probes(ctx, worker)
        with web_server(ctx, port, worker):
            _, verify = subscription.webhook_secrets(ctx)
            sub_id = ctx.app().create_subscription(subscription.callback_url(ctx), verify)
            subscription.save_subscription(ctx, {"id": sub_id})
            hook = subscription.callback_url(ctx)
            # The worker's catch-up sync runs at start; let it finish first.
            deadline = time.monotonic() + 60
            while "sync" not in worker.last and time.monotonic() < deadline:
                time.sleep(0.05)

            print(f"\n(a) webhook acknowledgement, HTTP round trip of {ACK_EVENTS} POSTs:")
            base = int(time.time())
            ack_idle, _ = ack_phase(
                probes,
                "events for an unknown athlete (idle worker)",
                hook,
                ack_events(sub_id, UNKNOWN_OWNER, [9_000_000_001], "create", base),
            )
            wait_inbox_empty(ctx, 60)
            ack_busy, busy_from = ack_phase(
                probes,
                "updates of the runner's runs (busy worker)",
                hook,
                ack_events(sub_id, athlete_id, own_ids, "update", base + 10_000),
            )
            drained = wait_inbox_empty(ctx, 120)
            busy = probes.of("process_athlete", busy_from, time.perf_counter())
            if drained is None:
                print(f"  inbox NOT drained 120 s after the last POST ({unprocessed(ctx)} left)")
            elif busy:
                print(
                    f"  the worker drained the busy inbox {drained:.1f} s after the last POST; "
                    f"process_athlete ran {len(busy)} times, median "
                    f"{statistics.median(x.end - x.start for x in busy) * 1000:.0f} ms"
                )

            print(f"\n(b) event to written description, {WRITE_RUNS} runs with '{PAIN_NOTE}':")
            samples = measure_writes(sb, ctx, athlete_id)
            seen = [s.latency_s for s in samples if s.latency_s is not None]
            missing = [s.activity_id for s in samples if s.latency_s is None]
            if seen:
                p50, p95 = percentile(seen, 50), percentile(seen, 95)
                write_ok = p95 < WRITE_TARGET_P95_S and not missing
                print(
                    f"  n={len(seen):<3} p50 {p50 * 1000:7.0f} ms  p95 {p95 * 1000:7.0f} ms  "
                    f"min {min(seen) * 1000:5.0f}  max {max(seen) * 1000:6.0f} ms   "
                    f"target p95 < {WRITE_TARGET_P95_S:.0f} s: {'met' if write_ok else 'MISSED'}"
                )
                print("  per run (ms): " + ", ".join(f"{x * 1000:.0f}" for x in seen))
            else:
                write_ok = False
                print("  no description was written: target MISSED")
            if missing:
                print(f"  no block within {WRITE_TIMEOUT_S:.0f} s for activities {missing}")
            breakdown(probes, samples)

            print(
                f"\n(c) two runs saved {PAIR_GAP_S * 1000:.0f} ms apart "
                f"(the second event arrives while the inbox job runs), {PAIRS} pairs:"
            )
            skipped_before = skips.skipped["inbox"]
            pairs = measure_pairs(sb, ctx, athlete_id)
            for n, (one, two) in enumerate(pairs, 1):
                print(
                    f"  pair {n}: first run {one * 1000:6.0f} ms   second run {two * 1000:6.0f} ms"
                )
            slow = sum(1 for _, second in pairs if second >= WRITE_TARGET_P95_S)
            print(
                f"  second run over {WRITE_TARGET_P95_S:.0f} s in {slow} of {PAIRS} pairs; "
                f"inbox wakes skipped by APScheduler (job already running): "
                f"{skips.skipped['inbox'] - skipped_before} here, "
                f"{skips.skipped['inbox']} in the whole run"
            )
            deliveries = sb.deliveries()
            first_try = sum(1 for d in deliveries if d["attempts"][:1] == ["200"])
        print(
            f"\nsandbox webhook deliveries: {len(deliveries)}, answered 200 on the first attempt: "
            f"{first_try}"
        )
        verdicts = {
            "(a) ack p99, idle worker": ack_idle,
            "(a) ack p99, busy worker": ack_busy,
            "(b) event to description p95": write_ok,
        }
        print("; ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in verdicts.items()))
        print("all targets met" if all(verdicts.values()) else "some targets missed")
        return 0
    finally:
        ctx.close()
        sb.stop()
        tmp.cleanup()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # the run itself broke, not a missed target
        import traceback

        traceback.print_exc()
        print(f"benchmark failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
