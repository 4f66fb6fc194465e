"""Syncing an athlete's activities: backfill, incremental with overlap, reconciliation, detail.

- The first sync backfills ``backfill_days`` of history, page by page, checkpointing the next
  page in the same transaction as each page's rows: a 429 or a crash mid-backfill resumes there,
  and nothing already stored is lost or written twice (rows are upserted by Strava id).
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
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from strava_rehab.context import AppContext
from strava_rehab.db.engine import affected
from strava_rehab.db.leases import serialise_athlete
from strava_rehab.db.models import Activity, SyncState
from strava_rehab.services import connect as athletes
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


def _state(ctx: AppContext, athlete_id: int) -> SyncState:
    with ctx.db.transaction() as session:
        state = session.get(SyncState, athlete_id)
        if state is None:
            state = SyncState(athlete_id=athlete_id, backfill_done=False, last_error="")
            session.add(state)
            session.flush()
        session.expunge(state)
        return state


def _store_page(
    ctx: AppContext,
    athlete_id: int,
    items: list[dict[str, object]],
    report: SyncReport,
    checkpoint: dict[str, object],
) -> set[int]:
    now = ctx.clock()
    seen: set[int] = set()
    run_types = ctx.settings.run_types
    with ctx.db.transaction() as session:
        serialise_athlete(session, athlete_id)  # another process storing the same new run
        for raw in items:
            owner = raw.get("athlete")
            if not isinstance(owner, dict) or int(owner.get("id", -1)) != athlete_id:
                continue  # never store another athlete's data under this one
            activity_id = int(str(raw["id"]))
            seen.add(activity_id)
            row = session.get(Activity, activity_id)
            before = row.summary_hash if row else None
            row = apply_summary(row, raw, run_types, now)
            session.add(row)
            if before is None:
                report.created.append(activity_id)
            elif before != row.summary_hash:
                report.updated.append(activity_id)
        state = session.get(SyncState, athlete_id)
        assert state is not None
        for key, value in checkpoint.items():
            setattr(state, key, value)
    return seen


def _reconcile(
    ctx: AppContext, athlete_id: int, after_epoch: int, seen: set[int], report: SyncReport
) -> None:
    after = datetime.fromtimestamp(after_epoch, tz=ctx.clock().tzinfo)
    with ctx.db.transaction() as session:
        stored = session.scalars(
            select(Activity.id).where(Activity.athlete_id == athlete_id, Activity.start_utc > after)
        ).all()
        gone = [activity_id for activity_id in stored if activity_id not in seen]
        if gone:
            session.execute(delete(Activity).where(Activity.id.in_(gone)))
    report.deleted.extend(gone)


def _fetch_details(ctx: AppContext, api: AthleteApi, athlete_id: int, report: SyncReport) -> None:
    today = ctx.clock().date()
    since = today - timedelta(days=ctx.settings.detail_window_days)
    with ctx.db.transaction() as session:
        candidates = session.scalars(
            select(Activity)
            .where(
                Activity.athlete_id == athlete_id,
                Activity.counted.is_(True),
                Activity.local_date >= since,
            )
            .order_by(Activity.start_utc.desc())
        ).all()
        pending = [row.id for row in candidates if needs_detail(row, ctx.clock())]
    for activity_id in pending:
        try:
            raw = api.activity(activity_id)
        except NotFound:
            # Deleted (or made private without read_all) since the listing.
            with ctx.db.transaction() as session:
                session.execute(delete(Activity).where(Activity.id == activity_id))
            report.deleted.append(activity_id)
            continue
        with ctx.db.transaction() as session:
            row = session.get(Activity, activity_id)
            if row is not None:
                apply_detail(row, raw, ctx.settings.run_types, ctx.clock())
        report.details.append(activity_id)


def fetch_one(ctx: AppContext, athlete_id: int, activity_id: int) -> bool:
    """Fetch one activity's detail now (a webhook create/update); False if it is gone."""
    api = ctx.athlete_api(athletes.access_token(ctx, athlete_id))
    try:
        raw = api.activity(activity_id)
    except NotFound:
        forget_activity(ctx, activity_id)
        return False
    owner = raw.get("athlete")
    if not isinstance(owner, dict) or int(owner.get("id", -1)) != athlete_id:
        return False
    with ctx.db.transaction() as session:
        serialise_athlete(session, athlete_id)  # another process storing the same new run
        row = session.get(Activity, activity_id)
        row = apply_summary(row, raw, ctx.settings.run_types, ctx.clock())
        apply_detail(row, raw, ctx.settings.run_types, ctx.clock())
        session.add(row)
    return True


