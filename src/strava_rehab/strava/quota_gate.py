"""The per-call budget check: lower call classes never spend what the next new runs need.

``StravaHttp`` asks the gate before every counted call whose class is below ``NEW_RUN``
(``strava.http.call_class``). The gate reads the shared windows (``DatabaseRateBudget.snapshot``:
the same numbers every process of the install spends from) and the expected new-run demand,
estimated from the athletes' own upload habits (``quota.priorities.new_run_demand``), and lets
the pure ``decide_call`` grant or refuse. A refusal is a ``RateLimitReached`` with the time the
blocking window reopens, which every job already turns into "resume then", never a sleep.

The demand estimate reads every athlete's last four weeks of uploads, so it is cached per
process for ``DEMAND_CACHE`` (it moves with the quarter hour, not with each call).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from strava_rehab.db import gateway
from strava_rehab.db.engine import Database
from strava_rehab.quota.priorities import (
    BudgetUsage,
    CallClass,
    Demand,
    decide_call,
    new_run_demand,
    reserves,
)
from strava_rehab.quota.settings import QuotaPolicy
from strava_rehab.quota.timeofday import UploadHistory, zone_of
from strava_rehab.strava.errors import RateLimitReached
from strava_rehab.strava.rate_budget import DatabaseRateBudget

DEMAND_CACHE = timedelta(minutes=5)


def upload_histories(db: Database, now: datetime, policy: QuotaPolicy) -> list[UploadHistory]:
    """Every athlete's upload history over the policy's lookback (their own habits only)."""
    since = now - timedelta(days=policy.upload_lookback_days)
    histories = []
    for athlete_id, uploads in gateway.upload_times(db, since).items():
        try:
            zone = zone_of(uploads.timezone).key
        except ValueError:
            zone = "UTC"
        histories.append(UploadHistory(athlete_id=athlete_id, timezone=zone, uploads=uploads.times))
    return histories


class QuotaGate:
    def __init__(
        self,
        db: Database,
        budget: DatabaseRateBudget,
        policy: QuotaPolicy,
    ) -> None:
        self._db = db
        self._budget = budget
        self._policy = policy
        self._lock = threading.Lock()
        self._cached: tuple[datetime, dict[CallClass, Demand]] | None = None

    def demand(self, now: datetime) -> dict[CallClass, Demand]:
        with self._lock:
            if self._cached is not None and abs(now - self._cached[0]) < DEMAND_CACHE:
                return self._cached[1]
        histories = upload_histories(self._db, now, self._policy)
        found = reserves(new_run_demand(histories, now, self._policy), self._policy)
        with self._lock:
            self._cached = (now, found)
        return found

    def check(self, klass: CallClass, now: datetime, count: int = 1) -> None:
        """Refuse (RateLimitReached) a call of ``klass`` that would eat a higher class's room."""
        usage = BudgetUsage.from_snapshot(self._budget.snapshot(now))
        verdict = decide_call(
            klass, usage=usage, demand=self.demand(now), now=now, count=count, policy=self._policy
        )
        if not verdict.granted:
            assert verdict.retry_at is not None
            raise RateLimitReached(verdict.retry_at, verdict.reason)

    def __call__(self, klass: CallClass, now: datetime) -> None:
        self.check(klass, now)
