"""A lost token refresh never disconnects an athlete (issue 11), against the sandbox over HTTP.

Strava (and the sandbox) rotate the refresh token on a refresh and refuse the old one at once.
When the answer to a refresh is lost after Strava acted on it, the stored refresh token is dead:
the athlete must then "need attention", keep working on the access token that is still valid,
and never be marked disconnected; only a refusal of a token known to be current disconnects.
Time moves with the sandbox's clock (and time-machine in the child process), never by sleeping.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from tests.integration.conftest import CLIENT_ID, CLIENT_SECRET, ContextFactory, browser

from strava_rehab.cli import main
from strava_rehab.context import AppContext
from strava_rehab.db import gateway
from strava_rehab.db.engine import upgrade
from strava_rehab.db.models import Athlete
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import connect as athletes
from strava_rehab.services import reports
from strava_rehab.services.sync import sync_athlete

SIX_HOURS = 6 * 3600
INTO_MARGIN = SIX_HOURS - 300  # 300 s of access left: inside the 600 s refresh margin
KEY = Fernet.generate_key().decode()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings overrides for the database every process of a test shares."""
    if request.param == "sqlite":
        return {}
    pg_url = request.getfixturevalue("pg_url")
    return {"database_url": pg_url, "secret_key": KEY}


@pytest.fixture
def open_ctx(make_ctx: ContextFactory, backend: dict[str, Any]) -> Callable[..., AppContext]:
    def factory(**overrides: Any) -> AppContext:
        ctx = make_ctx(**backend, **overrides)
        if backend:
            upgrade(ctx.db.engine)
        return ctx

    return factory


def row_of(ctx: AppContext, athlete_id: int) -> Athlete:
    row = gateway.athlete(ctx.db, athlete_id)
    assert row is not None
    return row


def standing(ctx: AppContext, athlete_id: int) -> str:
    return athletes.standing(row_of(ctx, athlete_id), ctx.clock())[0]


