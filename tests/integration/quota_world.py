"""A quota world: N connected runners with history, against the sandbox, on one moving clock.

The helpers the quota work (issue 12) needs, shared by its tests and ``benchmarks/bench_quota.py``:

- ``quota_world``/``open_quota_world`` (a): N seeded runners (``sandbox/population.py``: habits,
  time zones, upload times) connected through the real connect service, their history synced,
  optionally a push subscription with the real web app under uvicorn receiving the sandbox's
  webhook POSTs, and one clock for both sides: the product's ``ctx.clock`` *is* the sandbox's
  clock, which only moves when ``QuotaWorld.step`` moves it (never real sleeping).
- ``calls_since`` (b): the sandbox's calls per athlete and endpoint class since a ``mark``.
- ``upload_run`` (c): a run uploaded for an athlete at the current sandbox time, with or without
  its ``create`` webhook.
- ``SimulatedWorker`` and ``run_day``: the embedded worker's schedule on that clock, in the
  calling thread (``jobs.scheduled_sync`` when the product has it, else today's cron sync).

In a test (the fixture is imported into ``tests/integration/conftest.py``)::

    def test_a_new_run_costs_one_get_and_one_put(quota_world: Callable[..., QuotaWorld]) -> None:
        world = quota_world(10)
        worker = SimulatedWorker(world)
        worker.after_step(0)  # midnight's scheduled jobs
        worker.after_step(world.step(60))
        mark = world.sandbox.traffic()
        upload_run(world, world.athlete_ids[0], description="left shin sore 4/10")
        worker.after_step(1, scheduled=False)  # the event wakes the inbox job, nothing else
        assert calls_since(world.sandbox, mark)[world.athlete_ids[0]] == {"detail": 1, "put": 1}

Why the setup happens before the day: the connect-time backfill of 200 runners is ~17,000 calls,
which no default quota allows. So the world is built ``SETUP_LEAD`` before ``day_start`` (an
earlier 15-minute window and UTC day) with the sandbox's limits raised, then the default quota
(100 reads / 15 min, 1,000 / day) is restored, the clock moves to ``day_start`` and the traffic
recorder is reset: everything counted afterwards is the day's own, for both Strava's limiter and
the product's rate budget (whose windows are keyed by time).
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.triggers.cron import CronTrigger
from tests.integration.servers import free_port, web_server

from strava_rehab.context import AppContext, open_context
from strava_rehab.db import gateway
from strava_rehab.sandbox import PopulationSpec, Sandbox, SandboxConfig, TrafficReport
from strava_rehab.sandbox.population import make_habits, plan_between, spike_start
from strava_rehab.services import connect as athletes
from strava_rehab.services import jobs, subscription
from strava_rehab.settings import load_settings
from strava_rehab.strava.rate_budget import UnlimitedBudget
from strava_rehab.worker import cron

CLIENT_ID = 12345
CLIENT_SECRET = "sandbox-secret-for-quota"
# A Tuesday at midnight UTC: the simulated day is exactly one of Strava's daily quota windows.
DAY_START = datetime(2026, 11, 24, tzinfo=UTC)
# Setup (connect, backfill, subscribe) happens this long before the day: another 15-minute
# window and another UTC day, so none of it is counted against the day's quota.
SETUP_LEAD = timedelta(minutes=20)
SETUP_LIMITS = (10_000_000, 100_000_000)  # (15 min, day): the backfill never waits
DEFAULT_OVERALL = (200, 2_000)  # Strava's default quota, as the sandbox ships it
DEFAULT_READ = (100, 1_000)
DELIVERY_WAIT_S = 120.0  # a ceiling: a jump over hours may carry hundreds of events
SETUP_SYNC_ROUNDS = 50  # a backfill spread over passes may take several


@dataclass
class QuotaWorld:
    """Connected runners and the product, on the sandbox's clock (see the module docstring)."""

    sandbox: Sandbox
    ctx: AppContext
    spec: PopulationSpec
    athlete_ids: list[int]
    day_start: datetime
    web_url: str | None  # the web app receiving webhooks, when subscribed
    _fired: int = 0
    _delivered: int = 0
    uploads: dict[int, datetime] = field(default_factory=dict)  # activity id -> upload time

    @property
    def subscribed(self) -> bool:
        return self.web_url is not None

    def now(self) -> datetime:
        return self.sandbox.now()

    def step(self, seconds: float = 60.0) -> int:
        """Move the one clock on by ``seconds``, firing the sandbox's scheduled events at their
        own due times, and wait (real time, briefly) until their webhooks were delivered.
        Returns how many events reached the web app in this step."""
        self.sandbox.advance_time(seconds)
        fired = int(self.sandbox.schedule()["fired"])
        if fired == self._fired:
            return 0  # nothing happened in the world: skip reading the delivery log
        self._fired = fired
        return self._collect_deliveries()

    def _collect_deliveries(self) -> int:
        if not self.subscribed:
            return 0
        if not self.sandbox.wait_for_deliveries(DELIVERY_WAIT_S):
            raise RuntimeError(f"webhook deliveries still pending after {DELIVERY_WAIT_S:.0f} s")
        delivered = sum(1 for d in self.sandbox.deliveries() if d["delivered"])
        new, self._delivered = delivered - self._delivered, delivered
        return new

    def schedule_day(self, start: datetime | None = None, days: float = 1.0) -> int:
        """Plan every runner's uploads in ``[start, start + days)`` (default: the world's day)
        from their habits, as the population would; returns how many uploads were planned."""
        start = start or self.day_start
        end = start + timedelta(days=days)
        seeded_at = self.day_start - SETUP_LEAD
        planned = 0
        for index in range(self.spec.athletes):
            habits = make_habits(self.spec, index)
            for run in plan_between(self.spec, habits, start, end, spike_start(habits, seeded_at)):
                self.sandbox.schedule_event(
                    "upload",
                    habits.athlete_id,
                    run.upload_at,
                    {**run.fields, "start_date": run.start},
                )
                planned += 1
        return planned

    def uploaded_runs(self) -> dict[int, datetime]:
        """Every run uploaded since the world was built: activity id -> upload time (sandbox)."""
        fired = self.sandbox.schedule(include_fired=True)["fired_log"]
        found = {
            int(entry["activity_id"]): datetime.fromisoformat(entry["fired_at"])
            for entry in fired
            if entry["kind"] == "upload" and entry["activity_id"] is not None
        }
        return {**found, **self.uploads}


