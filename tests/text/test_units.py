"""Distances in kilometres or miles, converted by Pint; metric text is exactly as before."""

from __future__ import annotations

import pytest

from strava_rehab.text import units


def test_metric_is_the_old_text_exactly() -> None:
    assert units.distance(12.34) == "12.3 km" == f"{12.34:.1f} km"
    assert units.distance(20.0, "metric", decimals=0) == "20 km"


@pytest.mark.parametrize(("km", "text"), [(10.0, "6.2 mi"), (42.195, "26.2 mi"), (0.0, "0.0 mi")])
def test_imperial_converts_within_rounding(km: float, text: str) -> None:
    assert units.distance(km, "imperial") == text
    assert units.distance_value(km, "imperial") == pytest.approx(km / 1.609344)


def test_the_symbols_are_pints_own() -> None:
    registry = units._registry()
    for system in units.UNIT_SYSTEMS:
        assert units.distance_unit(system) == f"{registry.Unit(units._UNIT[system]):~P}"
