"""How the analysis reads a run: its place in time, its distance, and whether it can be trusted.

Decisions (each is tested in tests/load/):

- **Order.** Runs are ordered by local date, then start time, then activity id, so the input order
  never matters and two runs on the same day have a defined "earlier" and "later". A naive
  ``start_utc`` (as some databases return) is read as UTC.
- **Duplicates.** Two runs with one ``activity_id`` are an error: the caller stores findings per
  activity, and a duplicate means its query joined something twice.
- **Suspect GPS.** A run with a distance but no moving time, or an average moving speed above
  ``max_plausible_speed_mps``, is a data glitch, not training. It gets an informational finding,
  is never a spike, is never a reference for later runs, and is **left out of the daily series**
  (and so of weekly totals, ACWR, monotony and strain): a glitch that turned 10 km into 80 km
  would otherwise distort every figure for four weeks. Fixing the activity on Strava and
  re-analysing brings it back in.
- **Short runs** (under ``min_run_km``) count in the daily series but are never a spike and never
  the reference a later run is compared with: a 400 m jog to the shop would otherwise make every
  normal run look like a huge jump.
- **Treadmill and manual runs** count like any other run; the explanation says which they were.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import NamedTuple

from strava_rehab.load.model import LoadThresholds, RunSession


class LoadInputError(ValueError):
    """The runs handed to the analysis are inconsistent; the message says which and why."""


RunKey = tuple[date, datetime, int]


class ReadRun(NamedTuple):
    """A run with what every rule asks of it worked out once.

    The full pass consults each run many times; recomputing these dominated its cost.
    """

    run: RunSession
    day: int  # the local date as an ordinal, so window arithmetic is integer arithmetic
    km: float
    trusted: bool  # not a suspect GPS recording
    reference_ok: bool  # may be the "longest recent run" a later run is compared with


def run_key(run: RunSession) -> RunKey:
    """Chronological sort key: local date first, because that is the day the runner lived."""
    start = run.start_utc
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    return (run.local_date, start, run.activity_id)


def is_suspect_gps(run: RunSession, thresholds: LoadThresholds) -> bool:
    """True when the recorded distance cannot have been run in the recorded moving time."""
    if run.distance_m <= 0:
        return False
    if run.moving_time_s == 0:
        return True
    return run.distance_m / run.moving_time_s > thresholds.max_plausible_speed_mps


def read_runs(
    runs: Iterable[RunSession],
    thresholds: LoadThresholds,
    first: date | None = None,
    last: date | None = None,
) -> list[ReadRun]:
    """The runs dated ``first..last`` (inclusive; open ends when None), read and in order.

    Duplicate activity ids are refused across all the runs given, not only those in the range.
    """
    seen: set[int] = set()
    chosen: list[RunSession] = []
    for run in runs:
        if run.activity_id in seen:
            raise LoadInputError(
                f"activity {run.activity_id} appears more than once in the runs to analyse; "
                "pass each activity once (check the query that loaded them)"
            )
        seen.add(run.activity_id)
        if (first is None or run.local_date >= first) and (last is None or run.local_date <= last):
            chosen.append(run)
    chosen.sort(key=run_key)
    shortest = thresholds.min_run_km
    read = []
    for run in chosen:
        run_km = run.distance_m / 1000.0
        trusted = not is_suspect_gps(run, thresholds)
        # A 0 km reference would make every later ratio infinite, even with ``min_run_km = 0``.
        reference_ok = trusted and run_km >= shortest and run_km > 0
        # Positional: this loop runs once per run of a possibly ten-year history.
        read.append(ReadRun(run, run.local_date.toordinal(), run_km, trusted, reference_ok))
    return read


def find_run(runs: Sequence[RunSession], activity_id: int) -> RunSession:
    for run in runs:
        if run.activity_id == activity_id:
            return run
    raise LoadInputError(
        f"activity {activity_id} is not among the {len(runs)} runs passed in; "
        "include the run itself along with the runs of the windows before it"
    )
