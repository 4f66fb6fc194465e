"""Upload histories and local time-of-day arithmetic, shared by polling and the demand estimate.

A runner uploads at habitual local times (before work, after work), and those habits are what
let us poll rarely without webhooks and predict how many new runs the next 15 minutes will bring.
Habits live in the athlete's local time, so every time of day here is local to the athlete's
zone, and every instant is a timezone-aware UTC datetime (Strava's daily window resets at
midnight UTC, the quarter-hour windows on the quarter hour).

Only this athlete's own history is used for this athlete (Strava's terms forbid cross-athlete
analytics); the app-wide demand estimate is a plain sum of per-athlete expectations.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from strava_rehab.quota.settings import MINUTES_PER_DAY


def require_aware(value: datetime, name: str = "datetime") -> datetime:
    """The value itself; a naive datetime is a bug in the caller, so it is refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (got naive {value.isoformat()})")
    return value


def zone_of(name: str) -> ZoneInfo:
    """An IANA zone from ``Europe/Paris`` or Strava's ``(GMT+01:00) Europe/Paris``."""
    key = name.strip().rsplit(" ", 1)[-1] if name.strip().startswith("(") else name.strip()
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


class UploadHistory(BaseModel):
    """One athlete's past upload instants and their time zone.

    ``uploads`` are the instants Strava received each activity: the ``event_time`` of its create
    event when there was one, otherwise the end of the activity (``start_date`` plus
    ``elapsed_time``) as the best estimate. Any order; duplicates are harmless.
    """

    model_config = ConfigDict(frozen=True)

    athlete_id: int
    timezone: str = Field(description="IANA name, or Strava's '(GMT+01:00) Europe/Paris' form.")
    uploads: tuple[datetime, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return zone_of(value).key

    @field_validator("uploads")
    @classmethod
    def _aware(cls, value: tuple[datetime, ...]) -> tuple[datetime, ...]:
        return tuple(require_aware(v, "upload time") for v in value)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def recent(self, now: datetime, days: int) -> list[datetime]:
        """Uploads in ``(now - days, now]``, oldest first."""
        since = now - timedelta(days=days)
        return sorted(u for u in self.uploads if since < u <= now)


def local_minute(instant: datetime, zone: tzinfo) -> int:
    """Minute of the local day, 0..1439."""
    local = instant.astimezone(zone)
    return local.hour * 60 + local.minute


def minute_histogram(uploads: Iterable[datetime], zone: tzinfo) -> list[int]:
    """Count of uploads per local minute of day (1,440 slots)."""
    counts = [0] * MINUTES_PER_DAY
    for upload in uploads:
        counts[local_minute(upload, zone)] += 1
    return counts


def recurrences(minute: int, start: datetime, end: datetime, zone: tzinfo) -> list[datetime]:
    """Every instant in ``[start, end)`` whose local wall-clock time is ``minute`` of the day."""
    if end <= start:
        return []
    wall = time(minute // 60, minute % 60)
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    found: list[datetime] = []
    while day <= last:
        candidate = datetime.combine(day, wall, tzinfo=zone)
        if start <= candidate < end:
            found.append(candidate)
        day += timedelta(days=1)
    return found


def format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
