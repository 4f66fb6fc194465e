"""New runners for the quota and inbox tests and ``benchmarks/bench_burst.py``: a sandbox
athlete with a steady history of easy runs, connected through the real connect flow."""

from __future__ import annotations

from datetime import datetime, timedelta

import requests

from strava_rehab.context import AppContext
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import connect as athletes


def browser(url: str) -> None:
    """The runner presses Authorize: follow Strava's redirect to our callback."""
    requests.get(url, timeout=10, allow_redirects=True)


def steady_history(
    sandbox: Sandbox, athlete_id: int, days: int, *, until: datetime, km: float = 6.0
) -> None:
    """One easy run a day for ``days`` days, each starting ``days_ago`` days before ``until``
    (no webhooks: history, as a listing finds it)."""
    for days_ago in range(days, 0, -1):
        start = until - timedelta(days=days_ago)
        sandbox.add_activity_unannounced(
            athlete_id,
            name="Easy Run",
            sport_type="Run",
            distance=km * 1000,
            moving_time=int(km * 330),
            elapsed_time=int(km * 340),
            start_date=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )


def connect_new_runner(
    ctx: AppContext,
    sandbox: Sandbox,
    name: str,
    *,
    history_days: int = 0,
    history_until: datetime | None = None,
) -> int:
    """A new athlete (UTC) with ``history_days`` of steady runs before ``history_until``
    (default: now), connected; returns their id. Their history is synced by the caller."""
    athlete_id = int(sandbox.add_athlete("Runner", name, timezone="UTC")["id"])
    if history_days:
        steady_history(sandbox, athlete_id, history_days, until=history_until or sandbox.now())
    sandbox.set_current_athlete(athlete_id)
    connected = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    assert connected == athlete_id
    return athlete_id
