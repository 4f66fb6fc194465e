"""How much of Strava's quota one simulated day costs, per athlete and per new run (issue 12).

Run on demand: ``.venv/bin/python benchmarks/bench_quota.py`` (``--quick``: 10 athletes only;
``--athletes 10,50,200``, ``--webhooks on,off,both``, ``--history-days``, ``--seed``).

For each configuration, N seeded runners (``sandbox/population.py``: habits, time zones, usual
upload times) with 42 days of history are connected through the real connect service and their
initial sync is done (not counted: see ``tests/integration/quota_world.py``). Then one UTC day
runs against the sandbox with its default quota (100 reads / 15 min, 1,000 / day, app-wide):
every runner uploads two runs at their usual times, the clock moves in steps of one simulated
minute (never real sleeping) and the embedded worker is simulated in this process
(``SimulatedWorker``): the inbox drained after every step with webhook deliveries, and every 5
simulated minutes ``jobs.scheduled_sync`` if the product has one, else today's
``jobs.sync_and_suggest`` whenever ``worker.sync_cron`` is due, then ``jobs.send_outbox``. With
webhooks on, the real web app under uvicorn receives the sandbox's event POSTs.

Counted from the sandbox's traffic report: calls per athlete-day (every call of the day that
counts toward the read quota, divided by N: listings, detail GETs, PUTs, athlete, and the app's
own such as subscription checks; OAuth token refreshes are free), calls per new run (detail GETs
and PUTs of the runs uploaded that day; PUTs of earlier runs are shown apart), 429s, the day's
and the busiest 15 minutes' reads. A run is *suggested* when its block was first PUT into its
description (the sandbox records that PUT's time) or, for a run whose decision has nothing to say
(no block to write), when our database stored that decision; "within 5 min" is from the upload.
"budget refusals" are calls the product's own rate budget held back. Once that budget has
nothing left for the UTC day, no call can reach Strava before the day ends, so the rest of the
day is one clock jump (its uploads still fire; the refusals after it are not counted: ">=").

Targets (issue 12): with webhooks at most 6 calls per athlete-day, 200 athletes inside the
default daily quota (no 429, no refusal, at most 1,000 reads) and every run suggested within 5
minutes; without webhooks at most 30 calls per athlete-day; per new run at most 2 calls (GET,
PUT) plus at most one second look (at most 2 GETs and 1 PUT each).
"""

from __future__ import annotations

import argparse
import logging
import math
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy import select

from strava_rehab.context import AppContext
from strava_rehab.db.models import SuggestionRow
from strava_rehab.strava.errors import RateLimitReached

# The quota world the integration tests use (run from the repository root).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.integration.quota_world import (
    DEFAULT_READ,
    QuotaWorld,
    SimulatedWorker,
    temporary_world,
)

SIZES = (10, 50, 200)
QUICK_SIZES = (10,)
WITHIN = timedelta(minutes=5)
STEP_S = 60.0  # one simulated minute per clock step
WEBHOOK_CALLS_PER_ATHLETE_DAY = 6.0
POLLING_CALLS_PER_ATHLETE_DAY = 30.0
MAX_GETS_PER_RUN = 2  # one read, plus at most one second look
MAX_PUTS_PER_RUN = 1
QUOTA_ATHLETES = 200  # "200 athletes inside the default daily quota"


class UsageError(Exception):
    """Bad command-line input: one line, exit 1."""


@dataclass
class Row:
    athletes: int
    webhooks: bool
    worker_mode: str = ""
    setup_s: float = 0.0
    day_s: float = 0.0
    job_s: dict[str, float] = field(default_factory=dict)
    quota_calls: int = 0  # this day's calls that count toward the read quota
    unattributed: int = 0  # of which the app's own, no athlete's
    by_class: dict[str, int] = field(default_factory=dict)
    new_runs: int = 0
    new_run_gets: list[int] = field(default_factory=list)
    new_run_puts: list[int] = field(default_factory=list)
    earlier_puts: int = 0
    latencies_s: list[float] = field(default_factory=list)  # suggested runs only
    blocks_written: int = 0
    nothing_to_say: int = 0
    never: int = 0
    rate_limited: int = 0
    refusals: int = 0
    day_reads: int = 0
    peak_window_reads: int = 0
    warnings: Counter[str] = field(default_factory=Counter)
    budget_spent_at: datetime | None = None  # the day was cut short there (see simulate_day)

    @property
    def per_athlete_day(self) -> float:
        return self.quota_calls / self.athletes

    @property
    def starved(self) -> bool:
        """The product's own budget refused calls: it needed more than it was let spend, so
        the calls counted are a floor of its need, not its need."""
        return self.refusals > 0 or self.budget_spent_at is not None

    def calls_shown(self) -> str:
        return f"{'>=' if self.starved else ''}{self.per_athlete_day:.1f}"

    def calls_within(self, target: float) -> bool:
        return not self.starved and self.per_athlete_day <= target

    @property
    def per_new_run(self) -> float:
        return (sum(self.new_run_gets) + sum(self.new_run_puts)) / max(1, self.new_runs)

    @property
    def within(self) -> int:
        return sum(1 for s in self.latencies_s if s <= WITHIN.total_seconds())

    @property
    def within_share(self) -> float:
        return self.within / max(1, self.new_runs)

    @property
    def inside_quota(self) -> bool:
        return self.rate_limited == 0 and self.refusals == 0 and self.day_reads <= DEFAULT_READ[1]

    @property
    def per_run_ok(self) -> bool:
        return (
            max(self.new_run_gets, default=0) <= MAX_GETS_PER_RUN
            and max(self.new_run_puts, default=0) <= MAX_PUTS_PER_RUN
        )