@contextmanager
def open_quota_world(
    data_dir: Path,
    athletes_count: int,
    *,
    webhooks: bool = True,
    history_days: int = 42,
    seed: int = 1,
    day_start: datetime = DAY_START,
    **settings: Any,
) -> Iterator[QuotaWorld]:
    """Build a world (``quota_world`` is the pytest form); leaving the block stops everything.

    ``settings`` override the product's settings (``load_settings`` keywords)."""
    with ExitStack() as stack:
        yield _build(
            stack, data_dir, athletes_count, webhooks, history_days, seed, day_start, settings
        )


def _build(
    stack: ExitStack,
    data_dir: Path,
    count: int,
    webhooks: bool,
    history_days: int,
    seed: int,
    day_start: datetime,
    overrides: dict[str, Any],
) -> QuotaWorld:
    sb = Sandbox(
        SandboxConfig(
            port=0,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            seed=False,
            now=day_start - SETUP_LEAD,
            overall_limits=SETUP_LIMITS,
            read_limits=SETUP_LIMITS,
            delivery_backoff_s=0.05,
        )
    )
    sb.start()
    stack.callback(sb.stop)
    # No uploads scheduled at seeding time: the day's are planned once the day starts.
    spec = PopulationSpec(
        athletes=count, seed=seed, history_days=history_days, schedule_days=0, authorize=False
    )
    sb.seed_population(spec)
    port = free_port()
    settings = load_settings(
        data_dir=data_dir,
        strava_url=sb.url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        public_url=f"http://127.0.0.1:{port}",
        max_athletes=max(count, 10),
        # A 429 is never waited out in real time: the product resumes on a later run.
        **{"rate_limit_max_wait_s": 0, **overrides},
    )
    ctx = open_context(settings, clock=sb.now, backoff_s=0.01)
    stack.callback(ctx.close)
    # Setup is not measured and its limits are huge: the budget's two transactions per call
    # (reserve, observe) would be 40 % of its time. The day runs on the product's own budget.
    day_budget, ctx.http.budget = ctx.http.budget, UnlimitedBudget()
    ids = [spec.first_athlete_id + i for i in range(count)]
    for athlete_id in ids:
        # The real connect service: an OAuth code exchanged at /oauth/token, the grant stored.
        code = sb.issue_code(athlete_id, settings.scopes)
        athletes.complete_connect(ctx, code["code"], code["scope"], None)
    web_url = None
    if webhooks:
        web_url = stack.enter_context(web_server(ctx, port))
        _, verify = subscription.webhook_secrets(ctx)
        sub_id = ctx.app().create_subscription(subscription.callback_url(ctx), verify)
        subscription.save_subscription(ctx, {"id": sub_id})
    # The connect-time backfill and the first suggestions, by today's job, else the scheduler's.
    setup_sync = getattr(jobs, "sync_and_suggest", None) or getattr(jobs, "scheduled_sync", None)
    if setup_sync is None:
        raise RuntimeError("jobs has neither sync_and_suggest nor scheduled_sync")
    for _ in range(SETUP_SYNC_ROUNDS):
        setup_sync(ctx, threading.Event())
        if all(gateway.sync_state(ctx.db, a).backfill_done for a in ids):
            break
    else:
        raise RuntimeError(f"the backfill did not finish in {SETUP_SYNC_ROUNDS} rounds")
    ctx.http.budget = day_budget
    sb.set_limits(DEFAULT_OVERALL, DEFAULT_READ)
    sb.advance_until(day_start)
    sb.reset_traffic()
    world = QuotaWorld(sb, ctx, spec, ids, day_start, web_url)
    world._fired = int(sb.schedule()["fired"])
    world._delivered = sum(1 for d in sb.deliveries() if d["delivered"])
    return world


