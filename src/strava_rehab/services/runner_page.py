"""The runner's own page as use cases: their dashboard and plan, their settings, deleting it all.

Every function takes the athlete id the caller has already authenticated (a web session, or
``--athlete`` on the CLI) and reads only that athlete's rows, through the storage gateway.

The dashboard reads a bounded window, whatever the length of the history: the runs of the chart's
weeks plus the 30 days a spike is measured against (the findings are computed from them, as
``strava-rehab analyze`` does), the pain of the window (or of the plan-expiry period, if longer),
the protocol states and the suggestions of the window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import get_args

from strava_rehab.content.knowledge import library, policy_of
from strava_rehab.context import AppContext
from strava_rehab.dashboard import (
    Dashboard,
    Destination,
    PlanView,
    SuggestionRecord,
    build_dashboard,
    chart_window,
    plan_views,
)
from strava_rehab.dashboard.locale import ENGLISH, PageLocale
from strava_rehab.db import gateway
from strava_rehab.db.models import SuggestionRow
from strava_rehab.errors import UserFacingError
from strava_rehab.load import analyze
from strava_rehab.notify.channels import NotificationFailed, notifier_for
from strava_rehab.rehab import PainEntry
from strava_rehab.services import channels
from strava_rehab.services import connect as athletes
from strava_rehab.services.deliver import UNDONE, undo_blocks
from strava_rehab.strava.activity import zone_named
from strava_rehab.strava.errors import AthleteDisconnected, StravaError, Unauthorized

DESTINATIONS: tuple[Destination, ...] = get_args(Destination)
STRAVA_APPS_URL = "https://www.strava.com/settings/apps"
# What the delete page and the CLI call each kind of row, in the runner's words.
KIND_WORDS = {
    "activities": "activities",
    "pain_reports": "pain reports",
    "findings": "load findings",
    "suggestions": "suggestions",
    "deliveries": "records of what we wrote or sent",
}


class RunnerPageError(UserFacingError):
    """A runner's input that cannot be used; the message says what to change."""


# --- who and when ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    athlete_id: int
    name: str
    status: str


def profile(ctx: AppContext, athlete_id: int) -> Profile | None:
    row = gateway.athlete(ctx.db, athlete_id)
    if row is None:
        return None
    name = f"{row.firstname} {row.lastname}".strip() or f"Athlete {row.id}"
    return Profile(row.id, name, row.status)


def local_today(ctx: AppContext, athlete_id: int) -> date:
    """Today where the runner last ran (the timezone of their newest activity), else UTC."""
    now = ctx.clock()
    zone = zone_named(gateway.latest_activity_timezone(ctx.db, athlete_id))
    return now.astimezone(zone).date() if zone is not None else now.date()


# --- the dashboard and the plan -----------------------------------------------------------------


def _delivered(row: SuggestionRow) -> bool:
    return bool(row.delivered_hash) and not row.delivered_hash.startswith(UNDONE)


def _pain_entries(ctx: AppContext, athlete_id: int, since: date, until: date) -> list[PainEntry]:
    return [
        PainEntry(local_date=p.local_date, activity_id=p.activity_id, report=p.report)
        for p in gateway.pain_between(ctx.db, athlete_id, since, until)
    ]


def dashboard(
    ctx: AppContext,
    athlete_id: int,
    *,
    today: date | None = None,
    weeks: int | None = None,
    loc: PageLocale = ENGLISH,
) -> Dashboard:
    """Everything ``/me`` shows for the athlete, as of their local ``today``, in the language
    and units of ``loc``."""
    today = today or local_today(ctx, athlete_id)
    weeks = weeks or ctx.settings.dashboard_weeks
    thresholds = ctx.settings.analysis
    policy = policy_of(ctx.settings)
    start, _ = chart_window(today, weeks)
    # A run's findings read the 30 days before it (13 for the weekly change): enough history
    # for the first day of the chart, and nothing older, so ten years cost what twelve weeks do.
    history = max(thresholds.spike_window_days, 13) + 1
    runs = gateway.counted_runs(
        ctx.db, athlete_id, since=start - timedelta(days=history), until=today
    )
    findings = analyze(runs, as_of=today, thresholds=thresholds).findings
    pain_since = min(start, today - timedelta(days=policy.state_expiry_days))
    suggestions = [
        SuggestionRecord(
            activity_id=row.activity_id,
            local_date=row.local_date,
            reason=row.reason,
            protocol_id=row.protocol_id,
            phase=row.phase,
            delivered=_delivered(row),
        )
        for row in gateway.suggestions_since(ctx.db, athlete_id, start)
        if row.kind != "none"
    ]
    return build_dashboard(
        runs=runs,
        findings=findings,
        pain=_pain_entries(ctx, athlete_id, pain_since, today),
        states=gateway.protocol_states(ctx.db, athlete_id),
        suggestions=suggestions,
        library=library(),
        today=today,
        weeks=weeks,
        thresholds=thresholds,
        policy=policy,
        loc=loc,
    )


def current_plans(ctx: AppContext, athlete_id: int, today: date | None = None) -> list[PlanView]:
    """The plans in force, exactly as the page shows them (``strava-rehab plan``)."""
    today = today or local_today(ctx, athlete_id)
    policy = policy_of(ctx.settings)
    pain = _pain_entries(ctx, athlete_id, today - timedelta(days=policy.state_expiry_days), today)
    return plan_views(gateway.protocol_states(ctx.db, athlete_id), library(), pain, today, policy)


