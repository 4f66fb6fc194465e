"""The worker's jobs, independent of whatever runs them (APScheduler here, a task queue later).

Each job takes an ``AppContext`` and an optional stop event, does one bounded pass, and is safe
to run twice or to kill halfway: every step it takes is idempotent (see post_run and sync).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from strava_rehab.content.knowledge import library
from strava_rehab.context import AppContext
from strava_rehab.db import gateway
from strava_rehab.load import analyze
from strava_rehab.notify.outbox import OutboxReport, enqueue, send_pending
from strava_rehab.services import channels, sync
from strava_rehab.services import connect as athletes
from strava_rehab.services import inbox as webhooks
from strava_rehab.services import suggest as post_run
from strava_rehab.text.digest import Digest, render_digest

log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    synced: list[sync.SyncReport] = field(default_factory=list)
    post_run: list[post_run.PostRunReport] = field(default_factory=list)
    inbox: webhooks.InboxReport | None = None
    outbox: OutboxReport | None = None

    def summary(self) -> str:
        parts = [s.summary() for s in self.synced] + [p.summary() for p in self.post_run]
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
        report.post_run.append(post_run.process_athlete(ctx, athlete_id, dry_run=dry_run))
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


def run_cycle(ctx: AppContext, stop: threading.Event | None = None) -> CycleReport:
    """One full cycle, as ``worker --once`` runs it."""
    report = sync_and_suggest(ctx, stop)
    report.inbox = drain_inbox(ctx, stop)
    report.outbox = send_outbox(ctx, stop)
    return report


def build_digest(ctx: AppContext, athlete_id: int) -> Digest:
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
    now = ctx.clock()
    year, week, _ = now.date().isocalendar()
    digest = build_digest(ctx, athlete_id)
    # The runner's units and language (no note to go by: "auto" is the install's language).
    voice = post_run.runner_voice(ctx, gateway.runner_locale(ctx.db, athlete_id))
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
