"""Spending Strava's app-wide quota like the scarce thing it is (issue 12), over real HTTP.

Each test counts the calls the sandbox saw: a new run is one GET and one PUT, a new run leaves
earlier runs' blocks alone, a healthy push subscription leaves one reconciliation listing a day,
and a webhook run is still suggested within its 15-minute window while ten backfills wait.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.integration.conftest import ContextFactory, browser
from tests.integration.new_runners import connect_new_runner

from strava_rehab.context import AppContext
from strava_rehab.db.models import SuggestionRow, SyncState
from strava_rehab.quota.priorities import next_quarter_hour
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import connect as athletes
from strava_rehab.services import inbox, jobs, scheduling, subscription
from strava_rehab.strava.events import EventPayload
from strava_rehab.text.description_block import START

LIST_PATH = "/api/v3/athlete/activities"
SUBSCRIPTION_ID = 4242
SHIN = "left shin sore 4/10 during the last 2k"


def calls_since(sandbox: Sandbox, mark: int) -> list[dict[str, Any]]:
    return sandbox.calls()[mark:]


def activity_calls(calls: list[dict[str, Any]], activity_id: int) -> Counter[str]:
    return Counter(c["method"] for c in calls if c["path"] == f"/api/v3/activities/{activity_id}")


def announce(ctx: AppContext, sandbox: Sandbox, owner: int, activity_id: int) -> None:
    """Strava's create event for the run, as ``serve`` stores it."""
    event = EventPayload(
        object_type="activity",
        object_id=activity_id,
        aspect_type="create",
        owner_id=owner,
        subscription_id=SUBSCRIPTION_ID,
        event_time=int(sandbox.now().timestamp()),
    )
    assert inbox.record_event(ctx, event)


def upload(sandbox: Sandbox, athlete_id: int, *, note: str = "", km: float = 8.0) -> int:
    start = sandbox.now() - timedelta(minutes=50)
    run = sandbox.add_activity(
        athlete_id,
        name="Evening Run",
        sport_type="Run",
        distance=km * 1000,
        moving_time=int(km * 330),
        elapsed_time=int(km * 340),
        start_date=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        description=note,
    )
    return int(run["id"])


def subscribe(ctx: AppContext) -> None:
    subscription.save_subscription(
        ctx, {"id": SUBSCRIPTION_ID, "callback_url": "https://example.invalid/strava/webhook/x"}
    )


@pytest.fixture
def runner(ctx: AppContext, sandbox: Sandbox) -> int:
    """The seeded runner (a spike in the last week), connected, history synced and suggested."""
    athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    jobs.run_cycle(ctx)
    subscribe(ctx)
    return athlete_id


def test_a_new_run_costs_exactly_one_get_and_one_put(
    ctx: AppContext, sandbox: Sandbox, runner: int
) -> None:
    mark = len(sandbox.calls())
    run_id = upload(sandbox, runner, note=SHIN)
    announce(ctx, sandbox, runner, run_id)
    report = jobs.drain_inbox(ctx)
    assert report.processed == 1
    assert START in (sandbox.activity(run_id)["description"] or "")
    calls = calls_since(sandbox, mark)
    assert activity_calls(calls, run_id) == Counter({"GET": 1, "PUT": 1})
    assert len(calls) == 2, calls  # nothing else: no listing, no re-read, no other run's PUT


