"""Activities as Strava serves them: input checking and Summary/Detailed payload rendering.

An activity is stored as its *inputs* (what the runner or device recorded); every response is
rendered from them, so derived fields (type, speeds, local time, timezone label) never drift.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from stravalib import strava_model

from .polyline import loop_route

JSON = dict[str, Any]

# Strava's own enums, as stravalib generates them from the published swagger: no copy to drift.
SPORT_TYPES: frozenset[str] = frozenset(
    typing.get_args(strava_model.SportType.model_fields["root"].annotation)
)
ACTIVITY_TYPES: frozenset[str] = frozenset(
    typing.get_args(strava_model.ActivityType.model_fields["root"].annotation)
)
# Newer sport types map onto the deprecated ``type`` the way Strava reports them.
_LEGACY_TYPE = {
    "TrailRun": "Run",
    "MountainBikeRide": "Ride",
    "GravelRide": "Ride",
    "EMountainBikeRide": "EBikeRide",
    "VirtualRow": "Rowing",
}
RUN_SPORT_TYPES = frozenset({"Run", "TrailRun", "VirtualRun"})
RIDE_SPORT_TYPES = frozenset(
    {"Ride", "MountainBikeRide", "GravelRide", "EBikeRide", "EMountainBikeRide", "VirtualRide"}
)

# Only DetailedActivity carries these; the list endpoint never does.
DETAIL_ONLY_FIELDS = frozenset(
    {
        "description",
        "private_note",
        "perceived_exertion",
        "prefer_perceived_exertion",
        "calories",
        "photos",
        "embed_token",
    }
)
# What PUT /activities/{id} accepts (UpdatableActivity); anything else is ignored like Strava.
UPDATABLE_FIELDS = (
    "name",
    "description",
    "sport_type",
    "type",
    "trainer",
    "commute",
    "hide_from_home",
    "gear_id",
)
# Edits that Strava announces with an ``update`` webhook, and the key each one uses.
WEBHOOK_UPDATE_KEYS = {"name": "title", "type": "type", "sport_type": "type", "private": "private"}


def legacy_type(sport_type: str) -> str:
    if sport_type in _LEGACY_TYPE:
        return _LEGACY_TYPE[sport_type]
    return sport_type if sport_type in ACTIVITY_TYPES else "Workout"


def format_utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(value: object, field_name: str) -> datetime:
    """An aware datetime or ISO string ("...Z" or with an offset) → aware UTC datetime."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"{field_name} must be an ISO 8601 time such as 2026-11-20T07:30:00Z, got {value!r}"
            ) from None
    else:
        raise ValueError(f"{field_name} must be an ISO 8601 string or datetime, got {value!r}")
    if parsed.utcoffset() is None:
        raise ValueError(
            f"{field_name} needs a timezone (add 'Z' for UTC), got {value!r}; "
            "use start_date_local for the runner's wall-clock time"
        )
    return parsed.astimezone(UTC)


def parse_local(value: object, tz_name: str) -> datetime:
    """A wall-clock time in the athlete's zone (a trailing Z is ignored, as Strava writes it)."""
    if isinstance(value, datetime):
        naive = value.replace(tzinfo=None)
    elif isinstance(value, str):
        try:
            naive = datetime.fromisoformat(value.rstrip("Z")).replace(tzinfo=None)
        except ValueError:
            raise ValueError(
                f"start_date_local must look like 2026-11-20T07:30:00, got {value!r}"
            ) from None
    else:
        raise ValueError(f"start_date_local must be an ISO 8601 string, got {value!r}")
    return naive.replace(tzinfo=ZoneInfo(tz_name)).astimezone(UTC)


def strava_timezone_label(tz_name: str, instant: datetime) -> tuple[str, float]:
    """``("(GMT+01:00) Europe/Berlin", 3600.0)`` for the offset in force at ``instant``."""
    offset = instant.astimezone(ZoneInfo(tz_name)).utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    sign = "+" if seconds >= 0 else "-"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"(GMT{sign}{hours:02d}:{minutes:02d}) {tz_name}", float(seconds)


