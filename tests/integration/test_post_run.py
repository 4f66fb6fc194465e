"""End to end over real HTTP: a pain note after a spike ends as rehab text in the description."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from tests.integration.conftest import ContextFactory, browser
from tests.integration.servers import NotificationSink, free_port, web_server

from strava_rehab.context import AppContext
from strava_rehab.db.models import Activity, Athlete, Delivery, OutboxMessage, SuggestionRow
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import connect as athletes
from strava_rehab.services import jobs, subscription
from strava_rehab.services.deliver import undo_blocks
from strava_rehab.text.description_block import END, START

NOTE = "Evening loop by the river 🌙\nleft shin sore 4/10 during the last 2k"


@pytest.fixture
def sink() -> Iterator[NotificationSink]:
    s = NotificationSink()
    yield s
    s.close()


def puts(sb: Sandbox) -> list[dict[str, object]]:
    return [c for c in sb.calls() if c["method"] == "PUT"]


def new_pain_run(sb: Sandbox, athlete_id: int, note: str = NOTE) -> int:
    run = sb.add_activity(
        athlete_id,
        name="Evening Run",
        sport_type="Run",
        distance=8200.0,
        moving_time=2820,
        description=note,
    )
    return int(run["id"])


def test_shin_pain_after_a_spike_gets_hip_strength_and_a_load_warning(
    make_ctx: ContextFactory, sandbox: Sandbox, sink: NotificationSink
) -> None:
    ctx = make_ctx(notify={"urls": [sink.apprise_url]})
    athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    jobs.run_cycle(ctx)
    run_id = new_pain_run(sandbox, athlete_id)
    report = jobs.run_cycle(ctx)
    assert run_id in report.post_run[0].written
    description = sandbox.activity(run_id)["description"]
    assert description.startswith(NOTE + "\n\n" + START)  # the runner's words, untouched, first
    assert description.endswith(END)
    block = description[len(NOTE) :]
    assert "Side-lying hip abduction" in block and "Hip thrust" in block
    assert "Hip extension" in block
    assert "Load:" in block  # the load warning that goes with the spike
    assert "not a diagnosis" in block
    # Private by default: neither the score nor the condition name goes public.
    assert "4/10" not in block and "shin splints" not in block.lower()
    with ctx.db.transaction() as session:
        suggestion = session.scalar(
            select(SuggestionRow).where(SuggestionRow.activity_id == run_id)
        )
        assert suggestion is not None and suggestion.protocol_id == "shin_splints"
        assert suggestion.phase == 1
        write = session.scalars(select(Delivery).where(Delivery.activity_id == run_id)).all()
        assert [d.action for d in write] == ["write"] and write[0].text in description
    # The full detail went to the runner's phone, with the score.
    bodies = [n.get("message", "") for n in sink.received]
    assert any("4" in b and "shin" in b.lower() for b in bodies)


def test_running_the_cycle_again_writes_nothing(
    ctx: AppContext,
    sandbox: Sandbox,
    connected: int,
) -> None:
    jobs.run_cycle(ctx)
    new_pain_run(sandbox, connected)
    jobs.run_cycle(ctx)
    sandbox.reset_calls()
    report = jobs.run_cycle(ctx)
    assert puts(sandbox) == []
    assert all(not p.written for p in report.post_run)
    assert len(sandbox.calls()) <= 2  # just the incremental listing


def test_edit_that_removes_the_pain_replaces_our_block(
    ctx: AppContext,
    sandbox: Sandbox,
    connected: int,
) -> None:
    jobs.run_cycle(ctx)
    run_id = new_pain_run(sandbox, connected)
    jobs.run_cycle(ctx)
    first = sandbox.activity(run_id)["description"]
    # The runner renames the run (an event Strava would send) and fixes the note.
    sandbox.update_activity(run_id, name="Easy run", description="Easy run, all good")
    jobs.run_cycle(ctx)
    second = sandbox.activity(run_id)["description"]
    assert second.count(START) <= 1
    assert second.startswith("Easy run, all good")
    assert second != first


def test_undo_restores_the_original_text_byte_for_byte(
    ctx: AppContext,
    sandbox: Sandbox,
    connected: int,
) -> None:
    jobs.run_cycle(ctx)
    run_id = new_pain_run(sandbox, connected)
    jobs.run_cycle(ctx)
    assert START in sandbox.activity(run_id)["description"]
    written = {a["id"]: a.get("description") for a in sandbox.activities(connected)}
    results = undo_blocks(ctx, athlete_ids=[connected], activity_id=None)
    assert {r.activity_id for r in results if r.outcome == "removed our block"} >= {run_id}
    assert sandbox.activity(run_id)["description"] == NOTE
    for activity in sandbox.activities(connected):
        assert START not in (activity.get("description") or "")
        if activity["id"] in written and START not in (written[activity["id"]] or ""):
            assert activity.get("description") == written[activity["id"]]
    # The next cycle does not put the same text back.
    jobs.run_cycle(ctx)
    assert sandbox.activity(run_id)["description"] == NOTE


def test_opt_out_tag_and_missing_write_scope_are_respected(
    make_ctx: ContextFactory, sandbox: Sandbox
) -> None:
    ctx = make_ctx()
    athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    jobs.run_cycle(ctx)
    tagged = new_pain_run(sandbox, athlete_id, "left shin sore 4/10 #norehab")
    jobs.run_cycle(ctx)
    assert sandbox.activity(tagged)["description"] == "left shin sore 4/10 #norehab"
    sandbox.set_granted_scopes("read,activity:read_all")
    athletes.connect_with_loopback(ctx, browser, timeout_s=10)  # reconnect without write
    sandbox.reset_calls()
    other = new_pain_run(sandbox, athlete_id)
    jobs.run_cycle(ctx)
    assert puts(sandbox) == []
    assert sandbox.activity(other)["description"] == NOTE
    with ctx.db.transaction() as session:  # still decided, and still notified
        assert session.scalar(select(SuggestionRow).where(SuggestionRow.activity_id == other))


def test_dry_run_shows_but_writes_nothing(
    ctx: AppContext,
    sandbox: Sandbox,
    connected: int,
) -> None:
    run_id = new_pain_run(sandbox, connected)
    sandbox.reset_calls()
    report = jobs.sync_and_suggest(ctx, dry_run=True)
    assert puts(sandbox) == []
    assert START in report.post_run[0].would_write[run_id]
    assert sandbox.activity(run_id)["description"] == NOTE


def test_webhooks_create_delete_and_deauthorize_through_the_web_server(
    make_ctx: ContextFactory, sandbox: Sandbox
) -> None:
    port = free_port()
    ctx = make_ctx(public_url=f"http://127.0.0.1:{port}")
    athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    jobs.run_cycle(ctx)
    with web_server(ctx, port):
        _, verify = subscription.webhook_secrets(ctx)
        sub_id = ctx.app().create_subscription(subscription.callback_url(ctx), verify)
        subscription.save_subscription(ctx, {"id": sub_id})
        run_id = new_pain_run(sandbox, athlete_id)
        assert sandbox.wait_for_deliveries(5)
        jobs.drain_inbox(ctx)
        assert START in sandbox.activity(run_id)["description"]

        sandbox.delete_activity(run_id)
        assert sandbox.wait_for_deliveries(5)
        jobs.drain_inbox(ctx)
        with ctx.db.transaction() as session:
            assert session.get(Activity, run_id) is None
            assert (
                session.scalar(select(SuggestionRow).where(SuggestionRow.activity_id == run_id))
                is None
            )

        sandbox.revoke(athlete_id)
        assert sandbox.wait_for_deliveries(5)
        jobs.drain_inbox(ctx)
        with ctx.db.transaction() as session:
            assert session.get(Athlete, athlete_id) is None
            for table in (Activity, SuggestionRow, OutboxMessage, Delivery):
                assert session.scalars(select(table)).all() == [], table.__name__
    every_delivery = sandbox.deliveries()
    # Every event was acknowledged with a 200 on its first attempt.
    assert every_delivery and all(d["attempts"][0] == "200" for d in every_delivery)
