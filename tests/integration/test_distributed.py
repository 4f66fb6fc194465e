"""Distributed mode, for real: `serve` and three `strava-rehab worker` processes on PostgreSQL.

30 athletes connect through serve's browser flow; a burst of webhook events (duplicates too)
arrives while one worker is SIGKILLed mid-job. At the end every athlete is synced and suggested
exactly as the embedded mode decides, every description has at most one block, no notification
is lost, and no athlete's token was ever refreshed twice at the same time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, func, select, text
from tests.integration.conftest import CLIENT_ID, CLIENT_SECRET
from tests.integration.servers import NotificationSink, free_port

from strava_rehab.context import open_context
from strava_rehab.db.models import Activity, OutboxMessage, SuggestionRow, WebhookEvent
from strava_rehab.sandbox import Sandbox, SandboxConfig
from strava_rehab.sandbox.refresh_probe import RefreshProbe
from strava_rehab.services import connect as athletes
from strava_rehab.services import jobs
from strava_rehab.settings import load_settings
from strava_rehab.text.description_block import START

pytestmark = [pytest.mark.postgres, pytest.mark.sandbox]

ATHLETES = 30
WORKERS = 3
PATH_TOKEN = "path-token-for-tests"
SCOPES = "read,activity:read_all,activity:write"
VERIFY_TOKEN = "verify-token-for-tests"


def wait_for(check: Callable[[], bool], timeout: float, what: str, state: object = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what} ({state})")


@pytest.fixture
def probed_sandbox() -> Iterator[tuple[Sandbox, RefreshProbe]]:
    sb = Sandbox(
        SandboxConfig(
            port=0,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            delivery_backoff_s=0.05,
            # Tokens live 10 s past our refresh margin: refreshes keep happening during the run.
            token_lifetime_s=610,
            overall_limits=(100_000, 1_000_000),
            read_limits=(100_000, 1_000_000),
        )
    )
    probe = RefreshProbe(sb)
    sb.start()
    try:
        yield sb, probe
    finally:
        sb.stop()


@pytest.fixture
def sink() -> Iterator[NotificationSink]:
    s = NotificationSink()
    yield s
    s.close()


def distributed_env(
    pg_url: str, key: str, sb: Sandbox, sink: NotificationSink, tmp_path: Path, port: int
) -> dict[str, str]:
    return {
        **os.environ,
        "STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"),
        "STRAVA_REHAB_DATABASE_URL": pg_url,
        "STRAVA_REHAB_SECRET_KEY": key,
        "STRAVA_REHAB_RUNNER": "procrastinate",
        # Thirty athletes connect from one address here: lift the per-address throttle.
        "STRAVA_REHAB_CONNECT_ATTEMPTS_PER_MINUTE": "600",
        "STRAVA_REHAB_STRAVA_URL": sb.url,
        "STRAVA_CLIENT_ID": str(CLIENT_ID),
        "STRAVA_CLIENT_SECRET": CLIENT_SECRET,
        "STRAVA_REHAB_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "STRAVA_REHAB_WEBHOOK_PATH_TOKEN": PATH_TOKEN,
        "STRAVA_REHAB_WEBHOOK_VERIFY_TOKEN": VERIFY_TOKEN,
        "STRAVA_REHAB_MAX_ATHLETES": "100",
        "STRAVA_REHAB_DETAIL_WINDOW_DAYS": "7",
        "STRAVA_REHAB_NOTIFY__URLS": json.dumps([sink.apprise_url]),
        "STRAVA_REHAB_DISTRIBUTED__POLL_INTERVAL_S": "0.2",
        "STRAVA_REHAB_DISTRIBUTED__HEARTBEAT_S": "1",
        "STRAVA_REHAB_DISTRIBUTED__STALLED_AFTER_S": "4",
        "STRAVA_REHAB_DISTRIBUTED__STALLED_CHECK_CRON": "* * * * * */2",
        "STRAVA_REHAB_DISTRIBUTED__OUTBOX_SWEEP_CRON": "* * * * * */5",
        "STRAVA_REHAB_DISTRIBUTED__SHUTDOWN_TIMEOUT_S": "20",
    }


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "strava_rehab", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def spawn(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "strava_rehab", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def settled_check(engine: Any, sb: Sandbox, last: dict[str, Any]) -> Callable[[], bool]:
    """True once no athlete or message job is waiting or running, and nothing is pending."""

    def settled() -> bool:
        with engine.connect() as conn:
            busy = conn.execute(
                text(
                    "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
                    " AND task_name IN ('sync_athlete', 'post_run', 'send_notification')"
                    " AND (scheduled_at IS NULL OR scheduled_at < now() + interval '30 s')"
                )
            ).scalar_one()
            events = conn.execute(
                select(func.count())
                .select_from(WebhookEvent)
                .where(WebhookEvent.processed_at.is_(None))
            ).scalar_one()
            unsent = conn.execute(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status != "sent")
            ).scalar_one()
            jobs_left = conn.execute(
                text(
                    "SELECT task_name, status, count(*) FROM procrastinate_jobs"
                    " GROUP BY 1, 2 ORDER BY 1, 2"
                )
            ).all()
        last.update(busy=busy, events=events, unsent=unsent, jobs=jobs_left)
        return busy == 0 and events == 0 and unsent == 0 and sb.wait_for_deliveries(0.1)

    return settled


def add_runs(sb: Sandbox, athlete_id: int, n: int, note: str, days_ago: int) -> list[int]:
    """``n`` runs, one a day from ``days_ago`` days back, the last with ``note``."""
    ids = []
    for i in range(n):
        start = sb.now() - timedelta(days=days_ago - i, hours=1)
        run = sb.add_activity(
            athlete_id,
            start_date=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            name=f"Run {i}",
            sport_type="Run",
            distance=6000.0 + 1500 * i,
            moving_time=1900 + 400 * i,
            description=note if i == n - 1 else "",
        )
        ids.append(int(run["id"]))
    return ids


def test_three_workers_one_killed_sync_and_suggest_like_embedded(
    probed_sandbox: tuple[Sandbox, RefreshProbe],
    sink: NotificationSink,
    pg_url: str,
    tmp_path: Path,
) -> None:
    sb, probe = probed_sandbox
    port = free_port()
    env = distributed_env(pg_url, Fernet.generate_key().decode(), sb, sink, tmp_path, port)
    cli(env, "db", "upgrade")
    ids = [sb.seed_athlete_id] + [
        int(sb.add_athlete(f"Runner{i}", "Test", sex="F" if i % 2 else "M")["id"])
        for i in range(ATHLETES - 1)
    ]
    for n, athlete_id in enumerate(ids[1:]):
        add_runs(sb, athlete_id, 2, "left shin sore 3/10" if n % 3 == 0 else "felt fine", 3)

    logs = tmp_path / "logs"
    logs.mkdir()
    procs: list[subprocess.Popen[bytes]] = []
    opened: list[Any] = []
    web = spawn(env, logs / "serve.log", "serve", "--port", str(port))
    procs.append(web)
    pool = ThreadPoolExecutor(max_workers=1)
    base = f"http://127.0.0.1:{port}"
    try:

        def web_up() -> bool:
            try:
                return requests.get(base + "/healthz", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        wait_for(web_up, 30, "serve to answer /healthz")
        cli(env, "webhook", "subscribe")
        for athlete_id in ids:  # each runner presses "Connect with Strava" on serve's page
            sb.set_current_athlete(athlete_id)
            answer = requests.get(base + "/connect", timeout=10)
            assert answer.status_code == 200 and "Connected" in answer.text, answer.text

        # The embedded mode, on SQLite, deciding the same world in the same steps (its own
        # grants, never refreshed here, and writing nothing: the descriptions are the workers').
        embedded = open_context(
            load_settings(
                data_dir=tmp_path / "embedded",
                strava_url=sb.url,
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                max_athletes=100,
                detail_window_days=7,
                token_refresh_margin_s=0,
                delivery={"write_description": False},
            )
        )
        opened.append(embedded)
        for athlete_id in ids:
            athletes.store_grant(embedded, athletes_grant(sb, athlete_id), SCOPES)

        workers = [
            spawn(env, logs / f"worker{i}.log", "worker", "--concurrency", "2")
            for i in range(WORKERS)
        ]
        procs.extend(workers)
        engine = create_engine(pg_url)
        last: dict[str, Any] = {}
        settled = settled_check(engine, sb, last)
        # The embedded pass runs alongside the workers (the world is the same until the burst).
        embedded_pass = pool.submit(jobs.sync_and_suggest, embedded)
        wait_for(settled, 90, "the first syncs", last)
        embedded_pass.result(timeout=120)

        # Tasks are slow enough that the kill lands while jobs run.
        sb.inject_fault("delay", path_prefix="/api/v3/activities/", count=100_000, delay_s=0.05)

        # The burst: new runs (Strava's create events), title edits (update events) and
        # Strava's retries of the same event, straight at the webhook.
        burst: list[int] = []
        for n, athlete_id in enumerate(ids):
            burst += add_runs(sb, athlete_id, 2, "right knee pain 5/10" if n % 4 == 0 else "", 1)
        for activity_id in burst[::3]:
            sb.update_activity(activity_id, name="Evening run (edited)")
        for activity_id in burst[::2]:
            event = {
                "object_type": "activity",
                "object_id": activity_id,
                "aspect_type": "create",
                "owner_id": sb.activity(activity_id)["athlete"]["id"],
                "subscription_id": sb.subscription()["id"],  # type: ignore[index]
                "event_time": int(time.time()),
                "updates": {},
            }
            for _ in range(2):  # a duplicate
                started = time.monotonic()
                r = requests.post(f"{base}/strava/webhook/{PATH_TOKEN}", json=event, timeout=5)
                assert r.status_code == 200 and time.monotonic() - started < 2

        def running() -> int:
            with engine.connect() as conn:
                return int(
                    conn.execute(
                        text("SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'")
                    ).scalar_one()
                )

        wait_for(lambda: running() >= 2 * WORKERS - 1, 60, "every worker to be busy")
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(10)
        sb.clear_faults()

        embedded_pass = pool.submit(jobs.sync_and_suggest, embedded)  # the burst is all in
        wait_for(settled, 150, "the queue, the inbox and the outbox to drain", last)
        embedded_pass.result(timeout=120)
        status = cli(env, "status").stdout
        assert "job queue:" in status

        # SIGTERM: the workers finish what they run and leave.
        for w in workers[1:]:
            w.send_signal(signal.SIGTERM)
        for w in workers[1:]:
            assert w.wait(30) == 0
        recovered = "".join((logs / f"worker{i}.log").read_text() for i in range(1, WORKERS))
        assert "of a dead worker" in recovered  # the killed worker's jobs were taken over
    except BaseException:
        for ctx in opened:
            ctx.close()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(10)

    settings_pg = load_settings(
        database_url=pg_url,
        secret_key=env["STRAVA_REHAB_SECRET_KEY"],
        strava_url=sb.url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    pg = open_context(settings_pg, migrate=False)
    opened.append(pg)
    try:

        def decided(ctx: Any) -> set[tuple[int, int, str, str | None]]:
            with ctx.db.read() as session:
                return {
                    (s.athlete_id, s.activity_id, s.kind, s.protocol_id)
                    for s in session.scalars(select(SuggestionRow))
                }

        def stored(ctx: Any) -> set[tuple[int, int]]:
            with ctx.db.read() as session:
                return set(session.execute(select(Activity.athlete_id, Activity.id)).tuples())

        assert stored(pg) == stored(embedded)
        assert {act for _, act in stored(pg)} >= set(burst)  # every new run arrived
        only_pg, only_embedded = decided(pg) - decided(embedded), decided(embedded) - decided(pg)
        assert not only_pg and not only_embedded, (sorted(only_pg)[:6], sorted(only_embedded)[:6])
        assert {a for a, *_ in decided(pg)} == set(ids)
        written = {
            int(x["id"]): (x.get("description") or "").count(START)
            for a in ids
            for x in sb.activities(a)
        }
        assert max(written.values()) == 1  # no description has two blocks
        suggested = {act for _, act, kind, _ in decided(pg) if kind != "none"}
        assert {act for act, n in written.items() if n} == suggested
        with pg.db.read() as session:
            outbox = list(session.scalars(select(OutboxMessage)))
            connected = {a.id for a in athletes.connected_athletes(pg) if a.status == "connected"}
        assert connected == set(ids)  # no refresh race ever cost an athlete their tokens
        assert outbox and {m.status for m in outbox} == {"sent"}
        received = [n["title"] for n in sink.received]
        assert all(m.title in received for m in outbox)  # no notification lost
        assert probe.refreshes, "tokens were refreshed during the run"
        assert probe.overlaps() == []
    finally:
        for ctx in opened:
            ctx.close()


def athletes_grant(sb: Sandbox, athlete_id: int) -> Any:
    from strava_rehab.strava.api import _grant

    return _grant(sb.authorize(athlete_id))