def test_a_new_run_leaves_earlier_runs_blocks_untouched(
    ctx: AppContext, sandbox: Sandbox, runner: int
) -> None:
    first = upload(sandbox, runner, km=5.0)  # the spike week: a load check with its figures
    announce(ctx, sandbox, runner, first)
    jobs.drain_inbox(ctx)
    first_text = sandbox.activity(first)["description"]
    assert "Load check" in first_text and "km)" in first_text
    # A rolling figure moves under the first run: an earlier run of the week is corrected
    # (a GPS fix, +3 km), and another run is uploaded.
    week_ago = (sandbox.now() - timedelta(days=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    first_start = sandbox.activity(first)["start_date"]
    earlier = [
        a
        for a in sandbox.activities(runner)
        if a["sport_type"] == "Run" and week_ago < a["start_date"] < first_start
    ]
    corrected = max(earlier, key=lambda a: a["start_date"])
    sandbox.update_activity(int(corrected["id"]), distance=float(corrected["distance"]) + 3000)
    sandbox.advance_time(3 * 3600)
    mark = len(sandbox.calls())
    second = upload(sandbox, runner, km=6.0)
    announce(ctx, sandbox, runner, second)
    jobs.drain_inbox(ctx)
    jobs.run_cycle(ctx)  # lists (the correction is found) and decides every run again
    puts = [c["path"] for c in calls_since(sandbox, mark) if c["method"] == "PUT"]
    assert f"/api/v3/activities/{second}" in puts
    assert f"/api/v3/activities/{first}" not in puts
    assert sandbox.activity(first)["description"] == first_text
    # Not a vacuous pass: the first run was decided again with the moved weekly figure, and
    # only "its own decision did not change" kept that text from being PUT.
    with ctx.db.read() as session:
        row = session.scalar(select(SuggestionRow).where(SuggestionRow.activity_id == first))
        assert row is not None and row.public_text not in first_text
        assert row.delivered_facts is not None


def test_a_later_run_that_takes_the_week_over_leaves_that_days_first_run_alone(
    ctx: AppContext, sandbox: Sandbox
) -> None:
    """The weekly notice goes with the run that took the week over the threshold; the day's
    first run, decided on the week as it stood, keeps its decision and is not written."""
    noon = sandbox.now().replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=1)
    sandbox.advance_until(noon)
    # Five steady weeks of 6 km a day (42 km a week), each run at 08:00.
    athlete_id = connect_new_runner(
        ctx, sandbox, "Lauf", history_days=35, history_until=noon - timedelta(hours=4)
    )
    jobs.run_cycle(ctx)
    subscribe(ctx)
    first = upload(sandbox, athlete_id, km=6.0)  # the week stays at 42 km: nothing to say
    announce(ctx, sandbox, athlete_id, first)
    jobs.drain_inbox(ctx)
    assert START not in (sandbox.activity(first)["description"] or "")
    sandbox.advance_time(3 * 3600)
    mark = len(sandbox.calls())
    second = upload(sandbox, athlete_id, km=14.0)  # 56 km against 42: +33 %, same local day
    announce(ctx, sandbox, athlete_id, second)
    jobs.drain_inbox(ctx)
    jobs.run_cycle(ctx)  # every eligible run decided again
    assert "Load check" in (sandbox.activity(second)["description"] or "")
    assert activity_calls(calls_since(sandbox, mark), first) == Counter()
    assert START not in (sandbox.activity(first)["description"] or "")
    with ctx.db.read() as session:
        kinds = dict(
            session.execute(
                select(SuggestionRow.activity_id, SuggestionRow.kind).where(
                    SuggestionRow.activity_id.in_([first, second])
                )
            ).all()
        )
    assert kinds == {first: "none", second: "load_advice"}
    # A run later that day goes on from the week as it now stands: the notice is its too.
    sandbox.advance_time(2 * 3600)
    third = upload(sandbox, athlete_id, km=5.0)
    announce(ctx, sandbox, athlete_id, third)
    jobs.drain_inbox(ctx)
    assert "Load check" in (sandbox.activity(third)["description"] or "")
    assert START not in (sandbox.activity(first)["description"] or "")


def test_a_second_look_only_for_runs_without_pain_information(
    ctx: AppContext, sandbox: Sandbox, runner: int
) -> None:
    quiet = upload(sandbox, runner)  # no note yet: the runner types it later
    told = upload(sandbox, runner, note=SHIN)
    for run_id in (quiet, told):
        announce(ctx, sandbox, runner, run_id)
    jobs.drain_inbox(ctx)
    sandbox.update_activity(quiet, description="right knee 3/10")  # fires no event
    sandbox.advance_time(2 * 3600)
    mark = len(sandbox.calls())
    report = jobs.scheduled_sync(ctx)
    calls = calls_since(sandbox, mark)
    assert report.second_looks == [quiet]
    assert activity_calls(calls, told) == Counter()
    assert activity_calls(calls, quiet)["GET"] == 1
    # The late note was read and decided on; and there is only one second look.
    assert "knee" in (sandbox.activity(quiet)["description"] or "").lower()
    sandbox.advance_time(3600)
    assert jobs.scheduled_sync(ctx).second_looks == []


def test_with_a_healthy_subscription_the_scheduled_sync_makes_at_most_a_daily_reconciliation(
    ctx: AppContext, sandbox: Sandbox, runner: int
) -> None:
    # The backfill listed everything just now; from here on, a day of five-minute ticks.
    schedule = scheduling.schedules(ctx, sandbox.now())
    assert [s.mode for s in schedule] == ["reconcile"]
    assert "webhooks healthy" in schedule[0].reason
    mark = len(sandbox.calls())
    reconciled = []
    for _ in range(48 * 12 + 2):  # two days of ticks: the reconciliation comes every other day
        sandbox.advance_time(300)
        report = jobs.scheduled_sync(ctx)
        reconciled += [s for s in report.synced if s.reconciled]
    lists = [c for c in calls_since(sandbox, mark) if c["path"] == LIST_PATH]
    assert len(reconciled) == 1
    assert 1 <= len(lists) <= 2  # one listing: its page, and the empty page that ends it
    # Besides it, at most one second look per recent run without pain information.
    api = [c for c in calls_since(sandbox, mark) if c["path"].startswith("/api/")]  # not OAuth
    others = [c for c in api if c["path"] != LIST_PATH]
    assert all(c["method"] == "GET" for c in others), others
    looked = Counter(c["path"] for c in others)
    assert all(n == 1 for n in looked.values()), looked


def test_without_a_subscription_polling_resumes_and_status_says_why(
    ctx: AppContext, sandbox: Sandbox, runner: int
) -> None:
    subscription.save_subscription(ctx, None)
    schedule = scheduling.schedules(ctx, sandbox.now())
    assert schedule[0].mode in {"adaptive", "cold_start", "idle"}
    assert schedule[0].reason.startswith("no subscription")
    mark = len(sandbox.calls())
    for _ in range(12 * 12):  # twelve hours
        sandbox.advance_time(300)
        jobs.scheduled_sync(ctx)
    lists = [c for c in calls_since(sandbox, mark) if c["path"] == LIST_PATH]
    # Polled, but adaptively: far fewer than one listing per tick (144).
    assert 3 <= len(lists) <= 40


def test_a_webhook_run_is_suggested_within_its_window_while_ten_backfills_wait(
    make_ctx: ContextFactory, sandbox: Sandbox
) -> None:
    ctx = make_ctx(max_athletes=20)
    population = sandbox.seed_population(athletes=10, schedule_days=0.0, authorize=False)
    ids = [int(a["athlete_id"]) for a in population["athletes"]]
    for athlete_id in ids:
        sandbox.set_current_athlete(athlete_id)
        athletes.connect_with_loopback(ctx, browser, timeout_s=10)
    subscribe(ctx)
    # Start just after a quarter hour, so the whole scenario is inside one 15-minute window.
    now = sandbox.now()
    sandbox.advance_time((next_quarter_hour(now) - now).total_seconds() + 30)
    window_end = next_quarter_hour(sandbox.now())

    backfill = jobs.scheduled_sync(ctx)  # ten athletes' history wants far more than a window
    assert backfill.deferred.startswith("backfill"), backfill.summary()
    run_id = upload(sandbox, ids[3], note=SHIN)
    announce(ctx, sandbox, ids[3], run_id)
    jobs.drain_inbox(ctx)

    assert sandbox.now() < window_end
    assert START in (sandbox.activity(run_id)["description"] or "")
    assert not [c for c in sandbox.calls() if c["status"] == 429]


def test_the_backfill_fetches_every_athletes_last_42_days_before_anyones_older_history(
    make_ctx: ContextFactory, sandbox: Sandbox
) -> None:
    ctx = make_ctx(max_athletes=20, backfill_days=120)
    population = sandbox.seed_population(
        athletes=4, schedule_days=0.0, history_days=100, authorize=False
    )
    ids = [int(a["athlete_id"]) for a in population["athletes"]]
    for athlete_id in ids:
        sandbox.set_current_athlete(athlete_id)
        athletes.connect_with_loopback(ctx, browser, timeout_s=10)
    today = sandbox.now().date()
    recent_start = today - timedelta(days=41)
    mark = len(sandbox.calls())
    for _ in range(40):  # the default quota spreads it over several windows
        jobs.scheduled_sync(ctx)
        if all(s.mode != scheduling.BACKFILL for s in scheduling.schedules(ctx, sandbox.now())):
            break
        sandbox.advance_time(15 * 60)
    windows = []
    for call in calls_since(sandbox, mark):
        if call["path"] == LIST_PATH and call["query"].get("page", "1") == "1":
            windows.append(int(call["query"]["after"]))
    # One listing per athlete and step: every recent step (after ~ 42 days ago) comes first.
    recent_epoch = int(
        (sandbox.now() - timedelta(days=(today - recent_start).days + 2)).timestamp()
    )
    recent = [w >= recent_epoch for w in windows]
    assert True in recent and False in recent  # both tiers were fetched
    assert recent == sorted(recent, reverse=True), windows  # every recent listing came first
    with ctx.db.read() as session:
        states = session.scalars(select(SyncState)).all()
        assert {s.athlete_id for s in states if s.backfill_done} == set(ids)


def test_status_says_each_athletes_sync_mode_and_why(
    ctx: AppContext, sandbox: Sandbox, runner: int, capsys: pytest.CaptureFixture[str]
) -> None:
    from strava_rehab.services import reports

    modes = reports.install_status(ctx)["sync_modes"]
    assert [(m["athlete_id"], m["mode"]) for m in modes] == [(runner, "reconcile")]
    assert "webhooks healthy: every 48 h reconciliation" in modes[0]["reason"]
    subscription.save_subscription(ctx, None)
    modes = reports.install_status(ctx)["sync_modes"]
    assert modes[0]["mode"] != "reconcile" and modes[0]["reason"].startswith("no subscription")
