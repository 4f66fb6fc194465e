"""Acceptance: `serve` and two workers on one database, SQLite and PostgreSQL, several rounds of
new runs with webhook events: no duplicate PUT, no crash, no lost notification.

The processes are real: `strava-rehab serve` (webhooks, holding the install's one scheduler, so
its inbox job handles each event as it arrives) and, every round, two `strava-rehab worker
--once` cycles started together (the cron/timer mode, which takes no scheduler lease and may run
beside it). All three sync, decide and write the same athletes' runs at the same time; the
sandbox answers slowly enough (50 ms a request) that their writes overlap.

What is asserted, from the sandbox's request log and the processes' own records:
- per activity, the PUTs equal the distinct block versions written (a block is never PUT twice);
- every process exits cleanly, with no traceback and no failed job in any log;
- every notification enqueued reached the sink exactly once (no process was killed here; a kill
  can repeat the one message being sent, see test_outbox_processes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select
from tests.integration.conftest import ContextFactory, browser
from tests.integration.processes import (
    SERVE_STOPPED,
    HoldingSink,
    Lines,
    healthz,
    product_env,
    start,
    stop,
    wait_for,
)
from tests.integration.servers import free_port

from strava_rehab.context import AppContext
from strava_rehab.db.engine import upgrade
from strava_rehab.db.models import Delivery, OutboxMessage, SuggestionRow, WebhookEvent
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import connect as athletes
from strava_rehab.services import jobs
from strava_rehab.services import subscription as subscription_service
from strava_rehab.text import description_block as blocks

ROUNDS = 3
NOTES = ("left shin sore 4/10 during the last 2k", "right knee 3/10 after, fine by morning")


@pytest.fixture
def sink() -> Iterator[HoldingSink]:
    s = HoldingSink()
    yield s
    s.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> dict[str, str]:
    """Settings for the shared database, as the processes' environment spells them."""
    if request.param == "sqlite":
        return {}
    return {
        "STRAVA_REHAB_DATABASE_URL": str(request.getfixturevalue("pg_url")),
        "STRAVA_REHAB_SECRET_KEY": Fernet.generate_key().decode(),
    }


def ours(ctx: AppContext, model: Any) -> list[Any]:
    with ctx.db.read() as session:
        return list(session.scalars(select(model)))


def lists_since(sandbox: Sandbox, index: int) -> int:
    calls = sandbox.calls()[index:]
    return sum(1 for c in calls if c["path"] == "/api/v3/athlete/activities")


def both_syncing(sandbox: Sandbox, index: int) -> bool:
    return lists_since(sandbox, index) >= 2


def pending_events(ctx: AppContext) -> int:
    with ctx.db.read() as session:
        count = session.scalar(
            select(func.count())
            .select_from(WebhookEvent)
            .where(WebhookEvent.processed_at.is_(None))
        )
        return int(count or 0)


def delivered(ctx: AppContext, activity_ids: list[int]) -> bool:
    rows = {s.activity_id: s for s in ours(ctx, SuggestionRow)}
    return all(a in rows and rows[a].delivered_hash for a in activity_ids)