class WarningCounter(logging.Handler):
    """Counts the product's warnings (budget pauses, mostly) instead of printing each one."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        # Figures vary per message ("950 of 1000 used"): count by logger and its first words.
        self.seen[f"{record.name}: {' '.join(record.getMessage().split()[:4])}"] += 1


def count_refusals(ctx: AppContext) -> Callable[[], int]:
    """Wrap the product's rate budget (here, not in the product) to count the calls it held
    back; returns a reader of the count."""
    budget = ctx.http.budget
    reserve = budget.reserve
    refused = [0]

    def counted(kind: Any, now: datetime) -> None:
        try:
            reserve(kind, now)
        except RateLimitReached:
            refused[0] += 1
            raise

    budget.reserve = counted  # type: ignore[method-assign]
    return lambda: refused[0]


def decisions(ctx: AppContext, activity_ids: set[int]) -> dict[int, tuple[str, datetime]]:
    """Our database's decision per run: (kind, when it was first decided)."""
    with ctx.db.transaction() as session:
        rows = session.execute(
            select(SuggestionRow.activity_id, SuggestionRow.kind, SuggestionRow.created_at)
        ).all()
    return {int(a): (str(k), c) for a, k, c in rows if int(a) in activity_ids}


def aware(instant: datetime, like: datetime) -> datetime:
    """SQLite hands datetimes back naive (UTC): compare them with the sandbox's aware ones."""
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=like.tzinfo)


def measure(athletes: int, webhooks: bool, history_days: int, seed: int) -> Row:
    row = Row(athletes, webhooks)
    started = time.perf_counter()
    with temporary_world(athletes, webhooks=webhooks, history_days=history_days, seed=seed) as w:
        row.setup_s = time.perf_counter() - started
        planned = w.schedule_day()
        refusals = count_refusals(w.ctx)
        worker = SimulatedWorker(w)
        row.worker_mode = worker.mode
        started = time.perf_counter()
        row.budget_spent_at = simulate_day(w, worker)
        row.day_s = time.perf_counter() - started
        row.job_s = dict(worker.seconds)
        row.refusals = refusals()
        collect(row, w, planned)
    return row


def daily_budget_spent(ctx: AppContext) -> bool:
    """True when the product's own rate budget refuses every further call of this UTC day."""
    snapshot = getattr(ctx.http.budget, "snapshot", None)
    if snapshot is None:  # another budget: never assume it is spent
        return False
    usage: dict[str, tuple[int, int]] = snapshot(ctx.clock())
    margin = ctx.settings.rate_safety_margin
    return any(
        used + 1 > max(1, math.floor(limit * margin))
        for name, (used, limit) in usage.items()
        if name.endswith("_day")
    )


def simulate_day(world: QuotaWorld, worker: SimulatedWorker) -> datetime | None:
    """``run_day``, but once the product's daily budget is spent the rest of the day is one
    jump: no call can reach Strava before midnight UTC (the end of the day) whatever the jobs
    do, so the counts are those of the whole day; the remaining uploads still fire (their
    events wait in the inbox). Returns when the budget was found spent, or None."""
    end = world.day_start + timedelta(days=1)
    worker.after_step(0)
    while world.now() < end:
        delivered = world.step(min(STEP_S, (end - world.now()).total_seconds()))
        worker.after_step(delivered, scheduled=world.now() < end)
        now = world.now()
        if now < end and now.minute % 5 == 0 and daily_budget_spent(world.ctx):
            world.step((end - now).total_seconds())
            return now
    return None


