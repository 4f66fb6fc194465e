"""Distances in the runner's units, through Pint rather than scattered ``f"{x:.1f} km"``.

The analysis stays in metres and kilometres; only the text changes. Pint is imported on first
use, and only to convert (its registry takes over half a second to build): metric text, the
default, never pays for it.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pint import UnitRegistry

UnitSystem = Literal["metric", "imperial"]
UNIT_SYSTEMS: tuple[UnitSystem, ...] = ("metric", "imperial")
# Strava's athlete.measurement_preference -> our unit system.
FROM_STRAVA: dict[str, UnitSystem] = {"meters": "metric", "feet": "imperial"}
_UNIT = {"metric": "kilometre", "imperial": "mile"}
# Pint's own short symbols (f"{unit:~P}"), written out so that a label costs no registry.
SYMBOL = {"metric": "km", "imperial": "mi"}


@cache
def _registry() -> UnitRegistry[float]:
    from pint import UnitRegistry

    return UnitRegistry()


def distance_value(km: float, system: UnitSystem) -> float:
    """``km`` in the system's unit of distance (kilometres or miles)."""
    if system == "metric":
        return km  # no round trip through floating-point conversion: 12.3 stays 12.3
    registry = _registry()
    return float(registry.Quantity(km, "kilometre").to(_UNIT[system]).magnitude)


def distance_unit(system: UnitSystem) -> str:
    """The unit's short symbol: "km" or "mi"."""
    return SYMBOL[system]


def distance(km: float, system: UnitSystem = "metric", *, decimals: int = 1) -> str:
    """ "12.3 km" or "7.6 mi"."""
    return f"{distance_value(km, system):.{decimals}f} {distance_unit(system)}"