def until(condition: Callable[[], bool], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        time.sleep(0.02)


def token_posts(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [c for c in sandbox.calls() if c["path"] == "/oauth/token"]


def test_a_refresh_processed_then_dropped_leaves_the_athlete_working_and_needing_attention(
    open_ctx: Callable[..., AppContext], sandbox: Sandbox
) -> None:
    ctx = open_ctx()
    athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    assert sync_athlete(ctx, athlete_id).complete
    old_access = athletes.access_token(ctx, athlete_id)
    sandbox.advance_time(INTO_MARGIN)
    sandbox.reset_calls()
    # Strava rotates the refresh token, then the connection closes before the answer.
    sandbox.inject_fault("drop_after", path_prefix="/oauth/token", count=1)

    token = athletes.access_token(ctx, athlete_id)

    assert token == old_access  # still valid at Strava until it expires on its own
    assert len(token_posts(sandbox)) == 2  # the lost one, and one deliberate try: no loop
    row = row_of(ctx, athlete_id)
    assert row.status == "connected" and row.token_state == "lost"
    assert standing(ctx, athlete_id) == "needs_attention"
    # The next cycle works, and asks Strava nothing more about the dead token.
    sandbox.reset_calls()
    sandbox.add_activity(athlete_id, name="Run", sport_type="Run", distance=5000.0)
    report = sync_athlete(ctx, athlete_id)
    assert report.complete and report.created, report.error
    assert token_posts(sandbox) == []
    # Reconnecting clears it, and the refresh after that works as usual.
    athletes.connect_with_loopback(ctx, browser, timeout_s=10)
    assert standing(ctx, athlete_id) == "connected"
    sandbox.advance_time(INTO_MARGIN)
    assert ctx.athlete_api(athletes.access_token(ctx, athlete_id)).athlete().id == athlete_id
    assert row_of(ctx, athlete_id).token_state == "current"


def test_answers_that_arrive_after_the_clients_timeout_never_disconnect(
    open_ctx: Callable[..., AppContext], sandbox: Sandbox
) -> None:
    ctx = open_ctx(http_timeout_s=0.5)
    athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    old_access = athletes.access_token(ctx, athlete_id)
    sandbox.advance_time(INTO_MARGIN)
    sandbox.reset_traffic()
    # Every refresh takes Strava longer than we wait: it rotates, we never hear the new pair.
    sandbox.set_latency(refresh_latency_s=0.8)

    first = sync_athlete(ctx, athlete_id)

    assert first.complete, first.error  # on the access token that is still valid
    assert ctx_ok(ctx, athlete_id, old_access)
    assert row_of(ctx, athlete_id).token_state == "unconfirmed"
    assert standing(ctx, athlete_id) == "needs_attention"
    sandbox.set_latency(refresh_latency_s=0)
    until(lambda: sandbox.traffic().refresh.total == 2)  # both late answers went nowhere
    # The next cycle tries the stored token once; Strava refuses the rotated token, and that
    # refusal of a token we were unsure of is no reason to disconnect.
    sandbox.advance_time(31)  # nobody is still refreshing: the lease has run out
    second = sync_athlete(ctx, athlete_id)
    assert second.complete, second.error
    row = row_of(ctx, athlete_id)
    assert row.status == "connected" and row.token_state == "lost"
    overview = {a["athlete_id"]: a for a in reports.athletes_overview(ctx)}
    assert overview[athlete_id]["status"] == "needs_attention"
    assert "strava-rehab connect" in overview[athlete_id]["message"]
    assert reports.install_status(ctx)["athletes"] == {"needs_attention": 1}


def test_a_refresh_that_never_reached_strava_is_tried_once_more_and_succeeds(
    ctx: AppContext, sandbox: Sandbox, connected: int
) -> None:
    first = athletes.access_token(ctx, connected)
    sandbox.advance_time(INTO_MARGIN)
    sandbox.inject_fault("drop", path_prefix="/oauth/token", count=1)  # closed unprocessed
    second = athletes.access_token(ctx, connected)
    assert second != first
    assert ctx.athlete_api(second).athlete().id == connected
    assert row_of(ctx, connected).token_state == "current"
    assert standing(ctx, connected) == "connected"


def test_after_a_lost_answer_the_pair_another_process_stored_wins(
    open_ctx: Callable[..., AppContext], sandbox: Sandbox
) -> None:
    slow, other = open_ctx(http_timeout_s=1.5), open_ctx()
    athlete_id = athletes.connect_with_loopback(slow, browser, timeout_s=10).athlete_id
    sandbox.advance_time(INTO_MARGIN)
    sandbox.reset_traffic()
    sandbox.reset_calls()
    sandbox.inject_fault("delay", path_prefix="/oauth/token", count=1, delay_s=3.0)
    got: list[str] = []
    errors: list[BaseException] = []

    def slow_refresh() -> None:
        try:
            got.append(athletes.access_token(slow, athlete_id))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=slow_refresh)
    thread.start()
    until(lambda: sandbox.traffic().refresh.max_concurrent >= 1)  # Strava holds the request
    sandbox.advance_time(31)  # the slow process's lease runs out while it waits
    theirs = athletes.access_token(other, athlete_id)
    thread.join(20)

    assert errors == []
    assert got == [theirs]  # the slow process re-read the stored pair instead of retrying
    assert ctx_ok(other, athlete_id, theirs)
    row = row_of(other, athlete_id)
    assert row.status == "connected" and row.token_state == "current"
    until(lambda: sandbox.traffic().refresh.total == 2)
    assert len(token_posts(sandbox)) == 2  # the slow one and the other's: no third


def ctx_ok(ctx: AppContext, athlete_id: int, token: str) -> bool:
    return ctx.athlete_api(token).athlete().id == athlete_id


CHILD = (
    "import sys, time_machine\n"
    "time_machine.travel(float(sys.argv[1]), tick=True).start()\n"
    "sys.argv = ['strava-rehab', 'sync']\n"
    "from strava_rehab.cli import main\n"
    "main()\n"
)


def child_env(tmp_path: Path, sandbox: Sandbox, backend: dict[str, Any]) -> dict[str, str]:
    env = {
        **os.environ,
        "STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"),
        "STRAVA_REHAB_STRAVA_URL": sandbox.url,
        "STRAVA_CLIENT_ID": str(CLIENT_ID),
        "STRAVA_CLIENT_SECRET": CLIENT_SECRET,
    }
    if backend:
        env["STRAVA_REHAB_DATABASE_URL"] = backend["database_url"]
        env["STRAVA_REHAB_SECRET_KEY"] = backend["secret_key"]
    return env