@pytest.fixture
def quota_world(tmp_path: Path) -> Iterator[Callable[..., QuotaWorld]]:
    """Factory: ``quota_world(10, webhooks=True, **settings)`` builds a world (see the module
    docstring) and tears it down after the test. Plan uploads with ``world.schedule_day()``,
    move time with ``world.step()``, run the worker's jobs with ``SimulatedWorker``."""
    with ExitStack() as stack:
        built = 0

        def factory(athletes_count: int = 10, **options: Any) -> QuotaWorld:
            nonlocal built
            built += 1
            data_dir = tmp_path / f"world-{built}"
            return stack.enter_context(open_quota_world(data_dir, athletes_count, **options))

        yield factory


def calls_since(sandbox: Sandbox, mark: TrafficReport) -> dict[int, dict[str, int]]:
    """Calls per athlete and endpoint class (``list``, ``detail``, ``put``, ``athlete``,
    ``token_refresh``, ``other``) since ``mark = sandbox.traffic()`` was taken; athletes and
    classes without calls are left out. The recorder is not reset, so marks can nest."""
    now = sandbox.traffic()
    result: dict[int, dict[str, int]] = {}
    for athlete_id, traffic in now.by_athlete.items():
        before = mark.by_athlete.get(athlete_id)
        counts = {
            name: count - (before.by_class.get(name, 0) if before else 0)
            for name, count in traffic.by_class.items()
        }
        counts = {name: count for name, count in counts.items() if count}
        if counts:
            result[athlete_id] = counts
    return result


def upload_run(world: QuotaWorld, athlete_id: int, *, webhook: bool = True, **fields: Any) -> int:
    """A run uploaded now (it ended a few minutes ago), with its ``create`` webhook delivered
    to the web app before this returns (``webhook=False``: Strava never sends it). ``fields``
    override the defaults (an easy 8 km). Returns the activity id."""
    moving, elapsed = fields.pop("moving_time", 2600), fields.pop("elapsed_time", 2700)
    start = world.now() - timedelta(seconds=elapsed + 180)
    values = {
        "name": "Morning Run",
        "sport_type": "Run",
        "distance": 8000.0,
        "moving_time": moving,
        "elapsed_time": elapsed,
        "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        **fields,
    }
    add = world.sandbox.add_activity if webhook else world.sandbox.add_activity_unannounced
    activity_id = int(add(athlete_id, **values)["id"])
    world.uploads[activity_id] = world.now()
    if webhook:
        world._collect_deliveries()
    return activity_id


