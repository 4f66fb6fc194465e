"""One app-wide Strava rate budget, shared by every process of an install.

Strava's limits are per application, so every worker and the web process spend from the same
pool. Before each call we reserve a unit in each window with one atomic upsert (the same SQL on
SQLite and PostgreSQL); after each call Strava's usage headers correct our count upwards, so calls
made elsewhere (another process, a 429, token refreshes) are counted too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from sqlalchemy import func, select

from strava_rehab.db.engine import Database, upsert_insert
from strava_rehab.db.models import RateWindow
from strava_rehab.strava.errors import RateLimitReached

CallKind = Literal["read", "upload"]

# Strava's documented defaults; the headers replace them with the app's real limits.
DEFAULT_LIMITS = {"overall_15m": 200, "overall_day": 2000, "read_15m": 100, "read_day": 1000}


@dataclass(frozen=True)
class Bucket:
    name: str
    daily: bool

    def window_start(self, now: datetime) -> datetime:
        now = now.astimezone(UTC)
        if self.daily:
            return now.replace(hour=0, minute=0, second=0, microsecond=0)
        return now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)

    def window_end(self, now: datetime) -> datetime:
        return self.window_start(now) + (timedelta(days=1) if self.daily else timedelta(minutes=15))


BUCKETS = {
    "overall_15m": Bucket("overall_15m", daily=False),
    "overall_day": Bucket("overall_day", daily=True),
    "read_15m": Bucket("read_15m", daily=False),
    "read_day": Bucket("read_day", daily=True),
}
_HEADERS = {"overall": "x-ratelimit", "read": "x-readratelimit"}


def buckets_for(kind: CallKind) -> list[Bucket]:
    # Every GET and PUT counts against "non-upload" (read) as well as overall.
    names = ["overall_15m", "overall_day"] + (["read_15m", "read_day"] if kind == "read" else [])
    return [BUCKETS[name] for name in names]


def parse_usage_headers(headers: Mapping[str, str]) -> dict[str, tuple[int, int]]:
    """``{"overall_15m": (used, limit), ...}`` from Strava's X-*RateLimit-* headers."""
    lowered = {key.lower(): value for key, value in headers.items()}
    found: dict[str, tuple[int, int]] = {}
    for family, prefix in _HEADERS.items():
        usage, limit = lowered.get(f"{prefix}-usage"), lowered.get(f"{prefix}-limit")
        if not usage or not limit:
            continue
        try:
            used_short, used_day = (int(part) for part in usage.split(","))
            limit_short, limit_day = (int(part) for part in limit.split(","))
        except ValueError:
            continue
        found[f"{family}_15m"] = (used_short, limit_short)
        found[f"{family}_day"] = (used_day, limit_day)
    return found


class RateBudget(Protocol):
    def reserve(self, kind: CallKind, now: datetime) -> None: ...

    def observe(self, headers: Mapping[str, str], now: datetime) -> None: ...


class UnlimitedBudget:
    """For OAuth calls and tests that are not about the budget."""

    def reserve(self, kind: CallKind, now: datetime) -> None:
        return None

    def observe(self, headers: Mapping[str, str], now: datetime) -> None:
        return None


class DatabaseRateBudget:
    def __init__(self, db: Database, safety_margin: float = 0.95) -> None:
        self._db = db
        self._margin = safety_margin

    def _effective(self, limit: int) -> int:
        return max(1, math.floor(limit * self._margin))

    def reserve(self, kind: CallKind, now: datetime) -> None:
        buckets = buckets_for(kind)
        with self._db.transaction() as session:
            insert_cls = upsert_insert(session)
            for bucket in buckets:
                start = bucket.window_start(now)
                default_limit = DEFAULT_LIMITS[bucket.name]
                values = insert_cls(RateWindow).values(
                    bucket=bucket.name, window_start=start, used=1, limit=default_limit
                )
                stmt = values.on_conflict_do_update(
                    index_elements=[RateWindow.bucket, RateWindow.window_start],
                    set_={"used": RateWindow.used + 1},
                    where=(RateWindow.used + 1) <= func.floor(RateWindow.limit * self._margin),
                ).returning(RateWindow.used)
                granted = session.execute(stmt).scalar_one_or_none()
                if granted is None:
                    row = session.get(RateWindow, (bucket.name, start))
                    used, limit = (row.used, row.limit) if row else (0, default_limit)
                    raise RateLimitReached(
                        bucket.window_end(now),
                        f"{bucket.name.replace('_', ' ')}: {used} of {limit} used",
                    )

    def observe(self, headers: Mapping[str, str], now: datetime) -> None:
        usage = parse_usage_headers(headers)
        if not usage:
            return
        with self._db.transaction() as session:
            insert_cls = upsert_insert(session)
            postgres = session.get_bind().dialect.name == "postgresql"
            greatest = func.greatest if postgres else func.max
            for name, (used, limit) in usage.items():
                start = BUCKETS[name].window_start(now)
                stmt = insert_cls(RateWindow).values(
                    bucket=name, window_start=start, used=used, limit=limit
                )
                stmt = stmt.on_conflict_do_update(
                    index_elements=[RateWindow.bucket, RateWindow.window_start],
                    set_={"used": greatest(RateWindow.used, used), "limit": limit},
                )
                session.execute(stmt)

    def resume_at(self, now: datetime) -> datetime | None:
        """When a call could be reserved again, if no window has room now (the latest reset:
        a spent day outlasts a spent quarter hour); None while every window has room."""
        spent: list[datetime] = []
        for name, (used, limit) in self.snapshot(now).items():
            if used + 1 > math.floor(limit * self._margin):  # the test reserve makes
                spent.append(BUCKETS[name].window_end(now))
        return max(spent, default=None)

    def snapshot(self, now: datetime) -> dict[str, tuple[int, int]]:
        """Current ``(used, limit)`` per bucket, for status output."""
        result: dict[str, tuple[int, int]] = {}
        with self._db.transaction() as session:
            for name, bucket in BUCKETS.items():
                row = session.scalar(
                    select(RateWindow).where(
                        RateWindow.bucket == name,
                        RateWindow.window_start == bucket.window_start(now),
                    )
                )
                result[name] = (row.used, row.limit) if row else (0, DEFAULT_LIMITS[name])
        return result
