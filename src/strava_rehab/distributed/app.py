"""The procrastinate app and its tasks, built from the settings.

Tasks are plain sync functions around the services (``services.jobs``, ``services.inbox``,
``notify.outbox``): each runs in a worker thread with that thread's own ``AppContext``. Every
job is queued through ``defer_in`` inside a database transaction, so a job and the rows it is
about commit together.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import procrastinate
from procrastinate import exceptions, jobs
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from strava_rehab.context import AppContext, open_context
from strava_rehab.db import gateway, leases
from strava_rehab.db.models import OutboxMessage, WebhookEvent
from strava_rehab.distributed.defer import defer_in
from strava_rehab.notify.outbox import send_pending
from strava_rehab.services import channels, scheduling, suggest
from strava_rehab.services import connect as athletes
from strava_rehab.services import inbox as webhooks
from strava_rehab.services import jobs as services
from strava_rehab.settings import ConfigError, Settings
from strava_rehab.strava.errors import RateLimitReached, StravaError
from strava_rehab.strava.events import EventPayload
from strava_rehab.strava.http import utc_now
from strava_rehab.strava.rate_budget import BUCKETS, DatabaseRateBudget

log = logging.getLogger(__name__)

# A post-run job whose events failed (a 5xx, a timeout) comes back after this, times attempts.
EVENT_RETRY_S = 5.0
# A worker starting this soon after another one's catch-up fan-out does not queue its own.
CATCH_UP_LEASE = "catch_up_sync"
CATCH_UP_COVERS = timedelta(minutes=5)


def conninfo(settings: Settings) -> str:
    """The libpq connection string procrastinate wants, from our SQLAlchemy URL."""
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() != "postgresql":
        raise ConfigError(
            "runner = 'procrastinate' needs a PostgreSQL database_url (postgresql+psycopg://...)"
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def athlete_lock(athlete_id: int) -> str:
    return f"athlete:{athlete_id}"


def next_quarter_hour(now: datetime) -> datetime:
    """When Strava's 15-minute window (and ours) resets."""
    return BUCKETS["overall_15m"].window_end(now)


class Contexts:
    """One ``AppContext`` per worker thread (its own HTTP session), closed together."""

    def __init__(self, settings: Settings, clock: Callable[[], datetime] = utc_now) -> None:
        self.settings = settings
        self.clock = clock
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[AppContext] = []

    def get(self) -> AppContext:
        ctx: AppContext | None = getattr(self._local, "ctx", None)
        if ctx is None:
            ctx = open_context(self.settings, migrate=False, clock=self.clock)
            # A job never waits for Strava's window, not even the last seconds of one
            # (``rate_limit_max_wait_s`` is the embedded runner's): it ends and is queued again
            # for the reset, and the worker's slot and the athlete's lock go to other work.
            ctx.http.max_rate_wait_s = 0.0
            self._local.ctx = ctx
            with self._lock:
                self._opened.append(ctx)
        return ctx

    def close(self) -> None:
        with self._lock:
            for ctx in self._opened:
                ctx.close()
            self._opened.clear()


