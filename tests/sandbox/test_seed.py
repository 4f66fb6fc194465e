"""The seeded runner: a clear spike in the last 7 days, a pain note, and the awkward cases."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from strava_rehab.sandbox import SEED_TIMEZONE, Sandbox, seed_history

from .support import FIXED_NOW, fast_config

NOWS = [
    FIXED_NOW,
    datetime(2026, 4, 2, 5, 30, tzinfo=UTC),  # spring DST change inside the last weeks
    datetime(2027, 7, 18, 22, 45, tzinfo=UTC),  # late evening UTC: already the 19th in Berlin
]


def _start(activity: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(activity["start_date"].replace("Z", "+00:00"))


def _runs(activities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in activities if a["sport_type"] in {"Run", "TrailRun", "VirtualRun"}]


def _km_between(runs: list[dict[str, Any]], start: datetime, end: datetime) -> float:
    return float(sum(r["distance"] for r in runs if start <= _start(r) < end)) / 1000


@pytest.mark.parametrize("now", NOWS)
def test_last_seven_days_spike_about_forty_percent(now: datetime) -> None:
    _, activities = seed_history(now)
    runs = _runs(activities)
    last = _km_between(runs, now - timedelta(days=7), now)
    before = _km_between(runs, now - timedelta(days=14), now - timedelta(days=7))
    assert 1.3 <= last / before <= 1.55, (last, before)
    # The spike is the only jump of that size: earlier rolling weeks change by < 25 %.
    for weeks_back in range(1, 24):
        end = now - timedelta(days=7 * weeks_back)
        week = _km_between(runs, end - timedelta(days=7), end)
        previous = _km_between(runs, end - timedelta(days=14), end - timedelta(days=7))
        assert week / previous < 1.25, (weeks_back, week, previous)


@pytest.mark.parametrize("now", NOWS)
def test_one_recent_run_is_thirty_percent_longer_than_the_month_before(now: datetime) -> None:
    _, activities = seed_history(now)
    runs = _runs(activities)
    recent = [r for r in runs if _start(r) >= now - timedelta(days=7)]
    spikes = []
    for run in recent:
        window = [
            r["distance"]
            for r in runs
            if _start(run) - timedelta(days=30) <= _start(r) < _start(run)
        ]
        if run["distance"] >= 1.3 * max(window):
            spikes.append(run)
    assert len(spikes) == 1
    assert all(_start(a) < now for a in activities)


def test_history_is_about_six_months_of_four_or_five_runs_a_week() -> None:
    _, activities = seed_history(FIXED_NOW)
    runs = _runs(activities)
    oldest = min(_start(a) for a in activities)
    assert timedelta(days=170) <= FIXED_NOW - oldest <= timedelta(days=190)
    for weeks_back in range(1, 25):
        end = FIXED_NOW - timedelta(days=7 * weeks_back)
        count = sum(1 for r in runs if end - timedelta(days=7) <= _start(r) < end)
        assert 4 <= count <= 5, (weeks_back, count)
    long_runs = [r for r in runs if r["workout_type"] == 2 and _start(r) < FIXED_NOW - timedelta(7)]
    assert long_runs
    assert all(16000 <= r["distance"] <= 22000 for r in long_runs)
    easy = [r for r in runs if r["workout_type"] == 0 and not r["manual"]]
    assert all(5000 <= r["distance"] <= 12000 for r in easy)


def test_pain_note_private_run_treadmill_rides_and_walks() -> None:
    _, activities = seed_history(FIXED_NOW)
    pain = [
        a
        for a in activities
        if re.search(r"shin.*sore \d+/10", f"{a['description']} {a['private_note']}", re.I)
    ]
    assert len(pain) == 1
    assert timedelta(days=14) <= FIXED_NOW - _start(pain[0]) <= timedelta(days=35)
    private = [a for a in activities if a["private"]]
    assert [(a["visibility"], a["sport_type"]) for a in private] == [("only_me", "Run")]
    (treadmill,) = [a for a in activities if a["manual"]]
    assert treadmill["trainer"] is True
    assert treadmill["map"]["summary_polyline"] == ""
    assert treadmill["start_latlng"] == []
    assert treadmill["upload_id"] is None
    assert sum(1 for a in activities if a["sport_type"] == "Ride") >= 5
    assert sum(1 for a in activities if a["sport_type"] == "Walk") >= 5


def test_runner_descriptions_have_line_breaks_and_emoji() -> None:
    _, activities = seed_history(FIXED_NOW)
    own = [a["description"] for a in activities if a["description"]]
    assert sum(1 for d in own if "\n" in d) >= 4
    assert any(any(ord(ch) > 0xFFFF for ch in d) for d in own)  # beyond the BMP


def test_local_time_and_timezone_agree_with_zoneinfo() -> None:
    _, activities = seed_history(FIXED_NOW)
    zone = ZoneInfo(SEED_TIMEZONE)
    offsets = set()
    for activity in activities:
        local = _start(activity).astimezone(zone)
        offset = local.utcoffset()
        assert offset is not None
        hours, minutes = divmod(int(offset.total_seconds()) // 60, 60)
        assert activity["timezone"] == f"(GMT+{hours:02d}:{minutes:02d}) {SEED_TIMEZONE}"
        assert activity["utc_offset"] == offset.total_seconds()
        assert activity["start_date_local"] == local.strftime("%Y-%m-%dT%H:%M:%SZ")
        offsets.add(offset.total_seconds())
    assert offsets == {3600.0, 7200.0}  # the history crosses a DST change
    late = [a for a in activities if a["start_date_local"][11:13] == "23"]
    assert len(late) >= 2


def test_seed_is_deterministic_with_growing_large_ids() -> None:
    first = seed_history(FIXED_NOW)
    assert first == seed_history(FIXED_NOW)
    _, activities = first
    ids = [a["id"] for a in activities]
    assert ids == sorted(ids)
    assert ids[0] >= 14_000_000_000
    assert len(set(ids)) == len(ids)
    with pytest.raises(ValueError, match="aware"):
        seed_history(datetime(2026, 11, 27))  # deliberately naive


def test_unseeded_sandbox_has_the_runner_but_no_history() -> None:
    with Sandbox(fast_config(seed=False)) as sb:
        assert sb.athlete(sb.seed_athlete_id)["firstname"] == "Maren"
        assert sb.activities(sb.seed_athlete_id) == []
