"""Distances in the runner's units: the analysis' km, written as km or miles."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strava_rehab.text.units import distance, distance_value, pace, speed, unit_label
from strava_rehab.text.voice import ENGLISH, Voice


def test_the_issue_example() -> None:
    assert distance(74.2, "metric") == "74.2 km"
    assert distance(74.2, "imperial") == "46.1 mi"
    assert unit_label("metric") == "km" and unit_label("imperial") == "mi"


def test_decimals_and_pace_and_speed() -> None:
    assert distance(40, "imperial", decimals=0) == "25 mi"
    assert pace(300, "metric") == "5:00 /km"
    assert pace(300, "imperial") == "8:03 /mi"
    assert speed(12.0, "imperial") == "7.5 mph"


@given(st.floats(min_value=0, max_value=500, allow_nan=False))
def test_metric_is_the_old_format_and_miles_match_the_metres(km: float) -> None:
    assert distance(km, "metric") == f"{km:.1f} km"
    assert distance_value(km, "imperial") == pytest.approx(km * 1000 / 1609.344)


def test_a_german_voice_writes_a_decimal_comma() -> None:
    assert Voice(language="de").distance(14.0) == "14,0 km"
    assert ENGLISH.distance(14.0) == "14.0 km"
    assert Voice(units="imperial").month(5) == "May"
