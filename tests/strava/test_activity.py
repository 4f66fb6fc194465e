"""From Strava's activity JSON to a stored row, read through stravalib's typed models."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import pydantic
import pytest
from stravalib import model

from strava_rehab.sandbox import Sandbox, SandboxConfig
from strava_rehab.strava.activity import (
    MalformedActivity,
    apply_detail,
    apply_summary,
    detail_of,
    local_date_of,
)
from strava_rehab.strava.errors import StravaError

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
RUNS = frozenset({"Run", "TrailRun", "VirtualRun"})


def summary(**fields: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": 9001,
        "resource_state": 2,
        "athlete": {"id": 77, "resource_state": 1},
        "name": "Evening Run",
        "sport_type": "Run",
        "type": "Run",
        "distance": 10012.4,
        "moving_time": 3010,
        "elapsed_time": 3100,
        # 19:30 in Sydney on 27 November is 08:30 UTC the same day...
        "start_date": "2026-11-27T08:30:00Z",
        "start_date_local": "2026-11-27T19:30:00Z",
        "timezone": "(GMT+10:00) Australia/Sydney",
        "utc_offset": 39600.0,
        "manual": False,
        "trainer": False,
        "private": False,
    }
    raw.update(fields)
    return raw


def test_a_row_mirrors_stravalibs_model_for_every_sandbox_payload() -> None:
    with Sandbox(SandboxConfig(port=0, now=NOW)) as sb:
        payloads = sb.activities(sb.seed_athlete_id)
    assert len(payloads) > 20
    for raw in payloads:
        kept = copy.deepcopy(raw)
        row = apply_summary(None, raw, RUNS, NOW)
        apply_detail(row, raw, RUNS, NOW)
        typed = model.DetailedActivity.model_validate(raw)
        assert typed.timezone is not None and typed.start_date is not None
        assert row.id == typed.id and row.athlete_id == typed.athlete.id  # type: ignore[union-attr]
        assert row.start_utc == typed.start_date
        assert row.local_date == typed.start_date.astimezone(typed.timezone.timezone()).date()
        assert row.distance_m == float(typed.distance or 0)
        assert row.moving_time_s == int(typed.moving_time or 0)
        assert row.elapsed_time_s == int(typed.elapsed_time or 0)
        assert row.sport_type == typed.sport_type
        assert row.counted == (row.sport_type in RUNS)
        assert (row.manual, row.trainer, row.private) == (
            bool(typed.manual),
            bool(typed.trainer),
            bool(typed.private),
        )
        assert row.description == typed.description
        assert row.private_note == typed.private_note
        assert row.timezone == typed.timezone
        # The raw JSON is kept as it came, untouched by the parsing.
        assert row.raw_detail == kept and row.raw_summary == kept


def test_an_evening_run_in_sydney_counts_on_the_runners_day_not_utcs() -> None:
    late = summary(start_date="2026-11-27T13:30:00Z", start_date_local="2026-11-28T00:30:00Z")
    row = apply_summary(None, late, RUNS, NOW)
    assert row.start_utc == datetime(2026, 11, 27, 13, 30, tzinfo=UTC)
    assert row.local_date == date(2026, 11, 28)
    assert row.counted and row.distance_m == 10012.4 and row.moving_time_s == 3010


def test_without_a_zone_the_offset_then_the_local_clock_decide_the_day() -> None:
    # Just before midnight UTC, one hour east of it: the next day where the runner is.
    raw = summary(
        start_date="2026-11-27T23:30:00Z",
        start_date_local="2026-11-28T00:30:00Z",
        timezone=None,
        utc_offset=3600.0,
    )
    typed = model.SummaryActivity.model_validate(raw)
    assert local_date_of(typed, datetime(2026, 11, 27, 23, 30, tzinfo=UTC)) == date(2026, 11, 28)
    no_offset = summary(
        start_date="2026-11-27T23:30:00Z", start_date_local="2026-11-28T00:30:00Z", timezone=None
    )
    del no_offset["utc_offset"]
    assert apply_summary(None, no_offset, RUNS, NOW).local_date == date(2026, 11, 28)


@pytest.mark.parametrize(
    "zone", ["(GMT+00:00) Nowhere/Land", "(GMT+00:00) ", "(GMT+00:00) ../../etc/passwd"]
)
def test_a_timezone_that_names_no_zone_falls_back_to_the_offset(zone: str) -> None:
    row = apply_summary(None, summary(timezone=zone), RUNS, NOW)
    assert row.local_date == date(2026, 11, 27)  # 08:30 UTC + 11 h
    assert row.timezone == zone


def test_detail_fields_are_read_from_the_detailed_model() -> None:
    raw = summary(
        description="Easy 10k. Left achilles 3/10 after.",
        private_note="felt tight",
        perceived_exertion=6,
    )
    row = apply_summary(None, summary(), RUNS, NOW)
    assert row.description is None and row.detail_hash is None
    apply_detail(row, raw, RUNS, NOW)
    assert detail_of(raw).perceived_exertion == 6
    assert row.description == "Easy 10k. Left achilles 3/10 after."
    assert row.private_note == "felt tight"
    assert row.perceived_exertion == 6.0
    assert row.detail_hash == row.summary_hash and row.detail_fetched_at == NOW


def test_the_legacy_type_stands_in_when_there_is_no_sport_type() -> None:
    raw = summary(type="Ride")
    del raw["sport_type"]
    row = apply_summary(None, raw, RUNS, NOW)
    assert row.sport_type == "Ride" and not row.counted


@pytest.mark.parametrize("missing", ["athlete", "start_date", "id"])
def test_an_activity_without_id_owner_or_start_is_a_clear_strava_error(missing: str) -> None:
    raw = summary()
    del raw[missing]
    with pytest.raises(MalformedActivity, match="without an id, owner or start date") as caught:
        apply_summary(None, raw, RUNS, NOW)
    assert isinstance(caught.value, StravaError)  # sync reports it; it never crashes the job


def test_a_payload_that_is_not_an_activity_is_refused_by_the_model() -> None:
    with pytest.raises(pydantic.ValidationError):
        apply_summary(None, summary(distance="far"), RUNS, NOW)
