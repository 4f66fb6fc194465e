"""Events in parallel, athletes in series (issue 12), with the real inbox over real HTTP.

Each test wraps the inbox's per-event step (``inbox._handle``, the real one still runs) to
observe which thread handles what, and uses a barrier or an event instead of timing: the tests
pass only if the events really run at the same time, and never flake on a slow machine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from tests.integration.new_runners import connect_new_runner

from strava_rehab.context import AppContext
from strava_rehab.db.models import WebhookEvent
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import inbox, jobs, subscription
from strava_rehab.strava.events import EventPayload
from strava_rehab.text.description_block import START

SUBSCRIPTION_ID = 4343
TIMEOUT_S = 20.0


def connect_runners(ctx: AppContext, sandbox: Sandbox, count: int) -> list[int]:
    ids = [connect_new_runner(ctx, sandbox, f"No{index}") for index in range(count)]
    jobs.run_cycle(ctx)
    subscription.save_subscription(
        ctx, {"id": SUBSCRIPTION_ID, "callback_url": "https://example.invalid/strava/webhook/x"}
    )
    return ids


def new_run(ctx: AppContext, sandbox: Sandbox, athlete_id: int, offset_s: int = 0) -> int:
    """A run saved at Strava, and its create event as ``serve`` stores it."""
    start = sandbox.now() - timedelta(minutes=50)
    run = sandbox.add_activity_unannounced(
        athlete_id,
        name="Lunch Run",
        sport_type="Run",
        distance=7000.0,
        moving_time=2300,
        elapsed_time=2400,
        start_date=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        description="left shin sore 4/10",
    )
    event = EventPayload(
        object_type="activity",
        object_id=int(run["id"]),
        aspect_type="create",
        owner_id=athlete_id,
        subscription_id=SUBSCRIPTION_ID,
        event_time=int(sandbox.now().timestamp()) + offset_s,
    )
    assert inbox.record_event(ctx, event)
    return int(run["id"])


Handler = Callable[[AppContext, WebhookEvent], Any]


def wrap_handle(monkeypatch: pytest.MonkeyPatch, before: Callable[[WebhookEvent], None]) -> None:
    real: Handler = inbox._handle

    def observed(ctx: AppContext, event: WebhookEvent) -> Any:
        before(event)
        return real(ctx, event)

    monkeypatch.setattr(inbox, "_handle", observed)


def test_events_of_different_athletes_run_at_the_same_time(
    ctx: AppContext, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    runners = connect_runners(ctx, sandbox, 4)
    runs = [new_run(ctx, sandbox, a) for a in runners]
    # Each event waits here until all four are being handled: one at a time, the first would
    # wait in vain (BrokenBarrierError after the timeout, and the event fails).
    together = threading.Barrier(len(runners), timeout=TIMEOUT_S)

    def before(event: WebhookEvent) -> None:
        together.wait()

    wrap_handle(monkeypatch, before)
    report = inbox.process_inbox(ctx, concurrency=4)
    assert (report.processed, report.failed) == (4, 0)
    for run_id in runs:
        assert START in (sandbox.activity(run_id)["description"] or "")


def test_one_athletes_events_run_in_order_and_never_two_at_once(
    ctx: AppContext, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    runners = connect_runners(ctx, sandbox, 3)
    lock, owners, order = threading.Lock(), set[int](), dict[int, list[int]]()
    expected = {a: [new_run(ctx, sandbox, a, offset_s=i) for i in range(3)] for a in runners}

    def before(event: WebhookEvent) -> None:
        with lock:
            assert event.owner_id not in owners, "one athlete in two threads at once"
            owners.add(event.owner_id)
            order.setdefault(event.owner_id, []).append(event.object_id)
        threading.Event().wait(0.02)  # let another thread try to take the same athlete
        with lock:
            owners.discard(event.owner_id)

    wrap_handle(monkeypatch, before)
    report = inbox.process_inbox(ctx, concurrency=4)
    assert (report.processed, report.failed) == (9, 0)
    assert order == expected


def test_an_event_that_arrives_mid_drain_does_not_wait_for_a_slow_athlete(
    ctx: AppContext, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow, quick = connect_runners(ctx, sandbox, 2)
    slow_run = new_run(ctx, sandbox, slow)
    quick_done = threading.Event()
    quick_run: list[int] = []

    def before(event: WebhookEvent) -> None:
        if event.owner_id == slow:
            # While this athlete's event is in flight, another athlete's run comes in; the slow
            # one goes on only once that one was handled (or gives up after the timeout).
            quick_run.append(new_run(ctx, sandbox, quick))
            assert quick_done.wait(TIMEOUT_S), "the new event waited for the slow athlete"
        else:
            quick_done.set()

    wrap_handle(monkeypatch, before)
    report = inbox.process_inbox(ctx, concurrency=4)
    assert (report.processed, report.failed) == (2, 0)
    for run_id in (slow_run, *quick_run):
        assert START in (sandbox.activity(run_id)["description"] or "")
