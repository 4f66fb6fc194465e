"""Traffic accounting: who called what, when, how often it hit a 429, and refresh concurrency.

Every non-control request is classified once (``classify``) and counted by class, by athlete,
by 15-minute window and by UTC day; detail GETs and PUTs also by activity, with the time of the
first PUT that succeeded (a quota harness measures upload-to-suggestion latency from it).
Token refreshes are also tracked while *in flight*, per athlete, so a harness can assert that no
two refreshes of one athlete's token overlapped, and that nobody refreshed with a refresh token
that had already been rotated away.

``TrafficReport`` is the read-only model of all this; ``as_json``/``from_json`` round-trip it
through the control API (``GET /_sandbox/traffic``).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .messages import Request

JSON = dict[str, Any]

LIST = "list"
DETAIL = "detail"
PUT = "put"
ATHLETE = "athlete"
TOKEN_REFRESH = "token_refresh"  # noqa: S105 - an endpoint class, not a secret
OTHER = "other"
ENDPOINT_CLASSES = (LIST, DETAIL, PUT, ATHLETE, TOKEN_REFRESH, OTHER)
WINDOW_S = 900
_ACTIVITY_PATH = "/api/v3/activities/"


def classify(request: Request) -> str:
    """The endpoint class of a (non-control) request."""
    path = request.path.rstrip("/")
    method = request.method
    if path in ("/oauth/token", "/api/v3/oauth/token"):
        return TOKEN_REFRESH if request.param("grant_type") == "refresh_token" else OTHER
    if path == "/api/v3/athlete/activities" and method == "GET":
        return LIST
    if path == "/api/v3/athlete" and method == "GET":
        return ATHLETE
    if path.startswith("/api/v3/activities/") and path[len("/api/v3/activities/") :].isdigit():
        if method == "GET":
            return DETAIL
        if method == "PUT":
            return PUT
    return OTHER


def activity_of(request: Request, endpoint_class: str) -> int | None:
    """The activity a detail GET or a PUT is about (None for every other class)."""
    if endpoint_class not in (DETAIL, PUT):
        return None
    return int(request.path.rstrip("/")[len(_ACTIVITY_PATH) :])


def window_start(instant: datetime) -> datetime:
    epoch = int(instant.timestamp())
    return datetime.fromtimestamp(epoch - epoch % WINDOW_S, UTC)


def _counts(raw: object) -> dict[str, int]:
    if not isinstance(raw, dict):
        return {}
    return {str(k): int(v) for k, v in raw.items()}


@dataclass(frozen=True)
class AthleteTraffic:
    athlete_id: int
    calls: int
    by_class: dict[str, int]
    rate_limited: int  # 429 answers to this athlete's calls
    refreshes: int
    max_concurrent_refreshes: int  # most refresh requests in flight at once for this athlete
    stale_refreshes: int  # refreshes sent with an already-rotated refresh token

    def as_json(self) -> JSON:
        return {
            "athlete_id": self.athlete_id,
            "calls": self.calls,
            "by_class": dict(self.by_class),
            "rate_limited": self.rate_limited,
            "refreshes": self.refreshes,
            "max_concurrent_refreshes": self.max_concurrent_refreshes,
            "stale_refreshes": self.stale_refreshes,
        }

    @classmethod
    def from_json(cls, data: JSON) -> AthleteTraffic:
        return cls(
            int(data["athlete_id"]),
            int(data["calls"]),
            _counts(data["by_class"]),
            int(data["rate_limited"]),
            int(data["refreshes"]),
            int(data["max_concurrent_refreshes"]),
            int(data["stale_refreshes"]),
        )


@dataclass(frozen=True)
class ActivityTraffic:
    """Detail GETs and PUTs of one activity (any status), and when a PUT first succeeded."""

    activity_id: int
    athlete_id: int | None
    detail: int
    put: int
    first_put_at: datetime | None  # sandbox time of the first PUT answered 200

    def as_json(self) -> JSON:
        return {
            "activity_id": self.activity_id,
            "athlete_id": self.athlete_id,
            "detail": self.detail,
            "put": self.put,
            "first_put_at": None if self.first_put_at is None else self.first_put_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: JSON) -> ActivityTraffic:
        first = data.get("first_put_at")
        return cls(
            int(data["activity_id"]),
            None if data.get("athlete_id") is None else int(data["athlete_id"]),
            int(data["detail"]),
            int(data["put"]),
            None if first is None else datetime.fromisoformat(str(first)),
        )


@dataclass(frozen=True)
class WindowTraffic:
    """One bucket: a 15-minute window (``start`` on :00/:15/:30/:45) or a UTC day."""

    start: datetime
    calls: int
    counted: int  # calls that count toward Strava's overall limit (OAuth calls don't)
    by_class: dict[str, int]
    rate_limited: int

    def as_json(self) -> JSON:
        return {
            "start": self.start.isoformat(),
            "calls": self.calls,
            "counted": self.counted,
            "by_class": dict(self.by_class),
            "rate_limited": self.rate_limited,
        }

    @classmethod
    def from_json(cls, data: JSON) -> WindowTraffic:
        return cls(
            datetime.fromisoformat(str(data["start"])),
            int(data["calls"]),
            int(data["counted"]),
            _counts(data["by_class"]),
            int(data["rate_limited"]),
        )


@dataclass(frozen=True)
class RefreshStats:
    total: int
    max_concurrent: int  # max over athletes of simultaneous in-flight refreshes
    concurrent_athletes: list[int]  # athletes that ever had two refreshes in flight at once
    stale: int  # refreshes with an already-rotated refresh token (the race's symptom)
    stale_athletes: list[int]

    def as_json(self) -> JSON:
        return {
            "total": self.total,
            "max_concurrent": self.max_concurrent,
            "concurrent_athletes": list(self.concurrent_athletes),
            "stale": self.stale,
            "stale_athletes": list(self.stale_athletes),
        }

    @classmethod
    def from_json(cls, data: JSON) -> RefreshStats:
        return cls(
            int(data["total"]),
            int(data["max_concurrent"]),
            [int(a) for a in data["concurrent_athletes"]],
            int(data["stale"]),
            [int(a) for a in data["stale_athletes"]],
        )


@dataclass(frozen=True)
class TrafficReport:
    since: datetime  # sandbox time of the last reset (or start)
    until: datetime  # sandbox time the report was taken
    calls: int
    by_class: dict[str, int]
    by_status: dict[str, int]
    rate_limited: int  # every 429 answered, real or injected
    injected_rate_limited: int  # of which injected with a fault
    unattributed: int  # calls no athlete could be attributed to (subscriptions, bad tokens)
    by_athlete: dict[int, AthleteTraffic]
    by_window: list[WindowTraffic]  # oldest first, only windows with calls
    by_day: list[WindowTraffic]
    refresh: RefreshStats
    by_activity: dict[int, ActivityTraffic] = field(default_factory=dict)

    def no_concurrent_refreshes(self) -> bool:
        """True when no athlete ever had two refreshes in flight and none used a stale token."""
        return self.refresh.max_concurrent <= 1 and self.refresh.stale == 0

    def calls_of(self, athlete_id: int, endpoint_class: str | None = None) -> int:
        found = self.by_athlete.get(athlete_id)
        if found is None:
            return 0
        return found.calls if endpoint_class is None else found.by_class.get(endpoint_class, 0)

    def as_json(self) -> JSON:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "calls": self.calls,
            "by_class": dict(self.by_class),
            "by_status": dict(self.by_status),
            "rate_limited": self.rate_limited,
            "injected_rate_limited": self.injected_rate_limited,
            "unattributed": self.unattributed,
            "by_athlete": {str(k): v.as_json() for k, v in sorted(self.by_athlete.items())},
            "by_window": [w.as_json() for w in self.by_window],
            "by_day": [d.as_json() for d in self.by_day],
            "refresh": self.refresh.as_json(),
            "by_activity": {str(k): v.as_json() for k, v in sorted(self.by_activity.items())},
        }

    @classmethod
    def from_json(cls, data: JSON) -> TrafficReport:
        return cls(
            since=datetime.fromisoformat(str(data["since"])),
            until=datetime.fromisoformat(str(data["until"])),
            calls=int(data["calls"]),
            by_class=_counts(data["by_class"]),
            by_status=_counts(data["by_status"]),
            rate_limited=int(data["rate_limited"]),
            injected_rate_limited=int(data["injected_rate_limited"]),
            unattributed=int(data["unattributed"]),
            by_athlete={
                int(k): AthleteTraffic.from_json(v) for k, v in dict(data["by_athlete"]).items()
            },
            by_window=[WindowTraffic.from_json(w) for w in data["by_window"]],
            by_day=[WindowTraffic.from_json(d) for d in data["by_day"]],
            refresh=RefreshStats.from_json(dict(data["refresh"])),
            by_activity={
                int(k): ActivityTraffic.from_json(v)
                for k, v in dict(data.get("by_activity", {})).items()
            },
        )


@dataclass
class _Bucket:
    calls: int = 0
    counted: int = 0
    rate_limited: int = 0
    by_class: Counter[str] = field(default_factory=Counter)

    def add(self, endpoint_class: str, counted: bool, limited: bool) -> None:
        self.calls += 1
        self.counted += counted
        self.rate_limited += limited
        self.by_class[endpoint_class] += 1


@dataclass
class _AthleteBucket:
    calls: int = 0
    rate_limited: int = 0
    by_class: Counter[str] = field(default_factory=Counter)
    refreshes: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    stale: int = 0


@dataclass
class _ActivityBucket:
    athlete_id: int | None = None
    detail: int = 0
    put: int = 0
    first_put_at: datetime | None = None


class TrafficRecorder:
    """Thread-safe counters; O(1) per call. Its own lock, never the world's."""

    def __init__(self, now: datetime) -> None:
        self._lock = threading.Lock()
        self._reset(now)

    def _reset(self, now: datetime) -> None:
        self._since = now
        self._total = _Bucket()
        self._status: Counter[str] = Counter()
        self._injected_429 = 0
        self._unattributed = 0
        in_flight = {
            a: b.in_flight for a, b in getattr(self, "_athletes", {}).items() if b.in_flight
        }
        self._athletes: dict[int, _AthleteBucket] = {}
        for athlete_id, count in in_flight.items():
            # Refreshes still running survive a reset, so their end is accounted correctly.
            self._athletes[athlete_id] = _AthleteBucket(in_flight=count, max_in_flight=count)
        self._windows: dict[datetime, _Bucket] = {}
        self._days: dict[datetime, _Bucket] = {}
        self._activities: dict[int, _ActivityBucket] = {}

    def reset(self, now: datetime) -> None:
        with self._lock:
            self._reset(now)

    def refresh_started(self, athlete_id: int | None) -> None:
        if athlete_id is None:
            return
        with self._lock:
            bucket = self._athletes.setdefault(athlete_id, _AthleteBucket())
            bucket.in_flight += 1
            bucket.max_in_flight = max(bucket.max_in_flight, bucket.in_flight)

    def refresh_finished(self, athlete_id: int | None, *, stale: bool) -> None:
        if athlete_id is None:
            return
        with self._lock:
            bucket = self._athletes.setdefault(athlete_id, _AthleteBucket())
            bucket.in_flight = max(0, bucket.in_flight - 1)
            bucket.refreshes += 1
            bucket.stale += stale

    def record(
        self,
        now: datetime,
        endpoint_class: str,
        athlete_id: int | None,
        status: int | None,
        *,
        counted: bool,
        injected: bool = False,
        activity_id: int | None = None,
    ) -> None:
        limited = status == 429
        with self._lock:
            if activity_id is not None:
                seen = self._activities.setdefault(activity_id, _ActivityBucket(athlete_id))
                if endpoint_class == PUT:
                    seen.put += 1
                    if status == 200 and seen.first_put_at is None:
                        seen.first_put_at = now
                else:
                    seen.detail += 1
            self._total.add(endpoint_class, counted, limited)
            self._status["dropped" if status is None else str(status)] += 1
            self._injected_429 += limited and injected
            window = window_start(now)
            self._windows.setdefault(window, _Bucket()).add(endpoint_class, counted, limited)
            day = datetime(now.year, now.month, now.day, tzinfo=UTC)
            self._days.setdefault(day, _Bucket()).add(endpoint_class, counted, limited)
            if athlete_id is None:
                self._unattributed += 1
                return
            bucket = self._athletes.setdefault(athlete_id, _AthleteBucket())
            bucket.calls += 1
            bucket.rate_limited += limited
            bucket.by_class[endpoint_class] += 1

    def report(self, now: datetime) -> TrafficReport:
        with self._lock:
            athletes = {
                athlete_id: AthleteTraffic(
                    athlete_id,
                    b.calls,
                    dict(b.by_class),
                    b.rate_limited,
                    b.refreshes,
                    b.max_in_flight,
                    b.stale,
                )
                for athlete_id, b in self._athletes.items()
            }

            def buckets(source: dict[datetime, _Bucket]) -> list[WindowTraffic]:
                return [
                    WindowTraffic(start, b.calls, b.counted, dict(b.by_class), b.rate_limited)
                    for start, b in sorted(source.items())
                ]

            refresh = RefreshStats(
                total=sum(b.refreshes for b in self._athletes.values()),
                max_concurrent=max((b.max_in_flight for b in self._athletes.values()), default=0),
                concurrent_athletes=sorted(
                    a for a, b in self._athletes.items() if b.max_in_flight > 1
                ),
                stale=sum(b.stale for b in self._athletes.values()),
                stale_athletes=sorted(a for a, b in self._athletes.items() if b.stale),
            )
            return TrafficReport(
                since=self._since,
                until=now,
                calls=self._total.calls,
                by_class=dict(self._total.by_class),
                by_status=dict(self._status),
                rate_limited=self._total.rate_limited,
                injected_rate_limited=self._injected_429,
                unattributed=self._unattributed,
                by_athlete=athletes,
                by_window=buckets(self._windows),
                by_day=buckets(self._days),
                refresh=refresh,
                by_activity={
                    activity_id: ActivityTraffic(
                        activity_id, b.athlete_id, b.detail, b.put, b.first_put_at
                    )
                    for activity_id, b in self._activities.items()
                },
            )