@dataclass
class DistributedApp:
    """The procrastinate ``App`` and the ways this product queues its jobs."""

    app: procrastinate.App
    settings: Settings
    contexts: Contexts
    tasks: dict[str, procrastinate.tasks.Task[Any, Any, Any]]

    # --- queueing (inside the caller's transaction) --------------------------------------

    def queue_sync(
        self,
        session: Session,
        athlete_id: int,
        schedule_at: datetime | None = None,
        *,
        now: bool = False,
    ) -> bool:
        """The athlete's sync: what the quota schedule says is due, or with ``now`` a listing
        whatever the schedule (``run_until_idle``, like ``worker --once --all``)."""
        extra: dict[str, Any] = {"listing": "now"} if now else {}
        return defer_in(
            session,
            self.tasks["sync_athlete"],
            lock=athlete_lock(athlete_id),
            queueing_lock=f"sync:{athlete_id}",
            schedule_at=schedule_at,
            athlete_id=athlete_id,
            **extra,
        )

    def queue_post_run(
        self, session: Session, athlete_id: int, schedule_at: datetime | None = None
    ) -> bool:
        return defer_in(
            session,
            self.tasks["post_run"],
            lock=athlete_lock(athlete_id),
            queueing_lock=f"post_run:{athlete_id}",
            schedule_at=schedule_at,
            athlete_id=athlete_id,
        )

    def queue_notification(
        self, session: Session, message_id: int, schedule_at: datetime | None = None
    ) -> bool:
        return defer_in(
            session,
            self.tasks["send_notification"],
            lock=f"notify:{message_id}",
            queueing_lock=f"notify:{message_id}",
            schedule_at=schedule_at,
            message_id=message_id,
        )

    def queue_notifications(
        self, session: Session, now: datetime, athlete_id: int | None = None
    ) -> int:
        """A job per message waiting to be sent (one athlete's, or all: the sweep)."""
        query = select(OutboxMessage.id, OutboxMessage.next_attempt_at).where(
            (OutboxMessage.status == "pending")
            | (
                (OutboxMessage.status == "sending")
                & (OutboxMessage.claimed_until.is_not(None))
                & (OutboxMessage.claimed_until < now)
            )
        )
        if athlete_id is not None:
            query = query.where(OutboxMessage.athlete_id == athlete_id)
        queued = 0
        for message_id, due in session.execute(query).all():
            later = due if due is not None and due > now else None
            queued += self.queue_notification(session, message_id, later)
        return queued

    # --- the web side ----------------------------------------------------------------------

    def event_stored(self, session: Session, event: EventPayload) -> None:
        """Called by ``record_event`` in the transaction that stores a new event."""
        self.queue_post_run(session, event.owner_id)

    def athlete_connected(self, ctx: AppContext, athlete_id: int) -> None:
        with ctx.db.transaction() as session:
            self.queue_sync(session, athlete_id)

    def queue_sync_all(self, ctx: AppContext, *, everyone: bool = False) -> None:
        """A fan-out now, deduped with any that already waits (not with one already run):
        of who is due, or with ``everyone`` of every connected athlete."""
        extra: dict[str, Any] = {"everyone": True} if everyone else {}
        with ctx.db.transaction() as session:
            defer_in(
                session,
                self.tasks["sync_all"],
                queueing_lock="sync_all",
                timestamp=int(ctx.clock().timestamp()),
                **extra,
            )

    def queue_catch_up(self, ctx: AppContext) -> bool:
        """The catch-up fan-out of a worker starting, unless another worker queued one within
        ``CATCH_UP_COVERS``: four workers started together (``--scale worker=4``) sync each
        athlete once, not four times over as each fan-out finishes before the next worker is
        up (the queueing lock only dedupes a fan-out still waiting)."""
        taken = leases.take(
            ctx.db, CATCH_UP_LEASE, owner=leases.new_owner(), now=ctx.clock(), lease=CATCH_UP_COVERS
        )
        if not taken.won:
            log.info("catch-up sync: queued by %s moments ago, not again", taken.holder)
            return False
        self.queue_sync_all(ctx)
        return True


def _pending_events(ctx: AppContext, athlete_id: int) -> int:
    with ctx.db.read() as session:
        return len(
            session.scalars(
                select(WebhookEvent.id).where(
                    WebhookEvent.owner_id == athlete_id, WebhookEvent.processed_at.is_(None)
                )
            ).all()
        )


def _suggestion_pass(ctx: AppContext, athlete_id: int) -> None:
    try:
        suggest.process_athlete(ctx, athlete_id)
    except RateLimitReached:
        raise
    except StravaError as exc:  # as in process_inbox: the scheduled sync's pass finishes it
        log.warning("post-run pass for athlete %s stopped: %s", athlete_id, exc)