class SimulatedWorker:
    """The embedded worker's jobs on the world's clock, run in the calling thread.

    ``after_step(delivered)`` is called after each ``world.step``: events delivered in the step
    wake the inbox job at once (as a webhook wakes it in ``worker/``), and every ``tick_s`` of
    simulated time the scheduled jobs run: the inbox job (its interval), then
    ``jobs.scheduled_sync(ctx, stop)`` when the product has it (the scheduler deciding itself
    who is due), else today's ``jobs.sync_and_suggest`` whenever the ``worker.sync_cron``
    schedule is due; then ``jobs.send_outbox``. ``runs`` and ``seconds`` count each job.
    """

    def __init__(self, world: QuotaWorld, tick_s: float = 300.0) -> None:
        self.ctx = world.ctx
        self.stop = threading.Event()
        self.tick = timedelta(seconds=tick_s)
        self.scheduled: Callable[[AppContext, threading.Event], object] | None = getattr(
            jobs, "scheduled_sync", None
        )
        now = world.now()
        self._next_tick = now
        self._cron: CronTrigger | None = None
        self._next_sync: datetime | None = None
        if self.scheduled is None:  # today's worker: the sync runs on its cron schedule
            settings = world.ctx.settings.worker
            self._cron = cron(settings.sync_cron, settings.timezone, "sync_cron")
            self._next_sync = self._cron.get_next_fire_time(None, now)
        self.runs: dict[str, int] = {"inbox": 0, "sync": 0, "outbox": 0}
        self.seconds: dict[str, float] = {"inbox": 0.0, "sync": 0.0, "outbox": 0.0}  # wall time

    def _run(self, name: str, job: Callable[[AppContext, threading.Event], object]) -> None:
        started = time.perf_counter()
        try:
            job(self.ctx, self.stop)
        finally:
            self.runs[name] += 1
            self.seconds[name] += time.perf_counter() - started

    @property
    def mode(self) -> str:
        return "jobs.scheduled_sync" if self.scheduled else "sync_cron + jobs.sync_and_suggest"

    def after_step(self, delivered: int, *, scheduled: bool = True) -> None:
        """React to one step; ``scheduled=False`` drains the inbox but runs no scheduled job
        (the step that ends a measured day: the next day's jobs are not the day's)."""
        if delivered:
            self._run("inbox", jobs.drain_inbox)
        now = self.ctx.clock()
        if not scheduled or now < self._next_tick:
            return
        while self._next_tick <= now:
            self._next_tick += self.tick
        if not delivered:
            # The real inbox job also runs every few seconds: events left pending (a budget
            # pause, a failed fetch) are retried at the tick, not only at the next webhook.
            self._run("inbox", jobs.drain_inbox)
        if self.scheduled is not None:
            self._run("sync", self.scheduled)
        elif self._cron is not None and self._next_sync is not None and self._next_sync <= now:
            self._run("sync", jobs.sync_and_suggest)
            while self._next_sync is not None and self._next_sync <= now:
                self._next_sync = self._cron.get_next_fire_time(self._next_sync, now)
        self._run("outbox", jobs.send_outbox)


def run_day(
    world: QuotaWorld, worker: SimulatedWorker, *, step_s: float = 60.0, days: float = 1.0
) -> None:
    """Step the world through ``days`` from now, the worker reacting after every step."""
    worker.after_step(0)  # the day's first tick (a cron due at midnight runs now)
    end = world.now() + timedelta(days=days)
    while world.now() < end:
        delivered = world.step(min(step_s, (end - world.now()).total_seconds()))
        worker.after_step(delivered, scheduled=world.now() < end)


@contextmanager
def temporary_world(athletes_count: int, **options: Any) -> Iterator[QuotaWorld]:
    """Outside pytest (the benchmark): a world in a temporary directory."""
    with (
        tempfile.TemporaryDirectory(prefix="quota-world-") as tmp,
        open_quota_world(Path(tmp) / "data", athletes_count, **options) as world,
    ):
        yield world
