"""The worker's jobs, independent of whatever runs them (APScheduler here, a task queue later).

Each job takes an ``AppContext`` and an optional stop event, does one bounded pass, and is safe
to run twice or to kill halfway: every step it takes is idempotent (see post_run and sync).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from strava_rehab.context import AppContext
from strava_rehab.db import gateway
from strava_rehab.notify.outbox import OutboxReport, enqueue, send_pending
from strava_rehab.quota.priorities import CallClass
from strava_rehab.rehab.policy import FIRST_SUGGESTION_LOOKBACK
from strava_rehab.services import channels, scheduling, sync
from strava_rehab.services import connect as athletes
from strava_rehab.services import inbox as webhooks
from strava_rehab.strava.errors import RateLimitReached, StravaError
from strava_rehab.strava.http import call_class

if TYPE_CHECKING:
    from strava_rehab.services import suggest as post_run
    from strava_rehab.text.digest import Digest

log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    synced: list[sync.SyncReport] = field(default_factory=list)
    post_run: list[post_run.PostRunReport] = field(default_factory=list)
    inbox: webhooks.InboxReport | None = None
    outbox: OutboxReport | None = None
    second_looks: list[int] = field(default_factory=list)
    # Work the budget deferred (a lower call class met the headroom kept for new runs).
    deferred: str = ""

    def summary(self) -> str:
        parts = [s.summary() for s in self.synced] + [p.summary() for p in self.post_run]
        if self.second_looks:
            parts.append(f"second looks: {len(self.second_looks)}")
        if self.deferred:
            parts.append(f"deferred: {self.deferred}")
        if self.inbox:
            parts.append(self.inbox.summary())
        if self.outbox:
            parts.append(self.outbox.summary())
        return "\n".join(parts) or "nothing to do"


def _connected(ctx: AppContext) -> list[int]:
    return [a.id for a in athletes.connected_athletes(ctx) if a.status == "connected"]


def sync_and_suggest(
    ctx: AppContext,
    stop: threading.Event | None = None,
    *,
    athlete_ids: list[int] | None = None,
    dry_run: bool = False,
) -> CycleReport:
    report = CycleReport()
    for athlete_id in athlete_ids if athlete_ids is not None else _connected(ctx):
        if stop is not None and stop.is_set():
            log.info("stopping between athletes (shutdown requested)")
            break
        synced = sync.sync_athlete(ctx, athlete_id)
        report.synced.append(synced)
        if synced.error and not synced.complete and synced.resume_at is None:
            continue
        report.post_run.append(_pass(ctx, athlete_id, dry_run=dry_run))
    return report


def _pass(ctx: AppContext, athlete_id: int, *, dry_run: bool = False) -> post_run.PostRunReport:
    """One athlete's post-run pass. Its rules, renderers and vocabularies load here, on first
    use: a tick with nothing to decide (a quiet ``worker --once``) never imports them."""
    from strava_rehab.services import suggest

    return suggest.process_athlete(ctx, athlete_id, dry_run=dry_run)


def _listing(
    ctx: AppContext, schedule: scheduling.AthleteSchedule, report: CycleReport, dry_run: bool
) -> sync.SyncReport:
    """One due poll or reconciliation of one athlete, then their suggestion pass."""
    now = ctx.clock()
    mode: sync.ListingMode = "reconcile" if scheduling.is_reconciliation(schedule) else "poll"
    with call_class(CallClass.RECONCILE):
        synced = sync.sync_athlete(ctx, schedule.athlete_id, mode=mode)
    report.synced.append(synced)
    if synced.created:
        scheduling.note_unannounced(
            ctx, scheduling.unannounced_uploads(ctx, synced.created, now), now
        )
    if synced.reconciled and scheduling.profile_check_due(schedule.athlete_id, now):
        # Units may have changed in Strava: one GET /athlete a week, spread over the week.
        try:
            with call_class(CallClass.RECONCILE):
                athletes.refresh_profile(ctx, schedule.athlete_id)
        except StravaError as exc:
            log.info("athlete %s: units not re-read (%s)", schedule.athlete_id, exc)
    if synced.complete or synced.resume_at is not None:
        report.post_run.append(_pass(ctx, schedule.athlete_id, dry_run=dry_run))
    return synced


def _backfill(
    ctx: AppContext,
    stop: threading.Event | None,
    report: CycleReport,
    *,
    athlete_ids: set[int] | None = None,
    max_steps: int | None = None,
    dry_run: bool = False,
) -> None:
    """Fair backfill steps (everyone's recent weeks first), until done, stopped or denied."""
    today = ctx.clock().date()
    steps, horizon = scheduling.backfill_steps(ctx, today)
    if athlete_ids is not None:
        steps = [s for s in steps if s.athlete_id in athlete_ids]
    done: set[int] = set()
    for count, step in enumerate(steps):
        if (stop is not None and stop.is_set()) or (max_steps is not None and count >= max_steps):
            break
        with call_class(CallClass.BACKFILL):
            stepped = sync.backfill_step(ctx, step, horizon)
        report.synced.append(stepped)
        if stepped.resume_at is not None:
            report.deferred = f"backfill until {stepped.resume_at:%H:%M} UTC"
            break
        if stepped.complete and step.athlete_id not in done:
            done.add(step.athlete_id)
    for athlete_id in sorted(done):
        report.post_run.append(_pass(ctx, athlete_id, dry_run=dry_run))


def _second_looks(ctx: AppContext, stop: threading.Event | None, report: CycleReport) -> None:
    """One more detail read of recent runs without pain information, budget permitting."""
    touched: set[int] = set()
    for athlete_id, verdict in scheduling.second_look_verdicts(ctx, ctx.clock()):
        if not verdict.eligible or (stop is not None and stop.is_set()):
            continue
        try:
            with call_class(CallClass.SECOND_LOOK):
                sync.second_look(ctx, athlete_id, verdict.activity_id)
        except RateLimitReached as exc:
            report.deferred = f"second looks until {exc.resume_at:%H:%M} UTC"
            break
        except StravaError as exc:
            log.warning("second look at activity %s failed: %s", verdict.activity_id, exc)
            continue
        report.second_looks.append(verdict.activity_id)
        touched.add(athlete_id)
    for athlete_id in sorted(touched):
        report.post_run.append(_pass(ctx, athlete_id))


def scheduled_sync(
    ctx: AppContext, stop: threading.Event | None = None, *, dry_run: bool = False
) -> CycleReport:
    """The scheduler's tick (``worker.sync_cron``): only what is due, in class order.

    Due polls and reconciliations (``services/scheduling.py``: one a day per athlete with
    healthy webhooks, adaptive polling without), then second looks, then the fair backfill.
    A class the budget refuses is deferred to when its window reopens; new runs (events) are
    never waiting on it, they come through the inbox and keep their headroom.
    """
    report = CycleReport()
    now = ctx.clock()
    for schedule in scheduling.schedules(ctx, now):
        if stop is not None and stop.is_set():
            log.info("stopping between athletes (shutdown requested)")
            return report
        if schedule.mode == scheduling.BACKFILL or not schedule.due(now):
            continue
        synced = _listing(ctx, schedule, report, dry_run)
        if synced.resume_at is not None:
            report.deferred = f"listings until {synced.resume_at:%H:%M} UTC"
            break
    _second_looks(ctx, stop, report)
    _backfill(ctx, stop, report, dry_run=dry_run)
    # Finish what a pass killed halfway left (a decided but unwritten block, a run read but not
    # decided): only for the athletes owed one, so a quiet tick costs two queries, not a pass
    # per athlete.
    passed = {p.athlete_id for p in report.post_run}
    owed = gateway.athletes_owed_a_pass(ctx.db, now.date() - FIRST_SUGGESTION_LOOKBACK)
    for athlete_id in sorted(owed & set(_connected(ctx)) - passed):
        if stop is not None and stop.is_set():
            break
        report.post_run.append(_pass(ctx, athlete_id, dry_run=dry_run))
    return report


def sync_scheduled_athlete(ctx: AppContext, athlete_id: int) -> CycleReport:
    """One athlete's due work (the distributed runner's per-athlete task): a poll or
    reconciliation if due, else one fair backfill step if backfilling."""
    report = CycleReport()
    now = ctx.clock()
    for schedule in scheduling.schedules(ctx, now):
        if schedule.athlete_id != athlete_id:
            continue
        if schedule.mode == scheduling.BACKFILL:
            _backfill(ctx, None, report, athlete_ids={athlete_id}, max_steps=1)
        elif schedule.due(now):
            _listing(ctx, schedule, report, False)
    return report


def drain_inbox(ctx: AppContext, stop: threading.Event | None = None) -> webhooks.InboxReport:
    return webhooks.process_inbox(ctx)


def send_outbox(ctx: AppContext, stop: threading.Event | None = None) -> OutboxReport:
    return send_pending(
        ctx.db,
        channels.router(ctx),  # each athlete's own channels, else notify.urls
        ctx.clock(),
        max_attempts=ctx.settings.notify.max_attempts,
        retry_base_s=ctx.settings.notify.retry_base_s,
        clock=ctx.clock,
        stop=stop,
    )


def run_cycle(
    ctx: AppContext, stop: threading.Event | None = None, *, scheduled: bool = False
) -> CycleReport:
    """One full cycle: every athlete listed now (``sync``-like), or with ``scheduled`` only what
    the quota schedule says is due (``worker --once`` from cron, the worker's tick)."""
    report = scheduled_sync(ctx, stop) if scheduled else sync_and_suggest(ctx, stop)
    report.inbox = drain_inbox(ctx, stop)
    report.outbox = send_outbox(ctx, stop)
    return report


def build_digest(ctx: AppContext, athlete_id: int) -> Digest:
    from strava_rehab.load import analyze
    from strava_rehab.text.digest import Digest

    today = ctx.clock().date()
    week_start = today - timedelta(days=6)
    runs = gateway.counted_runs(ctx.db, athlete_id, since=today - timedelta(days=70))
    findings = gateway.findings_since(ctx.db, athlete_id, week_start)
    pain = [
        (p.local_date, p.report)
        for p in gateway.pain_between(ctx.db, athlete_id, today - timedelta(days=13))
    ]
    suggestions = gateway.suggestions_since(ctx.db, athlete_id, week_start)
    athlete = gateway.athlete(ctx.db, athlete_id)
    name = athlete.firstname if athlete else ""
    metrics = analyze(runs, as_of=today, thresholds=ctx.settings.analysis).metrics
    exercises = sorted({name for s in suggestions for name in s.exercises})
    return Digest(
        athlete_name=name,
        week_start=week_start,
        week_end=today,
        metrics=metrics,
        findings=findings,
        pain=pain,
        exercises=exercises,
    )


def send_digests(ctx: AppContext, stop: threading.Event | None = None) -> int:
    """Enqueue this week's digest for every athlete (once per athlete and ISO week)."""
    count = 0
    for athlete_id in _connected(ctx):
        enqueue_digest(ctx, athlete_id)
        count += 1
    send_outbox(ctx, stop)
    return count


def enqueue_digest(ctx: AppContext, athlete_id: int) -> None:
    """This week's digest for one athlete, into the outbox (once per athlete and ISO week)."""
    from strava_rehab.content.knowledge import library
    from strava_rehab.services.suggest import runner_voice
    from strava_rehab.text.digest import render_digest

    now = ctx.clock()
    year, week, _ = now.date().isocalendar()
    digest = build_digest(ctx, athlete_id)
    # The runner's units and language (no note to go by: "auto" is the install's language).
    voice = runner_voice(ctx, gateway.runner_locale(ctx.db, athlete_id))
    title, body = render_digest(digest, voice, library(voice.language).rules.regions)
    with ctx.db.transaction() as session:
        enqueue(
            session,
            athlete_id=athlete_id,
            dedupe_key=f"digest:{athlete_id}:{year}-W{week:02d}",
            kind="digest",
            title=title,
            body=body,
            now=now,
        )
