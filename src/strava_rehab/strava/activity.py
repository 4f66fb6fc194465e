"""From Strava's activity JSON to what we store: typed columns, the local date, what counts.

The local date is derived from ``start_date`` (UTC) and the activity's ``timezone``: Strava's
``start_date_local`` carries a "Z" that is a lie, and bucketing days by UTC puts an evening run
in Sydney on the wrong day.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stravalib import model as strava_model

from strava_rehab.db.models import Activity

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
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def zone_of(timezone_field: str | None) -> ZoneInfo | None:
    """``"(GMT+01:00) Europe/Berlin"`` -> ZoneInfo("Europe/Berlin")."""
    if not timezone_field:
        return None
    name = timezone_field.split(")")[-1].strip()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_date_of(raw: dict[str, Any]) -> date:
    start = parse_time(raw["start_date"])
    zone = zone_of(raw.get("timezone"))
    if zone is not None:
        return start.astimezone(zone).date()
    if isinstance(raw.get("utc_offset"), int | float):
        return (start + timedelta(seconds=float(raw["utc_offset"]))).date()
    return parse_time(raw.get("start_date_local") or raw["start_date"]).date()


def summary_hash(raw: dict[str, Any]) -> str:
    picked = {key: raw.get(key) for key in _SUMMARY_KEYS}
    return hashlib.sha256(json.dumps(picked, sort_keys=True, default=str).encode()).hexdigest()


def sport_of(raw: dict[str, Any]) -> str:
    return str(raw.get("sport_type") or raw.get("type") or "Workout")


def apply_summary(
    row: Activity | None, raw: dict[str, Any], run_types: frozenset[str], now: datetime
) -> Activity:
    """Create or update a row from a SummaryActivity payload (validated by stravalib's model)."""
    strava_model.SummaryActivity.model_validate(raw)
    if row is None:
        row = Activity(id=int(raw["id"]), description=None, private_note=None, detail_hash=None)
    row.athlete_id = int(raw["athlete"]["id"])
    row.name = str(raw.get("name") or "")[:300]
    row.sport_type = sport_of(raw)
    row.counted = row.sport_type in run_types
    row.distance_m = float(raw.get("distance") or 0.0)
    row.moving_time_s = int(raw.get("moving_time") or 0)
    row.elapsed_time_s = int(raw.get("elapsed_time") or 0)
    row.start_utc = parse_time(raw["start_date"])
    row.local_date = local_date_of(raw)
    row.timezone = str(raw.get("timezone") or "")[:80]
    row.manual = bool(raw.get("manual"))
    row.trainer = bool(raw.get("trainer"))
    row.private = bool(raw.get("private"))
    row.summary_hash = summary_hash(raw)
    row.raw_summary = raw
    row.synced_at = now
    return row


def apply_detail(
    row: Activity, raw: dict[str, Any], run_types: frozenset[str], now: datetime
) -> None:
    strava_model.DetailedActivity.model_validate(raw)
    apply_summary(row, raw, run_types, now)
    row.description = raw.get("description")
    row.private_note = raw.get("private_note")
    exertion = raw.get("perceived_exertion")
    row.perceived_exertion = float(exertion) if isinstance(exertion, int | float) else None
    row.raw_detail = raw
    row.detail_hash = row.summary_hash
    row.detail_fetched_at = now


# Runners often type their note a little after the upload, and a description edit fires no
# webhook: a run whose detail was read within this long of its end gets one more look after it.
SECOND_LOOK_AFTER = timedelta(hours=1)
SECOND_LOOK_UNTIL = timedelta(hours=48)


def needs_detail(row: Activity, now: datetime) -> bool:
    if row.detail_hash != row.summary_hash:
        return True
    if row.detail_fetched_at is None:
        return False
    end = row.start_utc + timedelta(seconds=row.elapsed_time_s)
    settled = end + SECOND_LOOK_AFTER
    return row.detail_fetched_at < settled <= now < row.start_utc + SECOND_LOOK_UNTIL
