"""Syncing over real HTTP: backfill, incremental, deletions, faults; nothing lost or doubled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from tests.integration.conftest import ContextFactory, sandbox_ids, stored_ids

from strava_rehab.context import AppContext
from strava_rehab.db.models import Activity, SyncState
from strava_rehab.sandbox import Sandbox, SandboxConfig
from strava_rehab.services import jobs, subscription
from strava_rehab.services.sync import sync_athlete
from strava_rehab.strava.activity import parse_time

LIST = "/api/v3/athlete/activities"


def list_calls(sb: Sandbox) -> list[dict[str, object]]:
    return [c for c in sb.calls() if c["path"] == LIST]


def detail_calls(sb: Sandbox) -> list[dict[str, object]]:
    return [c for c in sb.calls() if str(c["path"]).startswith("/api/v3/activities/")]


def add_runs(sb: Sandbox, athlete_id: int, count: int, days_back: int = 100) -> None:
    now = sb.now()
    for i in range(count):
        start = now - timedelta(days=days_back, hours=-i * 5)
        sb.add_activity(
            athlete_id,
            name=f"Extra {i}",
            sport_type="Walk",
            distance=3000.0,
            moving_time=1800,
            start_date=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )


def test_backfill_pages_until_empty_and_fetches_detail_only_in_window(
    make_ctx: ContextFactory, sandbox: Sandbox, connected_id: int
) -> None:
    ctx = make_ctx(backfill_days=400)
    # Deleted activities stay in Strava's index for a while: pages come back short.
    history = sandbox.activities(connected_id)
    for doomed in history[5:40:7]:
        sandbox.delete_activity(int(doomed["id"]))
    sandbox.reset_calls()
    report = sync_athlete(ctx, connected_id)
    assert report.complete, report.error
    assert stored_ids(ctx, connected_id) == sandbox_ids(sandbox, connected_id)
    pages = list_calls(sandbox)
    queries = [c["query"] for c in pages]
    assert all(isinstance(q, dict) and q["per_page"] == "200" for q in queries)
    # Pages 1..n in order, the last one empty: exactly ceil(N/200) + 1 calls.
    assert [q["page"] for q in queries] == [str(n) for n in range(1, len(queries) + 1)]  # type: ignore[index]
    assert len(pages) == -(-len(sandbox_ids(sandbox, connected_id)) // 200) + 1
    # Detail only for counted runs in the analysis window, never the whole history.
    window_start = sandbox.now().date() - timedelta(days=ctx.settings.detail_window_days)
    with ctx.db.transaction() as session:
        in_window = set(
            session.scalars(
                select(Activity.id).where(
                    Activity.counted.is_(True), Activity.local_date >= window_start
                )
            )
        )
        with_detail = set(
            session.scalars(select(Activity.id).where(Activity.detail_hash.isnot(None)))
        )
    assert with_detail == in_window
    assert len(detail_calls(sandbox)) == len(in_window)


def test_short_non_last_page_does_not_end_the_backfill(
    make_ctx: ContextFactory, sandbox: Sandbox, connected_id: int
) -> None:
    ctx = make_ctx(backfill_days=400)
    add_runs(sandbox, connected_id, 230, days_back=300)
    # Tombstones inside the first page make it shorter than 200 although more follow.
    for doomed in sandbox.activities(connected_id)[:20]:
        sandbox.delete_activity(int(doomed["id"]))
    sandbox.reset_calls()
    report = sync_athlete(ctx, connected_id)
    assert report.complete
    assert stored_ids(ctx, connected_id) == sandbox_ids(sandbox, connected_id)
    pages = list_calls(sandbox)
    assert len(pages) == 3  # two non-empty pages (the first one short) and an empty one


def test_incremental_sync_after_new_edited_and_deleted(
    ctx: AppContext, sandbox: Sandbox, connected_id: int
) -> None:
    assert sync_athlete(ctx, connected_id).complete
    recent = [a for a in sandbox.activities(connected_id) if a["sport_type"] == "Run"][-1]
    doomed = sandbox.add_activity(
        connected_id, name="Doomed", sport_type="Run", distance=4000.0, moving_time=1300
    )
    assert int(doomed["id"]) in sync_athlete(ctx, connected_id).created
    new = sandbox.add_activity(
        connected_id, name="New run", sport_type="Run", distance=7000.0, moving_time=2400
    )
    sandbox.update_activity(int(recent["id"]), name="Renamed run")
    sandbox.delete_activity(int(doomed["id"]))
    sandbox.reset_calls()
    report = sync_athlete(ctx, connected_id)
    assert report.complete
    assert int(new["id"]) in report.created
    assert int(recent["id"]) in report.updated
    assert int(doomed["id"]) in report.deleted  # inside the overlap window: found at once
    since = (sandbox.now() - timedelta(days=ctx.settings.backfill_days)).timestamp()
    assert stored_ids(ctx, connected_id) == sandbox_ids(sandbox, connected_id, since)
    with ctx.db.transaction() as session:
        renamed = session.get(Activity, int(recent["id"]))
        assert renamed is not None and renamed.name == "Renamed run"


def test_incremental_sync_with_nothing_new_makes_at_most_two_calls(
    ctx: AppContext, sandbox: Sandbox, connected_id: int
) -> None:
    assert sync_athlete(ctx, connected_id).complete
    sandbox.reset_calls()
    report = sync_athlete(ctx, connected_id)
    assert report.complete and not report.created and not report.deleted
    assert len(sandbox.calls()) <= 2
    assert report.api_calls <= 2


def test_deletions_are_found_by_the_periodic_reconciliation(
    ctx: AppContext, sandbox: Sandbox, connected_id: int
) -> None:
    assert sync_athlete(ctx, connected_id).complete
    old = [
        a
        for a in sandbox.activities(connected_id)
        if parse_time(a["start_date"]) < sandbox.now() - timedelta(days=30)
    ][-1]
    sandbox.delete_activity(int(old["id"]))  # outside the overlap window
    assert int(old["id"]) not in sync_athlete(ctx, connected_id).deleted  # not yet due
    sandbox.advance_time(25 * 3600)
    report = sync_athlete(ctx, connected_id)
    assert report.reconciled and int(old["id"]) in report.deleted


def test_429_in_the_middle_of_a_backfill_then_resume(
    make_ctx: ContextFactory, sandbox: Sandbox, connected_id: int
) -> None:
    ctx = make_ctx(backfill_days=400, rate_safety_margin=1.0)
    add_runs(sandbox, connected_id, 450, days_back=350)
    sandbox.set_limits(read=(2, 1000))
    first = sync_athlete(ctx, connected_id)
    assert not first.complete
    assert first.resume_at is not None and "resumes at" in first.error
    partial = stored_ids(ctx, connected_id)
    assert 0 < len(partial) < len(sandbox_ids(sandbox, connected_id))
    with ctx.db.transaction() as session:
        state = session.get(SyncState, connected_id)
        newest = session.scalar(select(func.max(Activity.start_utc)))
        # Checkpointed by time: the resume starts from the newest start stored, not a page.
        assert state is not None and not state.backfill_done and newest is not None
        assert state.newest_start_epoch == int(newest.timestamp())
    sandbox.set_limits(read=(100, 1000))
    sandbox.advance_time(15 * 60)
    second = sync_athlete(ctx, connected_id)
    assert second.complete, second.error
    assert stored_ids(ctx, connected_id) == sandbox_ids(sandbox, connected_id)
    with ctx.db.transaction() as session:
        total = session.scalar(select(func.count()).select_from(Activity))
    assert total == len(sandbox_ids(sandbox, connected_id))  # no duplicates


def test_strava_side_429_and_5xx_and_dropped_connection(
    make_ctx: ContextFactory, sandbox: Sandbox, connected_id: int
) -> None:
    ctx = make_ctx(backfill_days=400)
    add_runs(sandbox, connected_id, 250, days_back=300)
    sandbox.inject_fault("5xx", path_prefix=LIST, count=2)
    sandbox.inject_fault("drop", path_prefix="/api/v3/activities/", count=1)
    report = sync_athlete(ctx, connected_id)  # retried within bounds
    assert report.complete, report.error
    assert stored_ids(ctx, connected_id) == sandbox_ids(sandbox, connected_id)
    sandbox.add_activity(
        connected_id, name="After faults", sport_type="Run", distance=5000.0, moving_time=1500
    )
    sandbox.inject_fault("429", path_prefix=LIST, count=1)
    blocked = sync_athlete(ctx, connected_id)
    assert not blocked.complete and blocked.resume_at is not None
    sandbox.advance_time(15 * 60)
    assert sync_athlete(ctx, connected_id).complete
    assert stored_ids(ctx, connected_id) == sandbox_ids(sandbox, connected_id)


def test_persistent_outage_ends_cleanly_and_resumes(
    make_ctx: ContextFactory, sandbox: Sandbox, connected_id: int
) -> None:
    ctx = make_ctx(backfill_days=400, http_max_retries=1)
    sandbox.inject_fault("drop", path_prefix=LIST, count=10)
    report = sync_athlete(ctx, connected_id)
    assert not report.complete and "did not answer" in report.error
    sandbox.clear_faults()
    assert sync_athlete(ctx, connected_id).complete
    assert stored_ids(ctx, connected_id) == sandbox_ids(sandbox, connected_id)


def test_local_date_comes_from_the_activity_timezone(
    ctx: AppContext, sandbox: Sandbox, connected_id: int
) -> None:
    from zoneinfo import ZoneInfo

    sync_athlete(ctx, connected_id)
    with ctx.db.transaction() as session:
        rows = session.scalars(select(Activity).where(Activity.athlete_id == connected_id)).all()
        for row in rows:
            zone = ZoneInfo(row.timezone.split(")")[-1].strip())
            assert row.local_date == row.start_utc.astimezone(zone).date()
    # 00:30 in Berlin is 23:30 UTC the day before: the run belongs to the local day.
    utc_day = (sandbox.now() - timedelta(days=2)).date()
    late = sandbox.add_activity(
        connected_id,
        name="Midnight run",
        sport_type="Run",
        distance=5000.0,
        moving_time=1600,
        start_date=f"{utc_day.isoformat()}T23:30:00Z",
    )
    sync_athlete(ctx, connected_id)
    with ctx.db.transaction() as session:
        late_row = session.get(Activity, int(late["id"]))
        assert late_row is not None
        assert late_row.start_utc.date() == utc_day
        assert late_row.local_date == utc_day + timedelta(days=1)


def test_other_sports_are_kept_but_not_counted_and_private_runs_count(
    ctx: AppContext, sandbox: Sandbox, connected_id: int
) -> None:
    sync_athlete(ctx, connected_id)
    with ctx.db.transaction() as session:
        rows = session.scalars(select(Activity)).all()
    sports = {r.sport_type for r in rows}
    assert {"Run", "Ride", "Walk"} <= sports
    assert all(r.counted == (r.sport_type in {"Run", "TrailRun", "VirtualRun"}) for r in rows)
    assert any(r.private and r.counted for r in rows)
    assert any(r.manual and r.trainer and r.counted for r in rows)


@pytest.fixture
def connected_id(connected: int) -> int:
    return connected


def test_a_note_typed_after_the_upload_is_read_on_the_second_look(
    ctx: AppContext, sandbox: Sandbox, connected_id: int
) -> None:
    assert sync_athlete(ctx, connected_id).complete
    start = sandbox.now() - timedelta(minutes=50)
    run = sandbox.add_activity(
        connected_id,
        name="Lunch run",
        sport_type="Run",
        distance=6000.0,
        moving_time=1900,
        elapsed_time=2000,
        start_date=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    run_id = int(run["id"])
    assert run_id in sync_athlete(ctx, connected_id).details
    # The runner adds the note afterwards: a description edit fires no event.
    sandbox.update_activity(run_id, description="left shin sore 4/10")
    sandbox.advance_time(2 * 3600)
    # Healthy webhooks: no listing is due for hours, so only the second look reads the note.
    subscription.save_subscription(ctx, {"id": 1, "callback_url": "https://example.invalid/x"})
    # The one second look: scheduled (it costs quota), for a run with no pain information.
    assert jobs.scheduled_sync(ctx).second_looks == [run_id]
    with ctx.db.transaction() as session:
        row = session.get(Activity, run_id)
        assert row is not None and (row.description or "").startswith("left shin sore 4/10")
    sandbox.advance_time(3600)
    assert jobs.scheduled_sync(ctx).second_looks == []  # and only one


def interrupted_backfill(make_ctx: ContextFactory, sandbox: Sandbox, athlete_id: int) -> AppContext:
    """A 400-day backfill of 450+ activities stopped by a 429 after two pages (400 stored)."""
    ctx = make_ctx(backfill_days=400, rate_safety_margin=1.0)
    add_runs(sandbox, athlete_id, 450, days_back=350)
    sandbox.advance_time(15 * 60)  # a fresh window: connecting read the athlete's profile
    sandbox.set_limits(read=(2, 1000))
    first = sync_athlete(ctx, athlete_id)
    assert not first.complete and first.resume_at is not None
    assert len(stored_ids(ctx, athlete_id)) == 400
    sandbox.set_limits(read=(100, 1000))
    return ctx


def test_a_deletion_on_an_early_page_during_an_interrupted_backfill_is_reconciled(
    make_ctx: ContextFactory, sandbox: Sandbox, connected_id: int
) -> None:
    ctx = interrupted_backfill(make_ctx, sandbox, connected_id)
    early = int(sandbox.activities(connected_id)[3]["id"])  # on page 1, already stored
    assert early in stored_ids(ctx, connected_id)
    partial = stored_ids(ctx, connected_id)
    sandbox.delete_activity(early)
    sandbox.advance_time(15 * 60)
    sandbox.reset_calls()
    second = sync_athlete(ctx, connected_id)
    assert second.complete, second.error
    assert early in second.deleted
    assert stored_ids(ctx, connected_id) == sandbox_ids(sandbox, connected_id)
    assert not set(second.created) & partial  # what the first pass stored is not new again
    # From the newest start stored (the 400th, listed again for ties) to the end, then the 399
    # stored before it once more to reconcile them: each listing ends with an empty page.
    rest = len(sandbox.activities(connected_id, include_deleted=True)) - 399
    assert len(list_calls(sandbox)) == (-(-rest // 200) + 1) + (-(-399 // 200) + 1)


def test_a_deletion_that_shifts_the_pages_before_the_resume_loses_nothing(
    make_ctx: ContextFactory, sandbox: Sandbox, connected_id: int
) -> None:
    ctx = interrupted_backfill(make_ctx, sandbox, connected_id)
    for doomed in sandbox.activities(connected_id)[2:5]:  # on page 1, already stored
        sandbox.delete_activity(int(doomed["id"]))
    # Strava drops the tombstones from its index: every later page moves up by three.
    sandbox.advance_time(SandboxConfig().tombstone_retention_s + 60)
    second = sync_athlete(ctx, connected_id)
    assert second.complete, second.error
    assert stored_ids(ctx, connected_id) == sandbox_ids(sandbox, connected_id)


def test_an_interrupted_full_sync_resumes_as_a_backfill_of_the_whole_window(
    make_ctx: ContextFactory, sandbox: Sandbox, connected_id: int
) -> None:
    ctx = make_ctx(backfill_days=400, rate_safety_margin=1.0)
    add_runs(sandbox, connected_id, 450, days_back=350)
    assert sync_athlete(ctx, connected_id).complete
    old = int(sandbox.activities(connected_id)[10]["id"])  # far outside any reconcile window
    sandbox.delete_activity(old)
    sandbox.set_limits(read=(2, 1000))
    sandbox.advance_time(15 * 60)
    assert not sync_athlete(ctx, connected_id, full=True).complete
    sandbox.set_limits(read=(100, 1000))
    sandbox.advance_time(15 * 60)
    # A plain pass after it: the full backfill goes on from where it stopped, not incremental.
    resumed = sync_athlete(ctx, connected_id)
    assert resumed.complete, resumed.error
    assert old in resumed.deleted
    assert stored_ids(ctx, connected_id) == sandbox_ids(sandbox, connected_id)
