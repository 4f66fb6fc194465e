"""Training-load analysis: evidence-based mileage-spike detection over an athlete's runs.

Pure functions over ``RunSession`` values (no I/O, no clock). The primary alert is the
single-session spike (Frandsen 2025); weekly progression is a notice; ACWR, monotony and strain
are context. See each module's docstring for the decisions where the science leaves a choice.
"""

from typing import TYPE_CHECKING

from strava_rehab.lazy import lazy_exports

if TYPE_CHECKING:
    from strava_rehab.load.analysis import DEFAULT_THRESHOLDS, analyze, findings_for_run
    from strava_rehab.load.daily import daily_distance_km
    from strava_rehab.load.model import (
        DayLoad,
        Finding,
        LoadMetrics,
        LoadReport,
        LoadThresholds,
        RunSession,
    )
    from strava_rehab.load.sessions import LoadInputError
else:  # imported on first use: see ``strava_rehab.lazy``
    __getattr__ = lazy_exports(
        __name__,
        {
            "analysis": ("DEFAULT_THRESHOLDS", "analyze", "findings_for_run"),
            "daily": ("daily_distance_km",),
            "model": (
                "DayLoad",
                "Finding",
                "LoadMetrics",
                "LoadReport",
                "LoadThresholds",
                "RunSession",
            ),
            "sessions": ("LoadInputError",),
        },
    )

__all__ = [
    "DEFAULT_THRESHOLDS",
    "DayLoad",
    "Finding",
    "LoadInputError",
    "LoadMetrics",
    "LoadReport",
    "LoadThresholds",
    "RunSession",
    "analyze",
    "daily_distance_km",
    "findings_for_run",
]