def test_serve_and_two_workers_on_one_database_put_each_block_once_and_lose_nothing(
    make_ctx: ContextFactory,
    sandbox: Sandbox,
    sink: HoldingSink,
    database: dict[str, str],
    tmp_path: Path,
) -> None:
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    settings: dict[str, Any] = {
        "public_url": public_url,
        "detail_window_days": 7,
        "notify": {"urls": [sink.apprise_url]},
    }
    if database:
        settings["database_url"] = database["STRAVA_REHAB_DATABASE_URL"]
        settings["secret_key"] = database["STRAVA_REHAB_SECRET_KEY"]
    ctx = make_ctx(**settings)
    if database:
        upgrade(ctx.db.engine)  # an explicit step in the shared mode
    sandbox.set_quota_tier("extended")
    runners = [sandbox.seed_athlete_id]
    for name in ("Jonas", "Aiko"):
        runners.append(int(sandbox.add_athlete(name, "Runner")["id"]))
    for athlete_id in runners:
        sandbox.set_current_athlete(athlete_id)
        athletes.connect_with_loopback(ctx, browser, timeout_s=10)
    jobs.run_cycle(ctx)  # the backfill, once, before the processes meet

    env = product_env(
        tmp_path / "data",
        sandbox,
        [sink.apprise_url],
        STRAVA_REHAB_PUBLIC_URL=public_url,
        STRAVA_REHAB_DETAIL_WINDOW_DAYS="7",
        STRAVA_REHAB_WORKER__OUTBOX_INTERVAL_S="1",
        **database,
    )
    serve = start(env, "serve", "--port", str(port))
    serve_log = Lines(serve)
    logs: list[tuple[str, str]] = []
    try:
        wait_for(lambda: healthz(public_url) is not None, "serve to answer /healthz")
        assert (healthz(public_url) or {})["worker"]["scheduler"] == "running"
        # As `webhook subscribe` does: Strava checks serve's callback, then the id is kept.
        _, verify = subscription_service.webhook_secrets(ctx)
        callback = subscription_service.callback_url(ctx)
        subscription = ctx.app().create_subscription(callback, verify)
        subscription_service.save_subscription(ctx, {"id": subscription, "callback_url": callback})
        sandbox.set_latency(latency_s=0.05)  # every call takes a while: the writers overlap

        new_runs: list[int] = []
        for round_no in range(ROUNDS):
            before = len(sandbox.calls())
            cycles = [start(env, "worker", "--once", "--all") for _ in range(2)]
            # Upload once both cycles are syncing: serve's inbox job (woken by each webhook) and
            # the two cycles (their sync, and their own drain of the shared inbox) then all
            # reach the new runs together; every activity call answers slowly for a while.
            wait_for(partial(both_syncing, sandbox, before), "both cycles to start syncing")
            sandbox.inject_fault("delay", path_prefix="/api/v3/activities/", count=30, delay_s=0.3)
            for athlete_id in runners:  # each upload fires a create webhook at serve
                run_json = sandbox.add_activity(
                    athlete_id,
                    name=f"Round {round_no} run",
                    sport_type="Run",
                    distance=7000.0 + 500 * round_no,
                    moving_time=2400 + 150 * round_no,
                    description=NOTES[round_no % 2],
                )
                new_runs.append(int(run_json["id"]))
            if round_no == 1:  # the runner edits an earlier run: a new block version for it
                edited = new_runs[0]
                text = sandbox.activity(edited)["description"].replace("4/10", "6/10")
                sandbox.update_activity(edited, name="Round 0 run, sore", description=text)
            for cycle in cycles:
                _, err = cycle.communicate(timeout=180)
                logs.append((f"worker --once, round {round_no}", err))
                assert cycle.returncode == 0, err[-3000:]
            assert sandbox.wait_for_deliveries(30)
            wait_for(lambda: pending_events(ctx) == 0, "serve to drain the webhook inbox")
            wait_for(lambda: delivered(ctx, new_runs), "every new run's block", timeout=90)

        all_puts = [c for c in sandbox.calls() if c["method"] == "PUT"]  # the backfill's too
        # serve's outbox job (every second here) sends what the cycles left.
        wait_for(lambda: {m.status for m in ours(ctx, OutboxMessage)} == {"sent"}, "the outbox")
        assert stop(serve) in SERVE_STOPPED
        wait_for(lambda: serve_log.has("worker stopped"), "serve's graceful stop")
    finally:
        serve.kill()
        serve.wait(10)
    logs.append(("serve", serve_log.text()))

    # No crash: besides the exit codes, no traceback and no failed job anywhere.
    for name, text in logs:
        for sign in ("Traceback", " failed after "):
            at = text.find(sign)
            assert at < 0, f"{name}:\n{text[max(0, at - 1500) : at + 3000]}"

    # No duplicate PUT: per activity, one PUT per distinct block version we wrote.
    writes: dict[int, set[str]] = {}
    for row in ours(ctx, Delivery):
        if row.channel == "description" and row.action == "write" and row.activity_id:
            writes.setdefault(row.activity_id, set()).add(row.text)
    put_counts = Counter(int(str(c["path"]).rsplit("/", 1)[1]) for c in all_puts)
    assert set(new_runs) <= set(put_counts)
    assert dict(put_counts) == {a: len(versions) for a, versions in writes.items()}
    assert len(writes[new_runs[0]]) >= 2  # the edited run: a version per edit, each PUT once
    for activity_id in new_runs:
        description = sandbox.activity(activity_id)["description"] or ""
        assert description.count(blocks.START) == 1

    # No lost notification: every message enqueued was sent, and received exactly once.
    outbox = ours(ctx, OutboxMessage)
    assert outbox and {m.status for m in outbox} == {"sent"}
    received = Counter((str(m.get("title")), str(m.get("message"))) for m in sink.received)
    assert received == Counter((m.title, m.body) for m in outbox)
