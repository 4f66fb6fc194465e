"""Notifications from real worker processes: a kill mid-send holds back only the message being
sent, and without notify.urls each message is one log line and `status` says "logged only"."""

from __future__ import annotations

import json
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.integration.conftest import ContextFactory, browser
from tests.integration.processes import HoldingSink, product_env, run, start, wait_for

from strava_rehab.cli import main
from strava_rehab.context import AppContext
from strava_rehab.db.models import OutboxMessage
from strava_rehab.notify.outbox import CLAIM_LEASE, enqueue
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import connect as athletes

BODY = "PRIVATE-LINE-1 left shin 4/10\nPRIVATE-LINE-2 phase 1\nPRIVATE-LINE-3 Powered by Strava"


@pytest.fixture
def holding_sink() -> Iterator[HoldingSink]:
    sink = HoldingSink(hold_first=True)
    yield sink
    sink.close()


def enqueue_messages(ctx: AppContext, athlete_id: int, count: int) -> list[str]:
    titles = [f"message {n}" for n in range(count)]
    with ctx.db.transaction() as session:
        for title in titles:
            enqueue(
                session,
                athlete_id=athlete_id,
                dedupe_key=f"test:{title}",
                kind="suggestion",
                title=title,
                body=BODY,
                now=ctx.clock(),
            )
    return titles


def outbox(ctx: AppContext) -> list[OutboxMessage]:
    with ctx.db.read() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_worker_killed_mid_send_holds_back_only_that_message(
    make_ctx: ContextFactory, sandbox: Sandbox, holding_sink: HoldingSink, tmp_path: Path
) -> None:
    ctx = make_ctx()
    sandbox.set_current_athlete(int(sandbox.add_athlete("Jonas", "Runner")["id"]))  # no history
    athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    ours = enqueue_messages(ctx, athlete_id, 8)
    env = product_env(tmp_path / "data", sandbox, [holding_sink.apprise_url])

    killed = start(env, "worker", "--once")
    try:
        wait_for(holding_sink.holding.is_set, "the first notification to reach the sink")
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.communicate(timeout=10)
    assert holding_sink.titles() == [ours[0]]  # killed while sending the first message
    holding_sink.release()
    in_flight = [m for m in outbox(ctx) if m.status == "sending"]
    assert [m.title for m in in_flight] == [ours[0]]  # the only one the dead worker holds

    # The next worker, at once: every other message goes out now, not when a lease runs out.
    nxt = run(env, "worker", "--once")
    assert nxt.returncode == 0, nxt.stderr[-2000:]
    everything = {m.title for m in outbox(ctx)}
    assert set(holding_sink.titles()) == everything  # the held one was read before the kill
    assert Counter(holding_sink.titles())[ours[0]] == 1
    assert {m.title for m in outbox(ctx) if m.status != "sent"} == {ours[0]}  # still leased

    # Past the dead worker's lease (the clock moved, no waiting): the held message is sent again.
    offset = CLAIM_LEASE.total_seconds() + 60
    sandbox.advance_time(offset)
    later = run(env, "worker", "--once", offset_s=offset)
    assert later.returncode == 0, later.stderr[-2000:]
    assert {m.status for m in outbox(ctx)} == {"sent"}
    received = Counter(holding_sink.titles())
    # At least once: the message being sent when the worker died arrives twice; no other does.
    assert received[ours[0]] == 2
    assert all(received[title] == 1 for title in everything - {ours[0]})


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


def test_without_notify_urls_each_message_is_one_log_line_and_status_says_logged_only(
    make_ctx: ContextFactory,
    sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ctx = make_ctx()
    athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    enqueue_messages(ctx, athlete_id, 5)
    for key, value in product_env(tmp_path / "data", sandbox).items():
        if key.startswith(("STRAVA_REHAB_", "STRAVA_CLIENT_")):
            monkeypatch.setenv(key, value)

    code, out, err = cli(capsys, "worker", "--once")  # the command, in this process
    assert code == 0, err[-2000:]
    sent = [m for m in outbox(ctx) if m.status == "sent"]
    assert len(sent) >= 5
    lines = [line for line in err.splitlines() if "notification" in line]
    assert len(lines) == len(sent)  # one line per message
    assert all("logged only" in line for line in lines)
    assert "PRIVATE-LINE" not in err  # the private body is not in the log at INFO
    assert f"{len(sent)} logged only" in out  # the cycle's summary

    code, out, err = cli(capsys, "status")
    assert code == 0, err
    [line] = [line for line in out.splitlines() if line.startswith("outbox:")]
    assert line == f"outbox: {len(sent)} logged only (no notify.urls)"
    code, out, _ = cli(capsys, "status", "--json")
    as_json = json.loads(out)
    assert as_json["notify"] == "logged only" and as_json["outbox"] == {"sent": len(sent)}