def collect(row: Row, world: QuotaWorld, planned: int) -> None:
    traffic = world.sandbox.traffic()
    row.by_class = {k: v for k, v in traffic.by_class.items() if v}
    # Every call that counts toward the quota, the app's own (subscription checks) included:
    # the product's calls are all "non-upload", so they count toward the read limit too.
    row.day_reads = sum(d.counted for d in traffic.by_day)
    row.quota_calls = row.day_reads
    row.unattributed = traffic.unattributed
    row.rate_limited = traffic.rate_limited
    row.peak_window_reads = max((w.counted for w in traffic.by_window), default=0)
    uploads = world.uploaded_runs()
    row.new_runs = len(uploads)
    if row.new_runs != planned:
        raise RuntimeError(f"{planned} uploads planned but {row.new_runs} fired")
    decided = decisions(world.ctx, set(uploads))
    for activity_id, uploaded_at in uploads.items():
        seen = traffic.by_activity.get(activity_id)
        row.new_run_gets.append(seen.detail if seen else 0)
        row.new_run_puts.append(seen.put if seen else 0)
        if seen is not None and seen.first_put_at is not None:
            row.blocks_written += 1
            row.latencies_s.append((seen.first_put_at - uploaded_at).total_seconds())
        elif activity_id in decided and decided[activity_id][0] == "none":
            row.nothing_to_say += 1
            when = aware(decided[activity_id][1], uploaded_at)
            row.latencies_s.append((when - uploaded_at).total_seconds())
        else:
            row.never += 1
    row.earlier_puts = sum(
        seen.put for activity_id, seen in traffic.by_activity.items() if activity_id not in uploads
    )


def mode_name(webhooks: bool) -> str:
    return "on" if webhooks else "off"


def print_table(rows: list[Row]) -> None:
    print()
    print(
        f"{'N':>4} {'hooks':>5} | {'calls/athl-day':>14} {'calls/new run':>13} "
        f"{'max GET/PUT':>11} {'earlier PUTs':>12} | {'runs':>4} {'<=5 min':>8} "
        f"{'p50':>6} {'never':>5} | {'429s':>4} {'refused':>7} {'day reads':>9} "
        f"{'peak 15m':>8} | {'wall s':>6}"
    )
    print("-" * 136)
    for r in rows:
        p50 = f"{statistics.median(r.latencies_s) / 60:.1f}m" if r.latencies_s else "-"
        print(
            f"{r.athletes:>4} {mode_name(r.webhooks):>5} | {r.calls_shown():>14} "
            f"{r.per_new_run:>13.2f} "
            f"{f'{max(r.new_run_gets, default=0)}/{max(r.new_run_puts, default=0)}':>11} "
            f"{r.earlier_puts:>12} | {r.new_runs:>4} {r.within_share:>8.0%} {p50:>6} "
            f"{r.never:>5} | {r.rate_limited:>4} {refused(r):>7} "
            f"{f'{r.day_reads}/{DEFAULT_READ[1]}':>9} "
            f"{f'{r.peak_window_reads}/{DEFAULT_READ[0]}':>8} | {r.setup_s + r.day_s:>6.0f}"
        )
    print()
    for r in rows:
        jobs = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in r.job_s.items())
        gets, puts = sum(r.new_run_gets), sum(r.new_run_puts)
        print(
            f"N={r.athletes} webhooks {mode_name(r.webhooks)}: calls {r.by_class} "
            f"({r.unattributed} the app's own); new runs: "
            f"{gets} GETs, {puts} PUTs; suggested: {r.blocks_written} blocks written, "
            f"{r.nothing_to_say} decided with nothing to write, {r.never} never; "
            f"wall: setup {r.setup_s:.0f} s, day {r.day_s:.0f} s (in product jobs: {jobs})"
        )
        if r.budget_spent_at is not None:
            print(
                f"    the product's daily budget was spent at {r.budget_spent_at:%H:%M} UTC: "
                "the rest of the day was one jump (no call could be made before midnight)"
            )
        for message, count in r.warnings.most_common(3):
            print(f"    product warning x{count}: {message} ...")


def refused(row: Row) -> str:
    # After the jump no job ran, so the calls they would have been refused are not counted.
    return f">={row.refusals}" if row.budget_spent_at else str(row.refusals)


def verdict(label: str, results: list[tuple[str, bool]]) -> bool:
    if not results:
        return True
    met = all(ok for _, ok in results)
    shown = "; ".join(text for text, _ in results)
    print(f"{'met' if met else 'MISSED':>6}  {label}: {shown}")
    return met