def forget_activity(ctx: AppContext, activity_id: int) -> bool:
    with ctx.db.transaction() as session:
        return bool(affected(session.execute(delete(Activity).where(Activity.id == activity_id))))


def sync_athlete(ctx: AppContext, athlete_id: int, *, full: bool = False) -> SyncReport:
    """One sync pass. Ends cleanly (never sleeps for hours) when the rate budget runs out."""
    report = SyncReport(athlete_id)
    calls_before = ctx.http.calls
    now = ctx.clock()
    try:
        token = athletes.access_token(ctx, athlete_id)
        api = ctx.athlete_api(token)
        state = _state(ctx, athlete_id)
        due = False
        if full:
            state.backfill_done = False
            state.backfill_after_epoch = None
            state.backfill_next_page = None
        if not state.backfill_done:
            after = state.backfill_after_epoch or int(
                (now - timedelta(days=ctx.settings.backfill_days)).timestamp()
            )
            first_page = state.backfill_next_page or 1
        else:
            overlap = timedelta(days=ctx.settings.sync_overlap_days)
            newest = state.newest_start_epoch or int(now.timestamp())
            after = int(newest - overlap.total_seconds())
            first_page = 1
            due = state.last_reconcile_at is None or now - state.last_reconcile_at >= timedelta(
                hours=ctx.settings.reconcile_every_hours
            )
            if due:
                after = min(
                    after, int((now - timedelta(days=ctx.settings.reconcile_days)).timestamp())
                )
        seen: set[int] = set()
        newest_seen = state.newest_start_epoch or 0
        for page, items in api.activity_pages(after=after, first_page=first_page):
            starts = [int(parse_time(item["start_date"]).timestamp()) for item in items]
            newest_seen = max([newest_seen, *starts])
            checkpoint: dict[str, object] = {"newest_start_epoch": newest_seen}
            if not state.backfill_done:
                checkpoint |= {"backfill_after_epoch": after, "backfill_next_page": page + 1}
            seen |= _store_page(ctx, athlete_id, items, report, checkpoint)
        # A window listed completely from its first page tells every deletion inside it.
        complete_window = first_page == 1
        if complete_window:
            _reconcile(ctx, athlete_id, after, seen, report)
            report.reconciled = state.backfill_done and due
        with ctx.db.transaction() as session:
            row = session.get(SyncState, athlete_id)
            assert row is not None
            row.backfill_done = True
            row.backfill_next_page = None
            row.backfill_after_epoch = None
            row.newest_start_epoch = newest_seen or None
            if complete_window and (not state.backfill_done or due):
                row.last_reconcile_at = now
        _fetch_details(ctx, api, athlete_id, report)
        report.complete = True
    except RateLimitReached as exc:
        report.resume_at = exc.resume_at
        report.error = str(exc)
    except Unauthorized as exc:
        athletes.mark_disconnected(ctx, athlete_id, f"Strava rejected the token ({exc})")
        report.error = f"disconnected: {athletes.RECONNECT_HINT}"
    except (AthleteDisconnected, TransientStravaError) as exc:
        report.error = str(exc)
    except ApplicationInactive:
        raise
    except StravaError as exc:
        report.error = str(exc)
    finally:
        report.api_calls = ctx.http.calls - calls_before
        _record(ctx, athlete_id, report, now)
    log.info("sync %s", report.summary())
    return report


def _record(ctx: AppContext, athlete_id: int, report: SyncReport, now: datetime) -> None:
    with ctx.db.transaction() as session:
        state = session.get(SyncState, athlete_id)
        if state is None:
            return
        state.last_error = report.error
        state.resume_at = report.resume_at
        if report.complete:
            state.last_sync_at = now