def test_a_process_killed_while_strava_holds_its_refresh_never_disconnects_the_athlete(
    open_ctx: Callable[..., AppContext],
    sandbox: Sandbox,
    backend: dict[str, Any],
    tmp_path: Path,
) -> None:
    ctx = open_ctx()
    athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    old_access = athletes.access_token(ctx, athlete_id)
    sandbox.advance_time(INTO_MARGIN)
    sandbox.set_latency(refresh_latency_s=1.0)
    sandbox.reset_traffic()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(sandbox.now().timestamp())],
        env=child_env(tmp_path, sandbox, backend),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        until(lambda: sandbox.traffic().refresh.max_concurrent >= 1, timeout_s=60)
        child.send_signal(signal.SIGKILL)  # Strava is working on the refresh right now
        child.wait(10)
    finally:
        child.kill()
    sandbox.set_latency(refresh_latency_s=0)
    until(lambda: sandbox.traffic().refresh.total == 1)  # Strava rotated; nobody heard it
    row = row_of(ctx, athlete_id)
    assert row.token_state == "unconfirmed" and row.refresh_lease_until is not None

    sandbox.advance_time(31)  # the dead process's lease runs out
    report = sync_athlete(ctx, athlete_id)  # the next cycle

    assert report.complete, report.error
    assert athletes.access_token(ctx, athlete_id) == old_access
    row = row_of(ctx, athlete_id)
    assert row.status == "connected" and row.token_state == "lost"
    assert standing(ctx, athlete_id) == "needs_attention"
    assert sandbox.traffic().refresh.total == 2  # the killed one, and our one try


def test_once_the_last_access_token_runs_out_the_athlete_needs_attention_not_disconnected(
    ctx: AppContext,
    sandbox: Sandbox,
    connected: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sandbox.advance_time(INTO_MARGIN)
    sandbox.inject_fault("drop_after", path_prefix="/oauth/token", count=1)
    athletes.access_token(ctx, connected)
    sandbox.advance_time(300)  # the old access token has expired

    with pytest.raises(athletes.TokenNeedsAttention, match="strava-rehab connect"):
        athletes.access_token(ctx, connected)
    report = sync_athlete(ctx, connected)
    assert not report.complete and "needs attention" in report.error
    # A 401 on a token that had run out says nothing about the grant.
    athletes.mark_disconnected(ctx, connected, "Strava rejected the token (HTTP 401)")
    assert row_of(ctx, connected).status == "connected"
    assert standing(ctx, connected) == "needs_attention"

    for key, value in child_env(tmp_path, sandbox, {}).items():
        if key.startswith(("STRAVA_REHAB_", "STRAVA_CLIENT_")):
            monkeypatch.setenv(key, value)
    capsys.readouterr()
    [shown] = json.loads(cli(capsys, "athletes", "--json"))
    assert shown["status"] == "needs_attention" and "strava-rehab connect" in shown["message"]
    assert "1 needs_attention" in cli(capsys, "status")


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The command line, in this process: what ``strava-rehab <args>`` prints."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        with pytest.raises(SystemExit) as exited:
            main(list(args))
    finally:  # the CLI sets up logging for a process; leave the test run's as it was
        root.handlers[:] = handlers
        root.setLevel(level)
    captured = capsys.readouterr()
    assert exited.value.code in (0, None), captured.err
    return captured.out


def test_a_lost_answer_to_the_code_exchange_says_to_connect_again_without_resending_it(
    ctx: AppContext, sandbox: Sandbox
) -> None:
    code = str(sandbox.issue_code(sandbox.seed_athlete_id)["code"])
    sandbox.reset_calls()
    sandbox.inject_fault("drop_after", path_prefix="/oauth/token", count=1)
    with pytest.raises(athletes.ConnectError, match="cannot be used twice.*connect again"):
        athletes.complete_connect(ctx, code, "read,activity:read_all,activity:write", None)
    assert len(token_posts(sandbox)) == 1  # the single-use code was not sent again
