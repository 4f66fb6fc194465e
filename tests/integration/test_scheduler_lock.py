"""One scheduler per install: a second `worker` exits 1 naming the holder, a second `serve`
stands by, and a killed or stalled holder's lease is taken over (real processes throughout)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from tests.integration.conftest import ContextFactory
from tests.integration.processes import (
    SERVE_STOPPED,
    Lines,
    healthz,
    product_env,
    run,
    start,
    stop,
    wait_for,
)
from tests.integration.servers import free_port

from strava_rehab.context import AppContext
from strava_rehab.db import leases
from strava_rehab.sandbox import Sandbox
from strava_rehab.worker import SCHEDULER_LEASE, SchedulerBusy, Worker

SHORT_LEASE = {"STRAVA_REHAB_WORKER__SCHEDULER_LEASE_S": "3"}  # renewed every second


def holder(ctx: AppContext) -> str | None:
    taken = leases.holder_of(ctx.db, SCHEDULER_LEASE, ctx.clock())
    return taken.holder if taken else None


def pid_text(pid: int) -> str:
    return leases.describe(leases.host_name(), pid)


def test_a_second_worker_exits_1_naming_the_holder_and_serve_stands_by_then_takes_over(
    make_ctx: ContextFactory, sandbox: Sandbox, tmp_path: Path
) -> None:
    ctx = make_ctx()
    env = product_env(tmp_path / "data", sandbox)
    first = start(env, "worker")
    first_log = Lines(first)
    serve = None
    try:
        wait_for(lambda: holder(ctx) == pid_text(first.pid), "the first worker's lease")

        second = run(env, "worker", timeout=60)
        assert second.returncode == 1
        [line] = second.stderr.strip().splitlines()  # one clear line, no traceback
        assert f"another scheduler runs on this database: {pid_text(first.pid)}" in line
        assert "one `worker` or `serve` per install" in line

        port = free_port()
        serve_env = {**env, **SHORT_LEASE, "STRAVA_REHAB_PUBLIC_URL": f"http://127.0.0.1:{port}"}
        serve = start(serve_env, "serve", "--port", str(port))
        serve_log = Lines(serve)
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: healthz(url) is not None, "serve to answer /healthz")
        health = healthz(url)
        assert health is not None and health["status"] == "ok"  # serving, without a scheduler
        assert health["worker"]["scheduler"] == f"standby (held by {pid_text(first.pid)})"
        assert serve_log.has("scheduler standing by")

        first.send_signal(signal.SIGKILL)  # the holder dies without releasing its lease
        first.wait(10)
        wait_for(
            lambda: (healthz(url) or {}).get("worker", {}).get("scheduler") == "running",
            "serve to take the scheduler over",
            timeout=30,
        )
        assert holder(ctx) == pid_text(serve.pid)
        assert serve_log.has(f"scheduler lease taken over from {pid_text(first.pid)}")
        wait_for(lambda: serve_log.has("job sync done"), "the takeover's catch-up sync")
        assert stop(serve) in SERVE_STOPPED
        wait_for(lambda: serve_log.has("worker stopped"), "serve's log to end")
        assert holder(ctx) is None  # released on a clean stop
    finally:
        for proc in (first, serve):
            if proc is not None:
                proc.kill()
                proc.wait(10)
    assert "Traceback" not in first_log.text()


def test_a_stalled_holder_is_waited_out_then_taken_over_and_pauses_when_it_wakes(
    make_ctx: ContextFactory, sandbox: Sandbox, tmp_path: Path
) -> None:
    ctx = make_ctx(worker={"scheduler_lease_s": 3})
    env = product_env(tmp_path / "data", sandbox, **SHORT_LEASE)
    stalled = start(env, "worker")
    log = Lines(stalled)
    here = Worker(ctx)
    try:
        wait_for(lambda: holder(ctx) == pid_text(stalled.pid), "the first worker's lease")
        stalled.send_signal(signal.SIGSTOP)  # alive, but renewing nothing
        with pytest.raises(SchedulerBusy, match=f"runs on this database: {pid_text(stalled.pid)}"):
            here.start(catch_up=False)
        sandbox.advance_time(10)  # past its lease: our clock (the sandbox's) moves, no waiting
        here.start(catch_up=False)
        assert here.scheduler_state() == "running" and holder(ctx) == pid_text(os.getpid())

        stalled.send_signal(signal.SIGCONT)  # it wakes, finds its lease gone, and pauses
        wait_for(lambda: log.has("scheduler lease lost to"), "the woken worker to notice")
        assert holder(ctx) == pid_text(os.getpid())
        here.shutdown()  # released: the other one takes it back at its next round
        wait_for(lambda: log.has("scheduler lease taken over from"), "the takeover", timeout=30)
        assert stop(stalled) == 0
    finally:
        here.shutdown()
        stalled.send_signal(signal.SIGCONT)
        stalled.kill()
        stalled.wait(10)
    assert "Traceback" not in log.text()
