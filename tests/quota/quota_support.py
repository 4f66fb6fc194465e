"""Builders shared by the quota policy tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from strava_rehab.quota.timeofday import UploadHistory


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def habitual(
    athlete_id: int,
    zone: str,
    times: list[time],
    *,
    end: date,
    days: int = 28,
    jitter_min: int = 0,
) -> UploadHistory:
    """Uploads at the given local times on each of ``days`` days ending the day before ``end``."""
    tz = ZoneInfo(zone)
    uploads = []
    for offset in range(1, days + 1):
        day = end - timedelta(days=offset)
        for index, wall in enumerate(times):
            local = datetime.combine(day, wall, tzinfo=tz)
            shift = (
                ((offset * 7 + index * 3) % (2 * jitter_min + 1)) - jitter_min if jitter_min else 0
            )
            uploads.append((local + timedelta(minutes=shift)).astimezone(UTC))
    return UploadHistory(athlete_id=athlete_id, timezone=zone, uploads=tuple(uploads))