def _rate_limited(error: str) -> bool:
    return error.startswith("Strava rate limit reached")


def _budget_resume(ctx: AppContext) -> datetime | None:
    """When the shared budget has room again, if it is spent now (by this job or any other
    process; a 429's usage headers are counted into it too)."""
    return DatabaseRateBudget(ctx.db, ctx.settings.rate_safety_margin).resume_at(ctx.clock())


def _later(first: datetime | None, second: datetime | None) -> datetime | None:
    """The later reset: a job stopped by the quarter hour while the day is spent too would
    only run again to be stopped by the day."""
    return max((t for t in (first, second) if t is not None), default=None)


def build_app(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> DistributedApp:
    """The app and its tasks; crons come from ``worker`` and ``distributed`` settings.

    ``clock`` is the tasks' clock (tests put it on the sandbox's); procrastinate's own times
    (``scheduled_at`` due, heartbeats) are the database's.
    """
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(settings)),
    )
    contexts = Contexts(settings, clock)
    tasks: dict[str, procrastinate.tasks.Task[Any, Any, Any]] = {}
    dapp = DistributedApp(app=app, settings=settings, contexts=contexts, tasks=tasks)
    dist = settings.distributed

    @app.task(name="sync_athlete")
    def sync_athlete(athlete_id: int, listing: str = "scheduled") -> None:
        ctx = contexts.get()
        resume: datetime | None = None
        try:
            if listing == "scheduled" and gateway.sync_state(ctx.db, athlete_id).backfill_done:
                # The quota schedule's listing (a poll or the reconciliation), if due.
                report = services.sync_scheduled_athlete(ctx, athlete_id)
            else:  # the first sync: the whole backfill, resumable
                report = services.sync_and_suggest(ctx, athlete_ids=[athlete_id])
        except RateLimitReached as exc:
            resume = exc.resume_at
        else:
            synced = report.synced[0] if report.synced else None
            resume = synced.resume_at if synced else None
            passes = [p for p in report.post_run if _rate_limited(p.error)]
            if resume is None and passes:
                # The pass's writes were refused: resume when the spent window resets (the
                # day's at midnight), not at every quarter hour until then.
                resume = _budget_resume(ctx) or next_quarter_hour(ctx.clock())
        if resume is not None:
            resume = _later(resume, _budget_resume(ctx))
        with ctx.db.transaction() as session:
            dapp.queue_notifications(session, ctx.clock(), athlete_id)
            if resume is not None:
                log.info("athlete %s: rate limit, sync queued again for %s", athlete_id, resume)
                dapp.queue_sync(session, athlete_id, resume, now=listing == "now")

    @app.task(name="post_run")
    def post_run(athlete_id: int) -> None:
        ctx = contexts.get()
        resume: datetime | None = None
        try:
            report = webhooks.process_inbox(ctx, owner_id=athlete_id)
            resume = report.resume_at
            if resume is None and athlete_id not in report.touched_athletes:
                # Nothing was left to apply, yet this job was queued for a reason: it is the
                # retry of a job whose worker died after settling the events and before (or
                # during) the suggestion pass, or the job that superseded it, or another job
                # took the events first. The pass is idempotent, so run it: the work those
                # events stand for is never lost.
                _suggestion_pass(ctx, athlete_id)
        except RateLimitReached as exc:
            resume = exc.resume_at
        # The suggestion pass keeps a refused write to itself (a log line, in the inbox's pass
        # and in ours), so ask the shared budget: spent now means a write may have been
        # refused, and the pass runs again at the reset (with nothing left to write it makes
        # no Strava call).
        resume = _later(resume, _budget_resume(ctx))
        left = _pending_events(ctx, athlete_id)
        with ctx.db.transaction() as session:
            dapp.queue_notifications(session, ctx.clock(), athlete_id)
            if resume is not None:
                log.info("athlete %s: rate limit, events queued again for %s", athlete_id, resume)
                dapp.queue_post_run(session, athlete_id, resume)
            elif left:
                later = ctx.clock() + timedelta(seconds=EVENT_RETRY_S)
                dapp.queue_post_run(session, athlete_id, later)

    @app.task(name="send_notification")
    def send_notification(message_id: int) -> None:
        ctx = contexts.get()
        notify = ctx.settings.notify
        report = send_pending(
            ctx.db,
            channels.router(ctx),
            ctx.clock(),
            max_attempts=notify.max_attempts,
            retry_base_s=notify.retry_base_s,
            message_id=message_id,
        )
        if report.failed:
            with ctx.db.transaction() as session:
                row = session.get(OutboxMessage, message_id)
                if row is not None and row.status == "pending":
                    dapp.queue_notification(session, message_id, row.next_attempt_at)

    @app.task(name="send_digest")
    def send_digest(athlete_id: int) -> None:
        ctx = contexts.get()
        services.enqueue_digest(ctx, athlete_id)
        with ctx.db.transaction() as session:
            dapp.queue_notifications(session, ctx.clock(), athlete_id)

    @app.periodic(cron=settings.worker.sync_cron)
    @app.task(name="sync_all", queueing_lock="sync_all")
    def sync_all(timestamp: int, everyone: bool = False) -> None:
        ctx = contexts.get()
        # Only who is due (services/scheduling.py): with healthy webhooks that is one
        # reconciliation per athlete a day, not a listing of everyone every tick.
        now = ctx.clock()
        schedules = scheduling.schedules(ctx, now)
        due = [
            s.athlete_id
            for s in schedules
            if everyone or s.mode == scheduling.BACKFILL or s.due(now)
        ]
        with ctx.db.transaction() as session:
            queued = sum(dapp.queue_sync(session, a, now=everyone) for a in due)
        log.info("sync_all: %d of %d athletes queued (%d due)", queued, len(schedules), len(due))

    @app.periodic(cron=settings.worker.digest_cron)
    @app.task(name="send_digests", queueing_lock="send_digests")
    def send_digests(timestamp: int) -> None:
        ctx = contexts.get()
        connected = [a.id for a in athletes.connected_athletes(ctx) if a.status == "connected"]
        with ctx.db.transaction() as session:
            for athlete_id in connected:
                defer_in(
                    session,
                    tasks["send_digest"],
                    queueing_lock=f"digest:{athlete_id}",
                    athlete_id=athlete_id,
                )

    @app.periodic(cron=dist.outbox_sweep_cron)
    @app.task(name="sweep_outbox", queueing_lock="sweep_outbox")
    def sweep_outbox(timestamp: int) -> None:
        # The safety net: a worker killed between an outbox commit and its job loses nothing.
        ctx = contexts.get()
        with ctx.db.transaction() as session:
            dapp.queue_notifications(session, ctx.clock())

    @app.periodic(cron=dist.stalled_check_cron)
    @app.task(name="retry_stalled_jobs", queueing_lock="retry_stalled_jobs")
    async def retry_stalled_jobs(timestamp: int) -> None:
        manager = app.job_manager
        stalled = await manager.get_stalled_jobs(seconds_since_heartbeat=dist.stalled_after_s)
        for job in stalled:
            try:
                await manager.retry_job(job)
                log.warning("job %s (%s) of a dead worker: retried", job.id, job.call_string)
            except exceptions.UniqueViolation:
                # A newer job with the same queueing lock already waits and redoes the work
                # (every task drains what is pending): the stalled one is superseded.
                await manager.finish_job(job, status=jobs.Status.ABORTED, delete_job=False)
                log.warning("job %s of a dead worker: superseded by a waiting job", job.id)

    tasks.update(
        sync_athlete=sync_athlete,
        post_run=post_run,
        send_notification=send_notification,
        send_digest=send_digest,
        sync_all=sync_all,
        send_digests=send_digests,
        sweep_outbox=sweep_outbox,
        retry_stalled_jobs=retry_stalled_jobs,
    )
    return dapp
