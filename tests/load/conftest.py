"""Builders for runs: tests say what matters (day, km, surface) and get a valid RunSession."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from strava_rehab.load import RunSession

# A fixed, arbitrary start of history: no test reads the clock.
DAY0 = date(2024, 3, 1)
EASY_PACE_S_PER_KM = 330

RunFactory = Callable[..., RunSession]


def build_run(
    activity_id: int,
    day: int | date,
    km: float,
    *,
    hour: int = 7,
    minute: int = 0,
    moving_time_s: int | None = None,
    trainer: bool = False,
    manual: bool = False,
) -> RunSession:
    local_date = day if isinstance(day, date) else DAY0 + timedelta(days=day)
    return RunSession(
        activity_id=activity_id,
        local_date=local_date,
        start_utc=datetime(
            local_date.year, local_date.month, local_date.day, hour, minute, tzinfo=UTC
        ),
        distance_m=km * 1000,
        moving_time_s=(
            moving_time_s if moving_time_s is not None else round(km * EASY_PACE_S_PER_KM)
        ),
        trainer=trainer,
        manual=manual,
    )


@pytest.fixture(scope="session")
def make_run() -> RunFactory:
    """``make_run(activity_id, day_offset_or_date, km, ...)``: see ``build_run``."""
    return build_run


@pytest.fixture(scope="session")
def day0() -> date:
    return DAY0
