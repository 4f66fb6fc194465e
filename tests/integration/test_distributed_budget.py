"""A spent Strava window inside a distributed task: the job ends and is queued again for the
reset (the next quarter hour UTC, or midnight UTC for a daily limit); no worker sleeps for it,
no job fails, nothing is lost, and the queued job does the work once the window has reset.

The worker is procrastinate's own (in this process, ``wait=False``: it runs what is due and
returns) on PostgreSQL. Our clock and the sandbox's are one fake clock, a day ahead of the real
one, so every reset we queue for is still in the future for PostgreSQL (procrastinate compares
``scheduled_at`` with the database's ``now()``), and "the window has reset" is the sandbox's
clock moved on plus the job's ``scheduled_at`` moved to the database's now.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal

import pytest
import requests
from cryptography.fernet import Fernet
from sqlalchemy import text
from tests.integration.conftest import CLIENT_ID, CLIENT_SECRET

from strava_rehab.context import AppContext, open_context
from strava_rehab.db.engine import upgrade
from strava_rehab.distributed.app import CATCH_UP_COVERS, DistributedApp, build_app
from strava_rehab.sandbox import Sandbox, SandboxConfig
from strava_rehab.services import connect as athletes
from strava_rehab.services import inbox as webhooks
from strava_rehab.settings import load_settings
from strava_rehab.strava.api import _grant
from strava_rehab.strava.events import EventPayload
from strava_rehab.strava.rate_budget import DatabaseRateBudget
from strava_rehab.text.description_block import START

pytestmark = [pytest.mark.postgres, pytest.mark.sandbox]

SCOPES = "read,activity:read_all,activity:write"
PAIN_NOTE = "left shin sore 4/10"
STANDARD = {"overall": (200, 2000), "read": (100, 1000)}
# What StravaHttp logs when it sleeps for a window about to turn over.
SLEPT = "the window resets in"

Task = Literal["sync_athlete", "post_run"]
Reset = Literal["quarter", "midnight"]


@dataclass(frozen=True)
class Case:
    id: str
    task: Task
    cause: str  # see spend()
    reset: Reset
    at: time = time(10, 7, 30)  # the fake clock's time of day

    def now(self) -> datetime:
        # Tomorrow (real time): every reset after it is in the future for PostgreSQL too.
        day = datetime.now(UTC).date() + timedelta(days=1)
        return datetime.combine(day, self.at, tzinfo=UTC)

    def expected(self, now: datetime) -> datetime:
        if self.reset == "midnight":
            return datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=UTC)
        return now.replace(minute=now.minute - now.minute % 15, second=0) + timedelta(minutes=15)


CASES = [
    # Strava answers 429: its 15-minute or its daily limit spent by calls we never made (the
    # usage headers say which), or a 429 whose headers show nothing spent.
    Case("sync-429-15min", "sync_athlete", "strava_15m", "quarter"),
    Case("sync-429-day", "sync_athlete", "strava_day", "midnight"),
    Case("sync-429-injected", "sync_athlete", "strava_fault", "quarter"),
    # Ten seconds before the window turns over: still queued for the reset, not slept out.
    Case("sync-429-10s-before-reset", "sync_athlete", "strava_15m", "quarter", time(10, 14, 50)),
    # The shared budget in our database is already spent by other processes.
    Case("sync-budget-15min", "sync_athlete", "budget_15m", "quarter"),
    Case("sync-budget-day", "sync_athlete", "budget_day", "midnight"),
    Case("post-run-429-15min", "post_run", "strava_15m", "quarter"),
    Case("post-run-429-day", "post_run", "strava_day", "midnight"),
    Case("post-run-429-10s-before-reset", "post_run", "strava_15m", "quarter", time(10, 14, 50)),
    Case("post-run-budget-15min", "post_run", "budget_15m", "quarter"),
    Case("post-run-budget-day", "post_run", "budget_day", "midnight"),
    # One call left: the run's detail is read, the description write is refused.
    Case("post-run-budget-runs-out-at-write", "post_run", "budget_one_left_15m", "quarter"),
    Case("post-run-day-runs-out-at-write", "post_run", "budget_one_left_day", "midnight"),
]


def spend(cause: str, sb: Sandbox, budget: DatabaseRateBudget, token: str) -> None:
    """Spend Strava's window (its own counts) or ours (the shared budget) as ``cause`` says."""

    def call_elsewhere() -> None:  # another app instance, not counted in our budget
        r = requests.get(
            sb.url + "/api/v3/athlete", headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
        assert r.status_code == 200

    # Calls already in the window (connecting reads the athlete's profile) count too.
    made = len([c for c in sb.calls() if str(c["path"]).startswith("/api/")])
    if cause == "strava_15m":
        sb.set_limits(overall=(made + 1, 1_000_000))
        call_elsewhere()
    elif cause == "strava_day":
        sb.set_limits(read=(1_000_000, made + 1))
        call_elsewhere()
    elif cause == "strava_fault":
        sb.inject_fault("429", count=1)
    else:
        usage = {
            "budget_15m": "200,300",
            "budget_day": "10,2000",
            "budget_one_left_15m": "189,300",  # 95 % of 200 is 190: one call left
            "budget_one_left_day": "10,1899",  # 95 % of 2,000 is 1,900: one call left
        }[cause]
        headers = {"X-RateLimit-Limit": "200,2000", "X-RateLimit-Usage": usage}
        budget.observe(headers, sb.now())


@pytest.fixture(params=CASES, ids=[c.id for c in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def clocked_sandbox(case: Case) -> Iterator[Sandbox]:
    sb = Sandbox(
        SandboxConfig(
            port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, seed=False, now=case.now()
        )
    )
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


@dataclass
class World:
    sb: Sandbox
    ctx: AppContext
    dapp: DistributedApp
    athlete_id: int
    activity_id: int
    token: str


@pytest.fixture
def world(clocked_sandbox: Sandbox, pg_url: str) -> Iterator[World]:
    sb = clocked_sandbox
    settings = load_settings(
        database_url=pg_url,
        secret_key=Fernet.generate_key().decode(),
        strava_url=sb.url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        runner="procrastinate",
    )
    ctx = open_context(settings, migrate=False, clock=sb.now, backoff_s=0.01)
    dapp = build_app(settings, clock=sb.now)
    # This test is about the job it queues: no periodic fan-out (sync_all...) joins in.
    dapp.app.periodic_registry.periodic_tasks.clear()
    try:
        upgrade(ctx.db.engine)
        athlete_id = int(sb.add_athlete("Rate", "Limited")["id"])
        tokens = sb.authorize(athlete_id)
        athletes.store_grant(ctx, _grant(tokens), SCOPES)
        run = sb.add_activity(
            athlete_id,
            start_date=(sb.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            name="Morning run",
            sport_type="Run",
            distance=8000.0,
            moving_time=2700,
            description=PAIN_NOTE,
        )
        yield World(sb, ctx, dapp, athlete_id, int(run["id"]), str(tokens["access_token"]))
    finally:
        dapp.contexts.close()
        ctx.close()


def queue(w: World, task: Task) -> None:
    if task == "sync_athlete":
        w.dapp.athlete_connected(w.ctx, w.athlete_id)  # what connecting queues
        return
    event = EventPayload(
        object_type="activity",
        object_id=w.activity_id,
        aspect_type="create",
        owner_id=w.athlete_id,
        subscription_id=1,
        event_time=int(w.sb.now().timestamp()),
        updates={},
    )
    # What serve does with a webhook: the event and its job in one transaction.
    assert webhooks.record_event(w.ctx, event, on_stored=w.dapp.event_stored).stored


def run_due_jobs(w: World) -> None:
    """procrastinate's worker runs every job that is due, then returns."""
    w.dapp.app.run_worker(
        wait=False,
        concurrency=1,
        fetch_job_polling_interval=0.1,
        listen_notify=False,
        install_signal_handlers=False,
        delete_jobs="never",  # keep the finished job's row to look at
    )


def job_rows(w: World) -> list[dict[str, Any]]:
    with w.ctx.db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, task_name, status::text AS status, scheduled_at, attempts, lock,"
                " queueing_lock, args FROM procrastinate_jobs ORDER BY id"
            )
        ).mappings()
        return [dict(r) for r in rows]


def described(w: World) -> bool:
    return START in (w.sb.activity(w.activity_id).get("description") or "")


def test_a_spent_window_queues_the_job_again_for_the_reset(
    case: Case, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    w = world
    caplog.set_level(logging.INFO, logger="strava_rehab")
    budget = DatabaseRateBudget(w.ctx.db, w.ctx.settings.rate_safety_margin)
    spend(case.cause, w.sb, budget, w.token)
    now = w.sb.now()
    reset = case.expected(now)
    queue(w, case.task)

    run_due_jobs(w)

    everything = job_rows(w)
    assert not [r for r in everything if r["status"] == "failed"], everything
    rows = [r for r in everything if r["task_name"] == case.task]  # (a notification may join)
    assert [(r["task_name"], r["status"]) for r in rows] == [
        (case.task, "succeeded"),  # it ended normally: no failure, no retry of its own
        (case.task, "todo"),  # ... and queued itself again
    ], rows
    ran, again = rows
    assert ran["attempts"] == 1  # ran once: not retried by procrastinate
    assert again["scheduled_at"] == reset, f"queued for {again['scheduled_at']}, not {reset}"
    assert again["attempts"] == 0
    assert again["args"] == {"athlete_id": w.athlete_id}
    assert again["lock"] == f"athlete:{w.athlete_id}"
    assert again["queueing_lock"] == ran["queueing_lock"]
    assert not any(SLEPT in r.getMessage() for r in caplog.records), "a worker slept"
    assert not described(w)  # the write did not happen (yet)
    assert w.sb.now() == now  # (the fake clock stands still: nothing waited on it either)

    # The window resets: Strava's counts roll over (and our tiny test limits are lifted),
    # our budget's window is a new one, and the queued job is due.
    w.sb.advance_time((reset - now).total_seconds())
    w.sb.set_limits(**STANDARD)
    w.sb.clear_faults()
    with w.ctx.db.engine.begin() as conn:
        conn.execute(
            text("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE id = :id"),
            {"id": again["id"]},
        )

    run_due_jobs(w)

    statuses = [(r["task_name"], r["status"]) for r in job_rows(w)]
    assert [s for s in statuses if s[0] == case.task] == [(case.task, "succeeded")] * 2, statuses
    assert {status for _, status in statuses} == {"succeeded"}, statuses
    assert described(w), "the rescheduled job wrote the suggestion"
    with w.ctx.db.engine.connect() as conn:
        pending = conn.execute(
            text("SELECT count(*) FROM webhook_events WHERE processed_at IS NULL")
        ).scalar_one()
    assert pending == 0


@pytest.mark.parametrize(
    "case", [Case("catch-up", "sync_athlete", "none", "quarter")], ids=["catch-up"]
)
def test_workers_started_together_sync_each_athlete_once(case: Case, world: World) -> None:
    """Each worker queues a catch-up fan-out as it starts; one that finished before the next
    worker is up must not be queued again (four workers would spend four first syncs each)."""
    w = world
    assert w.dapp.queue_catch_up(w.ctx)
    run_due_jobs(w)  # the fan-out and the athlete's first sync
    second = build_app(w.ctx.settings, clock=w.sb.now)  # another worker, a minute later
    try:
        w.sb.advance_time(60)
        assert not second.queue_catch_up(w.ctx)
        run_due_jobs(w)
        w.sb.advance_time(CATCH_UP_COVERS.total_seconds())
        assert second.queue_catch_up(w.ctx)  # a worker starting later still catches up
    finally:
        second.contexts.close()
    syncs = [
        (r["task_name"], r["status"]) for r in job_rows(w) if r["task_name"].startswith("sync")
    ]
    assert syncs == [
        ("sync_all", "succeeded"),
        ("sync_athlete", "succeeded"),
        ("sync_all", "todo"),
    ]
