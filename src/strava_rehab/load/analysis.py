"""The two entry points: the full analysis of an athlete's runs, and one run's findings.

Findings are a pure function of the runs passed in (no clock, no I/O), so editing or deleting a
run is handled by recomputing with the new list: the caller stores findings per activity and
replaces them. A run's findings depend only on runs up to it within the windows (30 days for the
session spike, 14 days for weekly progression), so after a sync the caller recomputes the new
runs, and after an edit or delete the runs of the following 30 days.

``analyze`` makes one chronological pass with a sliding-window maximum; ``findings_for_run`` scans
only the windows. Both build each finding with the same functions from the same sums, so they
agree exactly (a property test checks it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from strava_rehab.load.daily import DailyKm
from strava_rehab.load.metrics import load_metrics, metric_notes
from strava_rehab.load.model import Finding, LoadReport, LoadThresholds, RunSession
from strava_rehab.load.progression import weekly_finding
from strava_rehab.load.sessions import ReadRun, find_run, read_runs
from strava_rehab.load.spike import LongestRecentRun, longest_before, session_finding
from strava_rehab.load.suspect_gps import suspect_gps_finding

DEFAULT_THRESHOLDS = LoadThresholds()
# The days before a run that weekly progression reads: this week's six plus the week before.
_WEEKLY_LOOKBACK_DAYS = 13


def _findings_of(
    read: ReadRun,
    reference: ReadRun | None,
    daily: DailyKm,
    same_day_km_before: float,
    earlier_run_today: bool,
    thresholds: LoadThresholds,
) -> list[Finding]:
    """All findings of one run, given what came before it. Shared by both entry points.

    ``daily`` must hold every trusted run of the 13 days before this run's date; runs on the
    date itself are passed as ``same_day_km_before`` so that later runs never count.
    """
    if not read.trusted:
        return [suspect_gps_finding(read.run, thresholds)]
    found: list[Finding] = []
    session = session_finding(read, reference, thresholds)
    if session is not None:
        found.append(session)
    week_before_today, previous_week = daily.weeks_before(read.day)
    week_before_run = week_before_today + same_day_km_before
    weekly = weekly_finding(
        read.run,
        week_before_today + (same_day_km_before + read.km),
        week_before_run,
        previous_week,
        earlier_run_today,
        thresholds,
    )
    if weekly is not None:
        found.append(weekly)
    return found


def analyze(
    runs: Sequence[RunSession], as_of: date, thresholds: LoadThresholds = DEFAULT_THRESHOLDS
) -> LoadReport:
    """Findings for every run passed in, plus the load figures as of ``as_of`` (a local date)."""
    read = read_runs(runs, thresholds)
    daily = DailyKm(read)
    longest = LongestRecentRun(thresholds)
    findings: list[Finding] = []
    current_day = 0
    same_day_km = 0.0
    earlier_run_today = False
    for run in read:
        if run.day != current_day:
            current_day, same_day_km, earlier_run_today = run.day, 0.0, False
        reference = longest.reference_for(run)
        findings += _findings_of(run, reference, daily, same_day_km, earlier_run_today, thresholds)
        longest.add(run)
        if run.trusted:
            same_day_km += run.km
            earlier_run_today = True

    metrics = load_metrics(read, daily, as_of, thresholds)
    return LoadReport(
        as_of=as_of,
        findings=findings,
        metrics=metrics,
        recent_days=daily.day_loads(as_of - timedelta(days=13), as_of),
        notes=metric_notes(metrics, thresholds),
    )


def findings_for_run(
    runs: Sequence[RunSession],
    activity_id: int,
    thresholds: LoadThresholds = DEFAULT_THRESHOLDS,
) -> list[Finding]:
    """The findings of one run, from the runs of its windows; extra runs outside them are ignored.

    Pass at least the runs dated from ``max(spike_window_days, 13)`` days (30 by default) before
    the run's local date up to that date; passing the whole history gives the same answer.
    """
    target = find_run(runs, activity_id)
    first = target.local_date - timedelta(
        days=max(thresholds.spike_window_days, _WEEKLY_LOOKBACK_DAYS)
    )
    read = read_runs(runs, thresholds, first, target.local_date)
    position = next(i for i, r in enumerate(read) if r.run.activity_id == activity_id)
    this, earlier = read[position], read[:position]
    earlier_today = [r for r in earlier if r.day == this.day and r.trusted]
    same_day_km = 0.0
    for run in earlier_today:
        same_day_km += run.km
    return _findings_of(
        this,
        longest_before(earlier, this, thresholds),
        DailyKm([r for r in earlier if r.day < this.day]),
        same_day_km,
        bool(earlier_today),
        thresholds,
    )
