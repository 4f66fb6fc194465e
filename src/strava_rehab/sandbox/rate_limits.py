"""Strava's app-wide rate limits: 15-minute windows on the quarter hour, daily ones at 00:00 UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime


@dataclass
class _Usage:
    quarter: int = -1
    day: date | None = None
    short: int = 0
    long: int = 0

    def roll(self, now: datetime) -> None:
        quarter = int(now.timestamp() // 900)
        today = now.astimezone(UTC).date()
        if quarter != self.quarter:
            self.quarter, self.short = quarter, 0
        if today != self.day:
            self.day, self.long = today, 0


class RateLimiter:
    """Counts calls against the overall and the "non-upload" (read) limits."""

    def __init__(self, overall: tuple[int, int], read: tuple[int, int]) -> None:
        self.overall = overall
        self.read = read
        self._overall = _Usage()
        self._read = _Usage()

    def set_limits(
        self, overall: tuple[int, int] | None = None, read: tuple[int, int] | None = None
    ) -> None:
        for label, pair in (("overall", overall), ("read", read)):
            if pair is not None and (len(pair) != 2 or min(pair) <= 0):
                raise ValueError(f"{label} limits must be two positive ints (15 min, daily)")
        if overall is not None:
            self.overall = (int(overall[0]), int(overall[1]))
        if read is not None:
            self.read = (int(read[0]), int(read[1]))

    def count(self, now: datetime, *, non_upload: bool) -> bool:
        """Record one call; False when it went over a limit (it still counts, like Strava)."""
        self._overall.roll(now)
        self._read.roll(now)
        self._overall.short += 1
        self._overall.long += 1
        within = self._overall.short <= self.overall[0] and self._overall.long <= self.overall[1]
        if non_upload:
            self._read.short += 1
            self._read.long += 1
            within = within and self._read.short <= self.read[0] and self._read.long <= self.read[1]
        return within

    def headers(self, now: datetime) -> dict[str, str]:
        self._overall.roll(now)
        self._read.roll(now)
        return {
            "X-RateLimit-Limit": f"{self.overall[0]},{self.overall[1]}",
            "X-RateLimit-Usage": f"{self._overall.short},{self._overall.long}",
            "X-ReadRateLimit-Limit": f"{self.read[0]},{self.read[1]}",
            "X-ReadRateLimit-Usage": f"{self._read.short},{self._read.long}",
        }