def _check_str(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string, got {value!r}")
    return value


def _check_optional_str(name: str, value: object) -> str | None:
    return None if value is None else _check_str(name, value)


def _check_bool(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false", "1", "0"}:
        return value.lower() in {"true", "1"}
    raise ValueError(f"{name} must be true or false, got {value!r}")


def _check_distance(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{name} must be a non-negative number of metres, got {value!r}")
    return float(value)


def _check_count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return value


def _check_optional_count(name: str, value: object) -> int | None:
    return None if value is None else _check_count(name, value)


def _check_optional_number(name: str, value: object) -> float | None:
    return None if value is None else _check_distance(name, value)


def _check_sport_type(name: str, value: object) -> str:
    text = _check_str(name, value)
    if text not in SPORT_TYPES:
        raise ValueError(f"{name} {text!r} is not a Strava sport type (e.g. Run, TrailRun, Ride)")
    return text


def _check_perceived_exertion(name: str, value: object) -> int | None:
    checked = _check_optional_count(name, value)
    if checked is not None and not 1 <= checked <= 10:
        raise ValueError(f"{name} must be 1..10, got {checked}")
    return checked


def _check_latlng(name: str, value: object) -> list[float]:
    if value is None:
        return []
    if (
        isinstance(value, list | tuple)
        and len(value) in (0, 2)
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        return [float(v) for v in value]
    raise ValueError(f"{name} must be [lat, lng] or empty, got {value!r}")


_FIELD_CHECKS: dict[str, Callable[[str, object], Any]] = {
    "name": _check_str,
    "sport_type": _check_sport_type,
    "distance": _check_distance,
    "moving_time": _check_count,
    "elapsed_time": _check_count,
    "total_elevation_gain": _check_distance,
    "description": _check_optional_str,
    "private_note": _check_optional_str,
    "private": _check_bool,
    "trainer": _check_bool,
    "commute": _check_bool,
    "manual": _check_bool,
    "flagged": _check_bool,
    "hide_from_home": _check_bool,
    "has_heartrate": _check_bool,
    "workout_type": _check_optional_count,
    "perceived_exertion": _check_perceived_exertion,
    "calories": _check_optional_number,
    "gear_id": _check_optional_str,
    "device_name": _check_optional_str,
    "external_id": _check_optional_str,
    "upload_id": _check_optional_count,
    "average_heartrate": _check_optional_number,
    "max_heartrate": _check_optional_count,
    "average_cadence": _check_optional_number,
    "max_speed": _check_optional_number,
    "kudos_count": _check_count,
    "comment_count": _check_count,
    "achievement_count": _check_count,
    "pr_count": _check_count,
    "start_latlng": _check_latlng,
    "location_country": _check_optional_str,
}
# Accepted on input and turned into other fields (start, sport_type).
_TIME_AND_TYPE_INPUTS = ("start_date", "start_date_local", "type")
SETTABLE_FIELDS = tuple(sorted((*_FIELD_CHECKS, *_TIME_AND_TYPE_INPUTS)))


@dataclass
class ActivityRecord:
    """The sandbox's truth about one activity."""

    activity_id: int
    athlete_id: int
    timezone: str
    start: datetime
    fields: JSON
    deleted_at: datetime | None = None

    @property
    def private(self) -> bool:
        return bool(self.fields["private"])

    def sort_key(self) -> tuple[float, int]:
        return (self.start.timestamp(), self.activity_id)


def _default_pace_s_per_km(sport_type: str) -> float:
    if sport_type in RUN_SPORT_TYPES:
        return 330.0
    if sport_type in RIDE_SPORT_TYPES:
        return 130.0
    if sport_type in {"Walk", "Hike"}:
        return 720.0
    return 400.0


def _default_name(sport_type: str, local_hour: int) -> str:
    # Strava's automatic titles: "Morning Run", "Lunch Ride", "Night Walk"...
    if local_hour < 5 or local_hour >= 21:
        part = "Night"
    elif local_hour < 11:
        part = "Morning"
    elif local_hour < 14:
        part = "Lunch"
    elif local_hour < 17:
        part = "Afternoon"
    else:
        part = "Evening"
    noun = {"VirtualRun": "Virtual Run", "TrailRun": "Trail Run"}.get(sport_type, sport_type)
    if sport_type in RIDE_SPORT_TYPES:
        noun = "Ride"
    return f"{part} {noun}"


def check_fields(values: Mapping[str, object], tz_name: str) -> tuple[datetime | None, JSON]:
    """Validate caller-supplied fields; returns (start instant if given, normalised fields)."""
    unknown = sorted(set(values) - set(SETTABLE_FIELDS))
    if unknown:
        raise ValueError(
            f"unknown activity field(s): {', '.join(unknown)}; "
            f"settable: {', '.join(SETTABLE_FIELDS)}"
        )
    if "start_date" in values and "start_date_local" in values:
        raise ValueError("give either start_date (UTC) or start_date_local, not both")
    start: datetime | None = None
    if "start_date" in values:
        start = parse_instant(values["start_date"], "start_date")
    elif "start_date_local" in values:
        start = parse_local(values["start_date_local"], tz_name)
    checked: JSON = {}
    for name, value in values.items():
        if name in _FIELD_CHECKS:
            checked[name] = _FIELD_CHECKS[name](name, value)
    if "type" in values and "sport_type" not in values:
        # Strava ignores ``type`` when ``sport_type`` is present; alone it picks the sport.
        checked["sport_type"] = _check_sport_type("type", values["type"])
    return start, checked


def new_activity_fields(start: datetime, tz_name: str, given: JSON, upload_id: int | None) -> JSON:
    """Fill in what a device would have recorded for everything the caller left out."""
    sport_type = given.get("sport_type", "Run")
    manual = given.get("manual", False)
    distance = given.get("distance", 5000.0)
    moving_time = given.get(
        "moving_time", round(distance / 1000 * _default_pace_s_per_km(sport_type))
    )
    # Only a default title needs the local hour; skip the zone conversion when one is given.
    name = given.get("name")
    if name is None:
        name = _default_name(sport_type, start.astimezone(ZoneInfo(tz_name)).hour)
    has_heartrate = given.get("has_heartrate", not manual)
    fields: JSON = {
        "name": name,
        "sport_type": sport_type,
        "distance": distance,
        "moving_time": moving_time,
        "elapsed_time": moving_time if manual else moving_time + 45,
        "total_elevation_gain": 0.0,
        "description": None,
        "private_note": None,
        "private": False,
        "trainer": False,
        "commute": False,
        "manual": manual,
        "flagged": False,
        "hide_from_home": False,
        "has_heartrate": has_heartrate,
        "workout_type": 0
        if sport_type in RUN_SPORT_TYPES
        else (10 if sport_type in RIDE_SPORT_TYPES else None),
        "perceived_exertion": None,
        "calories": round(distance / 1000 * 62.0, 1),
        "gear_id": None,
        "device_name": None if manual else "Garmin Forerunner 265",
        "external_id": None if manual or upload_id is None else f"garmin_ping_{upload_id}",
        "upload_id": None if manual else upload_id,
        "average_heartrate": 146.0 if has_heartrate else None,
        "max_heartrate": 168 if has_heartrate else None,
        "average_cadence": 84.0 if sport_type in RUN_SPORT_TYPES and not manual else None,
        "max_speed": None,
        "kudos_count": 0,
        "comment_count": 0,
        "achievement_count": 0,
        "pr_count": 0,
        "start_latlng": [],
        "location_country": None,
    }
    fields.update(given)
    return fields


def _render(record: ActivityRecord, detailed: bool) -> JSON:
    f = record.fields
    start = record.start
    tz_label, utc_offset = strava_timezone_label(record.timezone, start)
    local_wall = start.astimezone(ZoneInfo(record.timezone)).replace(tzinfo=None)
    moving = f["moving_time"]
    average_speed = round(f["distance"] / moving, 3) if moving else 0.0
    max_speed = f["max_speed"] if f["max_speed"] is not None else round(average_speed * 1.3, 3)
    has_gps = bool(f["start_latlng"]) and not f["manual"] and not f["trainer"]
    polyline = (
        loop_route((f["start_latlng"][0], f["start_latlng"][1]), f["distance"]) if has_gps else ""
    )
    route_map: JSON = {
        "id": f"a{record.activity_id}",
        "summary_polyline": polyline,
        "resource_state": 3 if detailed else 2,
    }
    if detailed:
        route_map["polyline"] = polyline
    upload_id = f["upload_id"]
    payload: JSON = {
        "resource_state": 3 if detailed else 2,
        "athlete": {"id": record.athlete_id, "resource_state": 1},
        "name": f["name"],
        "distance": f["distance"],
        "moving_time": moving,
        "elapsed_time": f["elapsed_time"],
        "total_elevation_gain": f["total_elevation_gain"],
        "type": legacy_type(f["sport_type"]),
        "sport_type": f["sport_type"],
        "workout_type": f["workout_type"],
        "id": record.activity_id,
        "external_id": f["external_id"],
        "upload_id": upload_id,
        "upload_id_str": None if upload_id is None else str(upload_id),
        "start_date": format_utc(start),
        # Strava's convention: local wall-clock time with a misleading "Z".
        "start_date_local": local_wall.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timezone": tz_label,
        "utc_offset": utc_offset,
        "location_city": None,
        "location_state": None,
        "location_country": f["location_country"],
        "start_latlng": list(f["start_latlng"]) if has_gps else [],
        "end_latlng": list(f["start_latlng"]) if has_gps else [],
        "achievement_count": f["achievement_count"],
        "kudos_count": f["kudos_count"],
        "comment_count": f["comment_count"],
        "athlete_count": 1,
        "photo_count": 0,
        "map": route_map,
        "device_name": f["device_name"],
        "trainer": f["trainer"],
        "commute": f["commute"],
        "manual": f["manual"],
        "private": f["private"],
        "visibility": "only_me" if f["private"] else "everyone",
        "flagged": f["flagged"],
        "gear_id": f["gear_id"],
        "from_accepted_tag": False,
        "average_speed": average_speed,
        "max_speed": max_speed,
        "average_cadence": f["average_cadence"],
        "has_heartrate": f["has_heartrate"],
        "average_heartrate": f["average_heartrate"] if f["has_heartrate"] else None,
        "max_heartrate": f["max_heartrate"] if f["has_heartrate"] else None,
        "pr_count": f["pr_count"],
        "total_photo_count": 0,
        "has_kudoed": False,
        "hide_from_home": f["hide_from_home"],
    }
    if detailed:
        payload.update(
            {
                "description": f["description"],
                "private_note": f["private_note"],
                "perceived_exertion": f["perceived_exertion"],
                "prefer_perceived_exertion": f["perceived_exertion"] is not None,
                "calories": f["calories"],
                "photos": {"primary": None, "count": 0},
                "embed_token": f"{record.activity_id:x}",
            }
        )
    return payload


def detail_payload(record: ActivityRecord) -> JSON:
    return _render(record, detailed=True)


def summary_payload(record: ActivityRecord) -> JSON:
    return _render(record, detailed=False)
