"""Processed webhook events are pruned by the inbox job after the retention period (the clock is
moved, never slept on); events still waiting are never pruned, however old."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from tests.integration.conftest import ContextFactory, browser

from strava_rehab.context import AppContext
from strava_rehab.db.models import WebhookEvent
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import connect as athletes
from strava_rehab.services import inbox, jobs
from strava_rehab.strava.events import parse_event

DAY = 86_400


def receive(ctx: AppContext, athlete_id: int, **fields: Any) -> None:
    body = {
        "aspect_type": "update",
        "event_time": int(ctx.clock().timestamp()),
        "object_id": athlete_id,
        "object_type": "athlete",
        "owner_id": athlete_id,
        "subscription_id": 1,
        "updates": {},
        **fields,
    }
    assert inbox.record_event(ctx, parse_event(body))


def stored(ctx: AppContext) -> dict[int, bool]:
    """Stored events by event_time: processed or not."""
    with ctx.db.read() as session:
        return {
            e.event_time: e.processed_at is not None for e in session.scalars(select(WebhookEvent))
        }


def test_processed_events_are_pruned_after_the_retention_period(
    make_ctx: ContextFactory, sandbox: Sandbox
) -> None:
    ctx = make_ctx()
    runner = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    run_id = int(sandbox.activities(runner)[-1]["id"])
    first = int(ctx.clock().timestamp())
    receive(ctx, runner)
    assert jobs.drain_inbox(ctx).processed == 1

    sandbox.advance_time(13 * DAY)
    second = int(ctx.clock().timestamp())
    receive(ctx, runner, object_type="activity", object_id=run_id, updates={"title": "Loop"})
    report = jobs.drain_inbox(ctx)
    assert stored(ctx) == {first: True, second: True}  # 13 days: kept
    assert report.processed == 1 and report.pruned == 0

    sandbox.advance_time(1.5 * DAY)
    waiting = int(ctx.clock().timestamp())
    receive(ctx, runner, object_type="activity", object_id=run_id, updates={"title": "Hill"})
    sandbox.inject_fault("429", count=5)  # the event cannot be processed now: it waits
    report = jobs.drain_inbox(ctx)
    assert stored(ctx) == {second: True, waiting: False}
    assert report.resume_at is not None and report.pruned == 1
    assert "1 old events pruned" in report.summary()

    sandbox.advance_time(40 * DAY)  # the waiting event is 40 days old, and still kept
    sandbox.clear_faults()
    assert jobs.drain_inbox(ctx).pruned == 1  # the second event, processed 41.5 days ago
    assert stored(ctx) == {waiting: True}  # processed just now: its 14 days start now


def test_the_retention_period_is_a_setting(make_ctx: ContextFactory, sandbox: Sandbox) -> None:
    ctx = make_ctx(worker={"inbox_retention_days": 2})
    runner = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    receive(ctx, runner)
    jobs.drain_inbox(ctx)
    sandbox.advance_time(1.9 * DAY)
    assert jobs.drain_inbox(ctx).pruned == 0
    sandbox.advance_time(0.2 * DAY)
    assert jobs.drain_inbox(ctx).pruned == 1
    assert stored(ctx) == {}
