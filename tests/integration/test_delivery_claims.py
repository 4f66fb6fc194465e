"""A description write is claimed in the database first, so two processes never PUT one block.

Each "process" here is its own AppContext (its own engine and connections to one SQLite file),
writing through the real sandbox over HTTP; the sandbox's delay fault holds a GET open so the
writers overlap for certain.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import select
from tests.integration.conftest import ContextFactory, browser

from strava_rehab.context import AppContext
from strava_rehab.db import gateway, leases
from strava_rehab.db.models import SuggestionRow
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import connect as athletes
from strava_rehab.services import jobs
from strava_rehab.services.deliver import BUSY, deliver_description, undo_blocks
from strava_rehab.text import description_block as blocks

NOTE = "left shin sore 4/10 during the last 2k"


def undelivered_suggestion(make_ctx: ContextFactory, sandbox: Sandbox) -> tuple[int, int]:
    """A run with a decided suggestion that no one has written yet: (athlete, activity)."""
    ctx = make_ctx(delivery={"write_description": False})
    sandbox.set_current_athlete(int(sandbox.add_athlete("Jonas", "Runner")["id"]))  # no history
    athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    jobs.run_cycle(ctx)
    run = sandbox.add_activity(
        athlete_id,
        name="Run",
        sport_type="Run",
        distance=8000.0,
        moving_time=2700,
        description=NOTE,
    )
    jobs.run_cycle(ctx)
    suggestion = gateway.suggestion_for(ctx.db, int(run["id"]))
    assert suggestion is not None and suggestion.kind != "none"
    assert suggestion.delivered_hash == ""
    return athlete_id, int(run["id"])


def puts(sandbox: Sandbox, activity_id: int) -> int:
    path = f"/api/v3/activities/{activity_id}"
    return sum(1 for c in sandbox.calls() if c["method"] == "PUT" and c["path"] == path)


def copy_of(ctx: AppContext, activity_id: int) -> SuggestionRow:
    row = gateway.suggestion_for(ctx.db, activity_id)
    assert row is not None
    return row


def test_two_processes_writing_one_suggestion_at_once_put_it_once(
    make_ctx: ContextFactory, sandbox: Sandbox
) -> None:
    _, run_id = undelivered_suggestion(make_ctx, sandbox)
    first, second = make_ctx(), make_ctx()
    copies = [copy_of(first, run_id), copy_of(second, run_id)]  # both read "not delivered"
    sandbox.reset_calls()
    # The first two calls on the activity take 0.5 s each: without a claim both GETs run before
    # either PUT, both see no block, and both write it.
    sandbox.inject_fault("delay", path_prefix=f"/api/v3/activities/{run_id}", count=2, delay_s=0.5)
    start = threading.Barrier(2)
    written: list[str | None] = []

    def write(ctx: AppContext, copy: SuggestionRow) -> None:
        start.wait(5)
        written.append(deliver_description(ctx, copy))

    threads = [
        threading.Thread(target=write, args=pair)
        for pair in zip((first, second), copies, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert puts(sandbox, run_id) == 1
    assert sorted(w is None for w in written) == [False, True]  # one wrote, one left it
    description = sandbox.activity(run_id)["description"]
    assert description.count(blocks.START) == 1 and description.startswith(NOTE)
    assert leases.holder_of(first.db, f"description:{run_id}", first.clock()) is None  # released


def test_a_stale_copy_is_read_again_under_the_claim_and_makes_no_call(
    make_ctx: ContextFactory, sandbox: Sandbox
) -> None:
    _, run_id = undelivered_suggestion(make_ctx, sandbox)
    first, second = make_ctx(), make_ctx()
    stale = copy_of(second, run_id)  # read before the first process writes
    assert deliver_description(first, copy_of(first, run_id)) is not None
    sandbox.reset_calls()
    assert deliver_description(second, stale) is None
    activity_calls = [c for c in sandbox.calls() if c["path"] == f"/api/v3/activities/{run_id}"]
    assert activity_calls == []  # no GET, no PUT: the claim's re-read saw it delivered


def test_a_newer_suggestion_saved_while_another_process_writes_is_written_by_that_holder(
    make_ctx: ContextFactory, sandbox: Sandbox
) -> None:
    _, run_id = undelivered_suggestion(make_ctx, sandbox)
    holder, latecomer = make_ctx(), make_ctx()
    sandbox.reset_calls()
    sandbox.inject_fault("delay", path_prefix=f"/api/v3/activities/{run_id}", count=1, delay_s=3.0)
    first_copy = copy_of(holder, run_id)
    thread = threading.Thread(target=deliver_description, args=(holder, first_copy))
    thread.start()
    # Wait for its claim (a loaded machine may take a while to start the thread), but not as long
    # as its slow GET: without claims the GET is then still in flight.
    deadline = time.monotonic() + 2.5
    while leases.holder_of(latecomer.db, f"description:{run_id}", latecomer.clock()) is None:
        if time.monotonic() > deadline:
            break
        time.sleep(0.01)
    # While the holder's GET is in flight, the run is decided again: a second version.
    with latecomer.db.transaction() as session:
        query = select(SuggestionRow).where(SuggestionRow.activity_id == run_id)
        row = session.scalars(query).one()
        row.public_text += "\nSecond version: ease off for two days."
        # Its own decision changed too (a new text with the same advice is not PUT again).
        row.decision_facts = {**(row.decision_facts or {}), "phase": 2}
    late = deliver_description(latecomer, copy_of(latecomer, run_id))
    thread.join(30)
    description = sandbox.activity(run_id)["description"]
    assert "Second version: ease off for two days." in description  # the newer one, not v1
    assert late is None  # the activity was claimed: the latecomer left it to the holder
    assert description.count(blocks.START) == 1
    assert puts(sandbox, run_id) == 2  # v1 by the holder, then v2 by the holder
    final = copy_of(latecomer, run_id)
    assert final.delivered_hash == blocks.block_hash(blocks.our_block(description))


def test_undo_leaves_an_activity_that_is_being_written_and_says_so(
    make_ctx: ContextFactory, sandbox: Sandbox
) -> None:
    athlete_id, run_id = undelivered_suggestion(make_ctx, sandbox)
    ctx = make_ctx()
    assert deliver_description(ctx, copy_of(ctx, run_id)) is not None
    name = f"description:{run_id}"
    assert leases.take(ctx.db, name, owner="w", now=ctx.clock(), lease=timedelta(minutes=5)).won
    sandbox.reset_calls()
    assert [r.outcome for r in undo_blocks(ctx, athlete_ids=[athlete_id], activity_id=run_id)] == [
        BUSY
    ]
    assert puts(sandbox, run_id) == 0
    leases.release(ctx.db, name, owner="w")
    [done] = undo_blocks(ctx, athlete_ids=[athlete_id], activity_id=run_id)
    assert done.outcome == "removed our block"
    assert blocks.START not in (sandbox.activity(run_id)["description"] or "")
