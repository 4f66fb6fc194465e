"""Strava's app-wide rate limits: 15-minute windows on the quarter hour, daily ones at 00:00 UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

Limits = tuple[int, int]

# Per-app quota presets: name -> (overall (15 min, day), read/non-upload (15 min, day)).
# "standard" is Strava's documented default. "reviewed" is what reviewed apps reported in 2023.
# Strava publishes no Extended-tier figures; "extended" is this sandbox's assumption, sized for
# ~1,000 athletes (set exact limits with ``limits`` when you know your app's).
QUOTA_TIERS: dict[str, tuple[Limits, Limits]] = {
    "standard": ((200, 2_000), (100, 1_000)),
    "reviewed": ((600, 6_000), (300, 3_000)),
    "extended": ((6_000, 60_000), (3_000, 30_000)),
}


def tier_limits(name: str) -> tuple[Limits, Limits]:
    try:
        return QUOTA_TIERS[name]
    except KeyError:
        raise ValueError(
            f"unknown quota tier {name!r}; known tiers: {', '.join(QUOTA_TIERS)}"
        ) from None


def tier_of(overall: Limits, read: Limits) -> str:
    """The preset these limits match, or "custom"."""
    for name, limits in QUOTA_TIERS.items():
        if limits == (overall, read):
            return name
    return "custom"


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
