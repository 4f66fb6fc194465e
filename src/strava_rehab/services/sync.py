"""Syncing an athlete's activities: backfill, incremental with overlap, reconciliation, detail.

- The first sync backfills ``backfill_days`` of history, oldest first, page by page,
  checkpointing the newest start stored in the same transaction as each page's rows: a 429 or a
  crash mid-backfill resumes from that time (not from a page number, which a deletion on an
  earlier page would shift), then lists the part stored before once more, so the whole window is
  reconciled. Nothing is lost or written twice: rows are upserted by Strava id (INSERT ... ON
  CONFLICT), so two processes storing the same page at once do not collide.
- Later syncs list from the newest start seen minus ``sync_overlap_days``, so late uploads and
  edits are not missed. Strava may return short pages that are not the last: we page until an
  empty one.
- Strava sends no event for a deleted activity we did not hear about by webhook, so every
  ``reconcile_every_hours`` the listing window widens to ``reconcile_days`` and stored
  activities in that window that Strava no longer lists are deleted.
- Detail (description, private note, perceived exertion) costs one call per activity, so it is
  fetched only for counted runs inside ``detail_window_days`` that are new or changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from strava_rehab.context import AppContext
from strava_rehab.db import gateway
from strava_rehab.db.engine import Database
from strava_rehab.db.models import Activity
from strava_rehab.quota.backfill import BackfillStep
from strava_rehab.services import connect as athletes
from strava_rehab.services.sync_progress import SyncProgress, SyncStep
from strava_rehab.strava.activity import apply_detail, apply_summary, needs_detail, parse_time
from strava_rehab.strava.api import AthleteApi
from strava_rehab.strava.errors import (
    ApplicationInactive,
    AthleteDisconnected,
    NotFound,
    RateLimitReached,
    StravaError,
    TransientStravaError,
    Unauthorized,
)

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    athlete_id: int
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    details: list[int] = field(default_factory=list)
    api_calls: int = 0
    complete: bool = False
    reconciled: bool = False
    resume_at: datetime | None = None
    error: str = ""
    unreachable: bool = False  # Strava did not answer (timeouts, 5xx, dropped connections)

    @property
    def changed(self) -> set[int]:
        return set(self.created) | set(self.updated) | set(self.details)

    def summary(self) -> str:
        text = (
            f"athlete {self.athlete_id}: {len(self.created)} new, {len(self.updated)} changed, "
            f"{len(self.deleted)} deleted, {len(self.details)} details, {self.api_calls} API calls"
        )
        if self.error:
            text += f"; stopped: {self.error}"
        return text


def _store_page(
    db: Database,
    athlete_id: int,
    items: list[dict[str, object]],
    run_types: frozenset[str],
    now: datetime,
    report: SyncReport,
    progress: dict[str, object],
) -> set[int]:
    """Store one listed page with the progress it brings (one transaction); the ids listed."""
    rows = []
    for raw in items:
        owner = raw.get("athlete")
        if not isinstance(owner, dict) or int(owner.get("id", -1)) != athlete_id:
            continue  # never store another athlete's data under this one
        rows.append(apply_summary(None, raw, run_types, now))
    created, changed = gateway.store_activity_page(db, athlete_id, rows, progress)
    report.created.extend(created)
    report.updated.extend(changed)
    return {row.id for row in rows}


def _fetch_details(
    db: Database,
    api: AthleteApi,
    athlete_id: int,
    run_types: frozenset[str],
    clock: Callable[[], datetime],
    window_days: int,
    report: SyncReport,
    on_progress: SyncProgress | None = None,
) -> None:
    since = clock().date() - timedelta(days=window_days)
    candidates = gateway.counted_activities_since(db, athlete_id, since)
    pending = [row.id for row in candidates if needs_detail(row, clock())]
    for done, activity_id in enumerate(pending, start=1):
        if on_progress is not None:
            on_progress(SyncStep(athlete_id, "details", done, len(pending), None))
        try:
            raw = api.activity(activity_id)
        except NotFound:
            # Deleted (or made private without read_all) since the listing.
            gateway.delete_activity(db, activity_id)
            report.deleted.append(activity_id)
            continue
        if gateway.store_activity_detail(db, _detailed(raw, run_types, clock()), create=False):
            report.details.append(activity_id)


def _detailed(raw: dict[str, Any], run_types: frozenset[str], now: datetime) -> Activity:
    row = apply_summary(None, raw, run_types, now)
    apply_detail(row, raw, run_types, now)
    return row


def fetch_one(
    ctx: AppContext, athlete_id: int, activity_id: int, *, announced_at: datetime | None = None
) -> bool:
    """Fetch one activity's detail now (a webhook create/update); False if it is gone.

    ``announced_at``: the create event's time, kept as the run's upload time (upload habits).
    """
    api = ctx.athlete_api(athletes.access_token(ctx, athlete_id))
    try:
        raw = api.activity(activity_id)
    except NotFound:
        forget_activity(ctx, activity_id)
        return False
    owner = raw.get("athlete")
    if not isinstance(owner, dict) or int(owner.get("id", -1)) != athlete_id:
        return False
    # A webhook's create may race a sync storing the same run: an upsert, never get-then-add.
    stored = gateway.store_activity_detail(
        ctx.db, _detailed(raw, ctx.settings.run_types, ctx.clock()), create=True
    )
    if announced_at is not None:
        gateway.mark_announced(ctx.db, activity_id, announced_at)
    return stored


def forget_activity(ctx: AppContext, activity_id: int) -> bool:
    return gateway.delete_activity(ctx.db, activity_id)


@contextmanager
def _counted(ctx: AppContext, report: SyncReport) -> Iterator[None]:
    """The Strava calls the block made go into the report, however it ends."""
    before = ctx.http.calls
    try:
        yield
    finally:
        report.api_calls = ctx.http.calls - before


@contextmanager
def _pass_outcome(ctx: AppContext, report: SyncReport, now: datetime) -> Iterator[None]:
    """How a pass (a sync, a backfill step) ended, in the report and in the sync state: a rate
    limit is a resume time, a refused token disconnects the athlete, anything else from Strava
    is the pass's error. An inactive app stops everything (it is the operator's to fix)."""
    try:
        yield
    except RateLimitReached as exc:
        report.resume_at = exc.resume_at
        report.error = str(exc)
    except Unauthorized as exc:
        athletes.mark_disconnected(ctx, report.athlete_id, f"Strava rejected the token ({exc})")
        report.error = f"disconnected: {athletes.RECONNECT_HINT}"
    except (AthleteDisconnected, TransientStravaError) as exc:
        report.error = str(exc)
        report.unreachable = isinstance(exc, TransientStravaError)
    except ApplicationInactive:
        raise
    except StravaError as exc:
        report.error = str(exc)
    finally:
        gateway.record_sync_outcome(
            ctx.db,
            report.athlete_id,
            error=report.error,
            resume_at=report.resume_at,
            completed_at=now if report.complete else None,
        )


ListingMode = Literal["auto", "poll", "reconcile"]


def sync_athlete(
    ctx: AppContext,
    athlete_id: int,
    *,
    full: bool = False,
    on_progress: SyncProgress | None = None,
    mode: ListingMode = "auto",
) -> SyncReport:
    """One sync pass. Ends cleanly (never sleeps for hours) when the rate budget runs out.

    ``mode`` (once the backfill is done): ``"poll"`` lists only what started after the newest
    run seen (an empty page, one call, when nothing is new); ``"reconcile"`` lists the
    ``reconcile_days`` window and deletes what Strava no longer lists; ``"auto"`` (the ``sync``
    command) lists with the overlap and reconciles every ``reconcile_every_hours``. The
    scheduler (``services/scheduling.py``) picks poll or reconcile per athlete.
    """
    report = SyncReport(athlete_id)
    now = ctx.clock()
    db, run_types = ctx.db, ctx.settings.run_types
    with _pass_outcome(ctx, report, now), _counted(ctx, report):
        token = athletes.access_token(ctx, athlete_id)
        api = ctx.athlete_api(token)
        if full:
            gateway.restart_backfill(db, athlete_id)
        state = gateway.sync_state(db, athlete_id)
        due = False
        resume_from: int | None = None
        if not state.backfill_done:
            window = state.backfill_after_epoch or int(
                (now - timedelta(days=ctx.settings.backfill_days)).timestamp()
            )
            if state.newest_start_epoch is not None and state.newest_start_epoch > window:
                resume_from = state.newest_start_epoch
            # The window's start is kept with every page, so a resume covers the same window.
            progress: dict[str, object] = {"backfill_after_epoch": window, "backfill_done": False}
        else:
            overlap = timedelta(days=ctx.settings.sync_overlap_days)
            newest = state.newest_start_epoch or int(now.timestamp())
            window = int(newest - overlap.total_seconds())
            due = state.last_reconcile_at is None or now - state.last_reconcile_at >= timedelta(
                hours=ctx.settings.reconcile_every_hours
            )
            if mode == "poll":
                # Only what is new: late uploads and edits wait for the reconciliation.
                window, due = newest, False
            elif mode == "reconcile":
                due = True
            if due:
                window = min(
                    window, int((now - timedelta(days=ctx.settings.reconcile_days)).timestamp())
                )
            progress = {}
        seen: set[int] = set()
        newest_seen = state.newest_start_epoch or 0
        pages_done = [0]

        def store(pages: Iterator[tuple[int, list[dict[str, Any]]]]) -> None:
            nonlocal newest_seen, seen
            for _page, items in pages:
                starts = [int(parse_time(item["start_date"]).timestamp()) for item in items]
                newest_seen = max([newest_seen, *starts])
                progress["newest_start_epoch"] = newest_seen
                seen |= _store_page(db, athlete_id, items, run_types, now, report, progress)
                if on_progress is not None:
                    pages_done[0] += 1
                    on_progress(SyncStep(athlete_id, "pages", pages_done[0], None, len(seen)))

        if resume_from is None:
            store(api.activity_pages(after=window))
        else:
            # A stopped backfill resumes by time: everything up to the newest start stored is in,
            # so list from that second (ties included), oldest first. A page number would skip
            # one activity for every deletion on an earlier page since.
            store(api.activity_pages(after=resume_from - 1))
            # What the stopped pass stored may have been deleted or edited since: list that part
            # once more, so the window is reconciled as a whole.
            store(api.activity_pages(after=window, before=resume_from))
        # The window was listed completely: stored activities in it that Strava no longer
        # lists are gone.
        after = datetime.fromtimestamp(window, tz=now.tzinfo)
        report.deleted.extend(
            gateway.delete_unlisted_activities(db, athlete_id, after, seen, stored_before=now)
        )
        report.reconciled = state.backfill_done and due
        gateway.finish_sync_pass(
            db,
            athlete_id,
            newest_seen or None,
            reconciled_at=now if not state.backfill_done or due else None,
            listed_at=now,
            found=len(report.created) + len(report.updated),
        )
        _fetch_details(
            db,
            api,
            athlete_id,
            run_types,
            ctx.clock,
            ctx.settings.detail_window_days,
            report,
            on_progress,
        )
        report.complete = True
    log.info("sync %s", report.summary())
    return report


def backfill_step(ctx: AppContext, step: BackfillStep, horizon: date) -> SyncReport:
    """One step of the fair backfill (``quota.backfill``): list the step's dates, store them,
    read the detail of counted runs in the analysis window, and record how far history reaches.

    Every athlete's last ``quota.recent_days`` come before anyone's older history, so the
    scheduler calls this for one step of one athlete at a time, in ``backfill_order``. A step
    stopped by the budget is simply asked again (rows are upserted; nothing is written twice).
    """
    athlete_id = step.athlete_id
    report = SyncReport(athlete_id)
    now = ctx.clock()
    db, run_types = ctx.db, ctx.settings.run_types
    with _pass_outcome(ctx, report, now), _counted(ctx, report):
        api = ctx.athlete_api(athletes.access_token(ctx, athlete_id))
        state = gateway.sync_state(db, athlete_id)
        # Local dates: a day either side covers every time zone (rows are upserted by id).
        after = int((datetime.combine(step.after, time(), UTC) - timedelta(days=1)).timestamp())
        recent_end = step.before > now.date()
        before = (
            None
            if recent_end
            else int((datetime.combine(step.before, time(), UTC) + timedelta(days=1)).timestamp())
        )
        newest_seen = state.newest_start_epoch or 0
        for _page, items in api.activity_pages(after=after, before=before):
            starts = [int(parse_time(item["start_date"]).timestamp()) for item in items]
            newest_seen = max([newest_seen, *starts])
            _store_page(db, athlete_id, items, run_types, now, report, {})
        _fetch_details(
            db, api, athlete_id, run_types, ctx.clock, ctx.settings.detail_window_days, report
        )
        gateway.record_backfill_step(
            db,
            athlete_id,
            oldest=step.after,
            newest_start_epoch=newest_seen or None,
            done=step.after <= horizon,
            now=now,
        )
        report.complete = True
    log.info("backfill %s..%s %s", step.after, step.before, report.summary())
    return report


def second_look(ctx: AppContext, athlete_id: int, activity_id: int) -> None:
    """Read a run's detail once more (a note typed after the upload) and store it; the next
    suggestion pass reads whatever changed (pain is re-parsed when the text's hash moved)."""
    api = ctx.athlete_api(athletes.access_token(ctx, athlete_id))
    try:
        raw = api.activity(activity_id)
    except NotFound:
        forget_activity(ctx, activity_id)
        return
    row = _detailed(raw, ctx.settings.run_types, ctx.clock())
    gateway.store_activity_detail(ctx.db, row, create=False)
