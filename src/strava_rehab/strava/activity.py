"""From Strava's activity JSON to what we store: typed columns, the local date, what counts.

The local date is derived from ``start_date`` (UTC) and the activity's ``timezone``: Strava's
``start_date_local`` carries a "Z" that is a lie, and bucketing days by UTC puts an evening run
in Sydney on the wrong day.

Payloads are validated with stravalib's own models (``SummaryActivity`` from the listing,
``DetailedActivity`` from ``GET /activities/{id}``) and the columns are read from the model:
its ``Timezone``, ``Distance`` and ``Duration`` types, ``start_date`` and the sport type. The raw
JSON is kept in the row as it came, and the change hash is taken over it, so a stored hash never
changes with a stravalib upgrade.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from strava_rehab.db.models import Activity
from strava_rehab.strava.errors import StravaError

if TYPE_CHECKING:
    from stravalib import model as strava_model

# The summary fields whose change means the detail (description, note) must be fetched again.
_SUMMARY_KEYS = (
    "name",
    "sport_type",
    "type",
    "distance",
    "moving_time",
    "elapsed_time",
    "start_date",
    "timezone",
    "private",
    "manual",
    "trainer",
)


def parse_time(value: Any) -> datetime:
    """An aware UTC instant from Strava's ISO text (or a datetime) in a raw listing item."""
    if isinstance(value, datetime):
        return _utc(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


class MalformedActivity(StravaError):
    """Strava sent an activity without an id, an owner or a start date."""


def summary_of(raw: dict[str, Any]) -> strava_model.SummaryActivity:
    """Validate a SummaryActivity payload (raises pydantic's ValidationError if it is not one)."""
    # Imported on first use: stravalib's models (and pint, for their units) take longer to load
    # than the rest of a `worker --once` with nothing to sync.
    from stravalib import model as strava_model

    return strava_model.SummaryActivity.model_validate(raw)


def detail_of(raw: dict[str, Any]) -> strava_model.DetailedActivity:
    """Validate a DetailedActivity payload (``GET /activities/{id}``)."""
    from stravalib import model as strava_model

    return strava_model.DetailedActivity.model_validate(raw)


def zone_of(activity: strava_model.SummaryActivity) -> tzinfo | None:
    """The activity's IANA zone from stravalib's ``Timezone`` ("(GMT+01:00) Europe/Berlin")."""
    if not activity.timezone:
        return None
    try:
        return activity.timezone.timezone()
    except ValueError:  # not a zone key at all (stravalib only catches unknown names)
        return None


def zone_named(stored: str | None) -> tzinfo | None:
    """The zone of a stored Strava timezone text ("(GMT+01:00) Europe/Berlin", or a bare key)."""
    if not stored:
        return None
    key = stored.rsplit(" ", 1)[-1]
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_date_of(activity: strava_model.SummaryActivity, start: datetime) -> date:
    """The runner's calendar day of ``start`` (the activity's start_date, UTC)."""
    zone = zone_of(activity)
    if zone is not None:
        return start.astimezone(zone).date()
    if activity.utc_offset is not None:
        return (start + timedelta(seconds=activity.utc_offset)).date()
    # The wall clock as Strava wrote it (its "Z" is not UTC): the last resort.
    return (activity.start_date_local or start).date()


def summary_hash(raw: dict[str, Any]) -> str:
    picked = {key: raw.get(key) for key in _SUMMARY_KEYS}
    return hashlib.sha256(json.dumps(picked, sort_keys=True, default=str).encode()).hexdigest()


def sport_of(activity: strava_model.SummaryActivity) -> str:
    if activity.sport_type is not None:
        return str(activity.sport_type.root)
    if activity.type is not None:
        return str(activity.type.root)
    return "Workout"


def apply_summary(
    row: Activity | None, raw: dict[str, Any], run_types: frozenset[str], now: datetime
) -> Activity:
    """Create or update a row from a SummaryActivity payload, read through stravalib's model."""
    return _apply(row, summary_of(raw), raw, run_types, now)


def _apply(
    row: Activity | None,
    activity: strava_model.SummaryActivity,
    raw: dict[str, Any],
    run_types: frozenset[str],
    now: datetime,
) -> Activity:
    owner = activity.athlete.id if activity.athlete is not None else None
    if activity.id is None or owner is None or activity.start_date is None:
        raise MalformedActivity(
            f"Strava sent an activity without an id, owner or start date (id {activity.id})"
        )
    start = _utc(activity.start_date)
    if row is None:
        row = Activity(id=activity.id, description=None, private_note=None, detail_hash=None)
    row.athlete_id = owner
    row.name = (activity.name or "")[:300]
    row.sport_type = sport_of(activity)
    row.counted = row.sport_type in run_types
    row.distance_m = float(activity.distance or 0.0)
    row.moving_time_s = int(activity.moving_time or 0)
    row.elapsed_time_s = int(activity.elapsed_time or 0)
    row.start_utc = start
    row.local_date = local_date_of(activity, start)
    row.timezone = str(activity.timezone or "")[:80]
    row.manual = bool(activity.manual)
    row.trainer = bool(activity.trainer)
    row.private = bool(activity.private)
    row.summary_hash = summary_hash(raw)
    row.raw_summary = raw
    row.synced_at = now
    return row


def apply_detail(
    row: Activity, raw: dict[str, Any], run_types: frozenset[str], now: datetime
) -> None:
    """Update a row from a DetailedActivity payload: the summary fields, description, note."""
    detail = detail_of(raw)
    _apply(row, detail, raw, run_types, now)
    row.description = detail.description
    row.private_note = detail.private_note
    exertion = detail.perceived_exertion
    row.perceived_exertion = None if exertion is None else float(exertion)
    row.raw_detail = raw
    row.detail_hash = row.summary_hash
    row.detail_fetched_at = now


def needs_detail(row: Activity, now: datetime) -> bool:
    """A listed activity whose summary changed since its detail was read (or never read).

    The second look (a note typed after the upload) is not decided here: it costs quota and is
    spent only on runs without pain information, when the budget allows (``quota.second_look``,
    ``services/scheduling.py``).
    """
    return row.detail_hash != row.summary_hash