def print_verdicts(rows: list[Row]) -> bool:
    hooked = [r for r in rows if r.webhooks]
    polled = [r for r in rows if not r.webhooks]
    print()
    if any(r.starved for r in rows):
        print(
            "  >= : the product's own budget refused calls, so it needed more than it spent; "
            "a calls target is not met by a day the quota cut short"
        )
    checks = [
        verdict(
            f"with webhooks, at most {WEBHOOK_CALLS_PER_ATHLETE_DAY:.0f} calls per athlete-day",
            [
                (f"N={r.athletes} {r.calls_shown()}", r.calls_within(WEBHOOK_CALLS_PER_ATHLETE_DAY))
                for r in hooked
            ],
        ),
        verdict(
            f"with webhooks, {QUOTA_ATHLETES} athletes inside the default daily quota "
            f"(no 429, no refusal, <= {DEFAULT_READ[1]} reads)",
            [
                (
                    f"N={r.athletes} {r.day_reads} reads, {r.rate_limited} 429s, "
                    f"{r.refusals} refused",
                    r.inside_quota,
                )
                for r in hooked
                if r.athletes == QUOTA_ATHLETES
            ],
        ),
        verdict(
            "with webhooks, every run suggested within 5 minutes of upload",
            [(f"N={r.athletes} {r.within}/{r.new_runs}", r.within == r.new_runs) for r in hooked],
        ),
        verdict(
            f"without webhooks, at most {POLLING_CALLS_PER_ATHLETE_DAY:.0f} calls per athlete-day",
            [
                (f"N={r.athletes} {r.calls_shown()}", r.calls_within(POLLING_CALLS_PER_ATHLETE_DAY))
                for r in polled
            ],
        ),
        verdict(
            f"per new run at most {MAX_GETS_PER_RUN} GETs (one + a second look) and "
            f"{MAX_PUTS_PER_RUN} PUT",
            [
                (
                    f"N={r.athletes} {mode_name(r.webhooks)} max "
                    f"{max(r.new_run_gets, default=0)}/{max(r.new_run_puts, default=0)}",
                    r.per_run_ok,
                )
                for r in rows
            ],
        ),
    ]
    if not any(r.athletes == QUOTA_ATHLETES and r.webhooks for r in rows):
        print(f"{'-':>6}  the quota target needs {QUOTA_ATHLETES} athletes with webhooks on")
    return all(checks)


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see --help)")


def parse_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise UsageError(f"--athletes takes numbers like 10,50,200, got {text!r}") from None
    if not sizes or any(not 1 <= n <= 1000 for n in sizes):
        raise UsageError(f"--athletes takes numbers from 1 to 1000, like 10,50,200; got {text!r}")
    return sizes


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = Parser(
        description="One simulated day against the sandbox's default quota (issue 12).",
    )
    parser.add_argument("--athletes", default=",".join(map(str, SIZES)), help="e.g. 10,50,200")
    parser.add_argument("--webhooks", default="both", choices=("on", "off", "both"))
    parser.add_argument("--quick", action="store_true", help="10 athletes only")
    parser.add_argument("--history-days", type=int, default=42, help="history before the day")
    parser.add_argument("--seed", type=int, default=1, help="the population's seed")
    args = parser.parse_args(argv)
    args.sizes = QUICK_SIZES if args.quick else parse_sizes(args.athletes)
    args.modes = {"on": (True,), "off": (False,), "both": (True, False)}[args.webhooks]
    if not 0 <= args.history_days <= 365:
        raise UsageError(f"--history-days takes 0 to 365, got {args.history_days}")
    return args


def main(argv: Sequence[str]) -> int:
    try:
        args = parse_args(argv)
    except UsageError as exc:
        print(f"bench_quota: {exc}", file=sys.stderr)
        return 1
    product_log = logging.getLogger("strava_rehab")
    warnings = WarningCounter()
    product_log.addHandler(warnings)
    product_log.propagate = False
    rows = []
    for webhooks in args.modes:
        for athletes in args.sizes:
            print(
                f"N={athletes} webhooks {mode_name(webhooks)}: connecting, backfilling, "
                "then one simulated day...",
                flush=True,
            )
            warnings.seen = Counter()
            row = measure(athletes, webhooks, args.history_days, args.seed)
            row.warnings = warnings.seen
            rows.append(row)
            print(
                f"  {row.calls_shown()} calls per athlete-day, "
                f"{row.within}/{row.new_runs} runs suggested within 5 min "
                f"({row.setup_s + row.day_s:.0f} s; worker: {row.worker_mode})",
                flush=True,
            )
    print_table(rows)
    met = print_verdicts(rows)
    print("all targets met" if met else "some targets missed")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as exc:  # the run itself broke, not a missed target
        import traceback

        traceback.print_exc()
        print(f"benchmark failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
