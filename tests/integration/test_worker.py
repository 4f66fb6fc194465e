"""The worker as a real process: killed mid-cycle, restarted, and stopped with SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.integration.conftest import CLIENT_ID, CLIENT_SECRET, ContextFactory, browser
from tests.integration.servers import NotificationSink

from strava_rehab.context import AppContext
from strava_rehab.db.models import OutboxMessage, SuggestionRow
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import connect as athletes
from strava_rehab.settings import ConfigError
from strava_rehab.text.description_block import START
from strava_rehab.worker import Worker


@pytest.fixture
def sink() -> Iterator[NotificationSink]:
    s = NotificationSink()
    yield s
    s.close()


def worker_env(tmp_path: Path, sandbox: Sandbox, sink: NotificationSink) -> dict[str, str]:
    return {
        **os.environ,
        "STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"),
        "STRAVA_REHAB_STRAVA_URL": sandbox.url,
        "STRAVA_CLIENT_ID": str(CLIENT_ID),
        "STRAVA_CLIENT_SECRET": CLIENT_SECRET,
        "STRAVA_REHAB_NOTIFY__URLS": json.dumps([sink.apprise_url]),
        "STRAVA_REHAB_DETAIL_WINDOW_DAYS": "7",
    }


def blocks_in(sandbox: Sandbox, athlete_id: int) -> dict[int, int]:
    return {
        int(a["id"]): (a.get("description") or "").count(START)
        for a in sandbox.activities(athlete_id)
        if START in (a.get("description") or "")
    }


def test_worker_killed_mid_cycle_then_restarted_leaves_no_duplicate_and_loses_nothing(
    make_ctx: ContextFactory, sandbox: Sandbox, sink: NotificationSink, tmp_path: Path
) -> None:
    ctx: AppContext = make_ctx(detail_window_days=7)
    athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    ctx.close()
    env = worker_env(tmp_path, sandbox, sink)
    # Every activity call is slow, so the kill lands between two description writes.
    sandbox.inject_fault("delay", path_prefix="/api/v3/activities/", count=1000, delay_s=0.4)
    proc = subprocess.Popen(
        [sys.executable, "-m", "strava_rehab", "worker", "--once"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not blocks_in(sandbox, athlete_id) and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    written_before_kill = blocks_in(sandbox, athlete_id)
    assert written_before_kill, "the first description write happened before the kill"
    assert sink.received == []  # killed before the outbox was sent
    sandbox.clear_faults()

    restarted = subprocess.run(
        [sys.executable, "-m", "strava_rehab", "worker", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert restarted.returncode == 0, restarted.stderr

    ctx = make_ctx(detail_window_days=7)
    with ctx.db.transaction() as session:
        suggestions = session.scalars(
            select(SuggestionRow).where(SuggestionRow.kind != "none")
        ).all()
        outbox = session.scalars(select(OutboxMessage)).all()
    assert len(suggestions) >= 2
    after = blocks_in(sandbox, athlete_id)
    assert set(after) == {s.activity_id for s in suggestions}  # every suggestion delivered
    assert all(count == 1 for count in after.values())  # and never twice
    assert {m.status for m in outbox} == {"sent"}
    assert len(outbox) == len(suggestions)
    titles = [n["title"] for n in sink.received]
    assert len(titles) == len(suggestions) and len(set(titles)) == len(titles)


def test_worker_process_runs_on_schedule_and_stops_gracefully_on_sigterm(
    make_ctx: ContextFactory, sandbox: Sandbox, sink: NotificationSink, tmp_path: Path
) -> None:
    ctx = make_ctx()
    athletes.connect_with_loopback(ctx, browser, timeout_s=10)
    ctx.close()
    health = tmp_path / "data" / "worker.health"
    proc = subprocess.Popen(
        [sys.executable, "-m", "strava_rehab", "worker"],
        env=worker_env(tmp_path, sandbox, sink),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if health.exists() and json.loads(health.read_text())["job"] == "sync":
            break
        time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("the catch-up sync did not run: " + proc.communicate()[1][-2000:])
    assert json.loads(health.read_text())["ok"] is True
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    job_lines = [line for line in err.splitlines() if "job sync done" in line]
    assert len(job_lines) == 1  # one clear line per job
    assert "worker stopped" in err
    assert CLIENT_SECRET not in err


def test_worker_jobs_are_configured_single_instance_and_coalescing(
    make_ctx: ContextFactory,
) -> None:
    worker = Worker(make_ctx(worker={"sync_cron": "*/15 * * * *"}))
    worker.start(catch_up=False)
    try:
        jobs = {job.id: job for job in worker.scheduler.get_jobs()}
        assert set(jobs) == {"sync", "inbox", "outbox", "digest"}
        assert all(job.max_instances == 1 and job.coalesce for job in jobs.values())
        assert "*/15" in str(jobs["sync"].trigger)
    finally:
        worker.shutdown()


def test_bad_cron_expression_is_a_config_error(make_ctx: ContextFactory) -> None:
    with pytest.raises(ConfigError, match="worker.sync_cron"):
        Worker(make_ctx(worker={"sync_cron": "every half hour"}))


def test_a_wake_during_a_running_job_runs_it_again_at_once(make_ctx: ContextFactory) -> None:
    import threading

    worker = Worker(make_ctx(worker={"inbox_interval_s": 3600}))
    started, release = threading.Event(), threading.Event()
    runs: list[float] = []

    def slow_inbox(ctx: AppContext, stop: threading.Event) -> str:
        runs.append(time.monotonic())
        started.set()
        release.wait(5)
        return "drained"

    worker._jobs["inbox"] = slow_inbox
    worker.start(catch_up=False)
    try:
        worker.wake("inbox")
        assert started.wait(5)
        worker.wake("inbox")  # a webhook arrives while the drain runs
        release.set()
        deadline = time.monotonic() + 5
        while len(runs) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(runs) == 2  # not an hour later, at the next interval
    finally:
        worker.shutdown()