# --- the runner's settings ----------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    write_back_paused: bool
    destination: Destination
    notification_configured: bool


def choices(ctx: AppContext, athlete_id: int) -> Choices:
    stored = gateway.runner_choices(ctx.db, athlete_id)
    destination = stored.destination if stored.destination in DESTINATIONS else "both"
    return Choices(
        stored.write_back_paused,
        destination,
        channels.own_channels(ctx, athlete_id) is not None,
    )


def check_channel_url(url: str) -> None:
    """Refuse what apprise cannot send to; the message never repeats the URL (it is a secret)."""
    if len(url) > 2000:
        raise RunnerPageError("the channel address is too long (2,000 characters at most)")
    if "://" not in url:
        raise RunnerPageError(
            "the channel address must be an Apprise URL such as ntfy://my-topic or "
            "mailtos://user:password@example.com (see https://github.com/caronc/apprise/wiki)"
        )
    try:
        notifier_for([url])
    except NotificationFailed:
        raise RunnerPageError(
            "that channel address is not one Apprise can send to; check its scheme "
            "(ntfy://, tgram://, mailtos://, json://, ...)"
        ) from None


def save_choices(
    ctx: AppContext,
    athlete_id: int,
    *,
    write_back_paused: bool,
    destination: str,
    notification_url: str | None = None,
    remove_notification: bool = False,
) -> Choices:
    """Store the runner's settings. A new channel URL is stored encrypted; None keeps the old."""
    if destination not in DESTINATIONS:
        raise RunnerPageError(
            f"where suggestions go must be one of {', '.join(DESTINATIONS)} (got {destination!r})"
        )
    if notification_url and notification_url.strip():
        check_channel_url(notification_url.strip())
    saved = gateway.save_runner_choices(
        ctx.db, athlete_id, gateway.RunnerChoices(write_back_paused, destination), ctx.clock()
    )
    if not saved:
        raise RunnerPageError(f"athlete {athlete_id} is not connected")
    # The runner's own channel lives where `strava-rehab notify set` keeps it (one store).
    if remove_notification:
        channels.clear_channels(ctx, athlete_id)
    elif notification_url and notification_url.strip():
        channels.set_channels(ctx, athlete_id, [notification_url.strip()])
    return choices(ctx, athlete_id)


# --- removing our blocks, and deleting everything -------------------------------------------------


@dataclass
class BlockRemoval:
    """What became of each run that carried our block."""

    removed: list[int] = field(default_factory=list)
    # Runs that still carry our text on Strava, with why (the runner can edit it out by hand).
    kept: dict[int, str] = field(default_factory=dict)


def remove_our_blocks(ctx: AppContext, athlete_id: int) -> BlockRemoval:
    """Undo every block we left on the athlete's runs, one run at a time (the CLI's ``undo``).

    A run Strava refuses is reported and the others are still tried; a dead token stops it.
    """
    report = BlockRemoval()
    pending = gateway.runs_with_our_block(ctx.db, athlete_id)
    for position, activity_id in enumerate(pending):
        try:
            results = undo_blocks(ctx, athlete_ids=[athlete_id], activity_id=activity_id)
        except (AthleteDisconnected, Unauthorized) as exc:
            for left in pending[position:]:
                report.kept[left] = f"Strava no longer accepts our token ({exc})"
            break
        except StravaError as exc:
            report.kept[activity_id] = str(exc)
            continue
        outcome = results[0].outcome if results else "not ours"
        if outcome.startswith("not found"):
            continue  # deleted on Strava: nothing of ours is left there
        report.removed.append(activity_id)
    return report


@dataclass(frozen=True)
class DeleteSummary:
    counts: dict[str, int]
    blocks_on_strava: int


def delete_summary(ctx: AppContext, athlete_id: int) -> DeleteSummary:
    counts = gateway.athlete_record_counts(ctx.db, athlete_id)
    return DeleteSummary(
        {KIND_WORDS[kind]: count for kind, count in counts.items()},
        len(gateway.runs_with_our_block(ctx.db, athlete_id)),
    )


@dataclass(frozen=True)
class DeleteReport:
    blocks: BlockRemoval
    deauthorized: bool
    deleted: bool
    note: str = ""


def disconnect(ctx: AppContext, athlete_id: int, *, remove_blocks: bool) -> DeleteReport:
    """Remove our blocks (if asked), deauthorize at Strava, then delete every row we hold.

    ``blocks.kept`` names every run that still carries our text afterwards, and why.

    The rows are deleted even when Strava cannot be reached for the deauthorization: the runner
    asked for their data to go, and can remove the app at ``STRAVA_APPS_URL`` themselves.
    """
    if remove_blocks:
        blocks = remove_our_blocks(ctx, athlete_id)
    else:
        left = gateway.runs_with_our_block(ctx.db, athlete_id)
        blocks = BlockRemoval(kept=dict.fromkeys(left, "left there, as asked (--keep-blocks)"))
    try:
        deleted = athletes.disconnect(ctx, athlete_id)
    except StravaError as exc:
        deleted = athletes.delete_athlete_data(ctx, athlete_id)
        return DeleteReport(
            blocks,
            False,
            deleted,
            f"Strava could not be told to disconnect the app ({exc}); remove strava-rehab at "
            f"{STRAVA_APPS_URL}",
        )
    return DeleteReport(blocks, True, deleted)
