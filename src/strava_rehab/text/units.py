"""Distances and paces in the runner's units: the analysis stays in km, only the text changes.

Pint does the conversion (one well-kept definition of the mile instead of a constant copied
around); the formatting is ours, so "74.2 km" stays byte for byte what the English text always
said. Pint takes about half a second to import, so it is imported on first use only.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pint

UnitSystem = Literal["metric", "imperial"]
UNIT_SYSTEMS: tuple[UnitSystem, ...] = ("metric", "imperial")

_LABELS: dict[UnitSystem, str] = {"metric": "km", "imperial": "mi"}


@cache
def _registry() -> pint.UnitRegistry[float]:
    import pint  # slow to import: most commands never format a distance

    return pint.UnitRegistry()


@cache
def _miles_per_km() -> float:
    ureg = _registry()
    return float((1 * ureg.kilometer).to(ureg.mile).magnitude)


def unit_label(system: UnitSystem) -> str:
    """The short distance unit: "km" or "mi"."""
    return _LABELS[system]


def distance_value(km: float, system: UnitSystem) -> float:
    """``km`` in the system's distance unit (kilometres or miles), unrounded."""
    if system == "metric":
        return km
    return km * _miles_per_km()


def distance(km: float, system: UnitSystem, *, decimals: int = 1) -> str:
    """ "74.2 km" / "46.1 mi"."""
    return f"{distance_value(km, system):.{decimals}f} {unit_label(system)}"


def pace_seconds(seconds_per_km: float, system: UnitSystem) -> float:
    """Seconds per km, or per mile."""
    if system == "metric":
        return seconds_per_km
    return seconds_per_km / _miles_per_km()


def pace(seconds_per_km: float, system: UnitSystem) -> str:
    """ "5:00 /km" / "8:03 /mi"."""
    total = round(pace_seconds(seconds_per_km, system))
    minutes, seconds = divmod(total, 60)
    return f"{minutes}:{seconds:02d} /{unit_label(system)}"


def speed(km_per_hour: float, system: UnitSystem, *, decimals: int = 1) -> str:
    """ "12.0 km/h" / "7.5 mph"."""
    if system == "metric":
        return f"{km_per_hour:.{decimals}f} km/h"
    return f"{km_per_hour * _miles_per_km():.{decimals}f} mph"


def distance_unit(system: UnitSystem) -> str:
    """The label alone ("km" / "mi"), for table headers and the page's number formatting."""
    return unit_label(system)
