"""Runs that cannot be right: faster than anyone runs, or a distance with no moving time.

Such a run gets one informational finding and nothing else: it is not a spike, not a reference
for later runs, and not part of the daily series (see ``sessions`` for why). The limit
(``max_plausible_speed_mps``, 7 m/s = 25.2 km/h by default) sits above the 10 km world-record
pace, so a real distance run is not caught; a ride or drive saved as a run, or a GPS jump, is.
"""

from __future__ import annotations

from strava_rehab.load import explanations
from strava_rehab.load.evidence import DATA_QUALITY_RULE
from strava_rehab.load.model import Finding, LoadThresholds, RunSession


def suspect_gps_finding(run: RunSession, thresholds: LoadThresholds) -> Finding:
    run_km = run.distance_m / 1000.0
    return Finding(
        activity_id=run.activity_id,
        local_date=run.local_date,
        kind="suspect_gps",
        band="no_moving_time" if run.moving_time_s == 0 else "implausible_speed",
        severity="info",
        value=run_km,
        reference=None,
        ratio=None,
        explanation=explanations.suspect_gps(run, run_km, thresholds),
        source=DATA_QUALITY_RULE,
    )
