"""Single-session spike: this run against the longest run of the previous 30 days (Frandsen 2025).

``ratio = this run's km / the longest reference run in the window``, where the window is the
``spike_window_days`` local days strictly before the run's date **plus the earlier runs of the same
local date** (by start time). The study compares each session with the longest run "undertaken in
the last 30 days", which for a double day includes the morning run; it also means adding a later
run never changes an earlier run's findings, which keeps the incremental path exact.

Bands (edges exclusive on the low side, tolerant of float noise): ratio <= 1.10 none;
1.10-1.30 small (notice); 1.30-2.00 moderate (warning); > 2.00 large (warning). The bands are not
a dose-response: the moderate band's hazard ratio is lower than the small band's, and the texts
say so.

A run with no reference run in the window (first weeks of history, or after a break such as six
weeks off) has no ratio: it is a ``return_after_break`` warning when longer than
``return_after_break_km`` and nothing otherwise. Short runs and suspect-GPS runs are never spikes
and never references (see ``sessions``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from strava_rehab.load import explanations
from strava_rehab.load.evidence import (
    EDGE_TOLERANCE,
    FRANDSEN_2025,
    LARGE,
    MODERATE,
    RETURN_RULE,
    SMALL,
    SpikeBand,
    uses_study_spike_bands,
)
from strava_rehab.load.model import Finding, LoadThresholds
from strava_rehab.load.sessions import ReadRun


def spike_band(ratio: float, thresholds: LoadThresholds) -> SpikeBand | None:
    if ratio > thresholds.spike_large + EDGE_TOLERANCE:
        return LARGE
    if ratio > thresholds.spike_moderate + EDGE_TOLERANCE:
        return MODERATE
    if ratio > thresholds.spike_small + EDGE_TOLERANCE:
        return SMALL
    return None


class LongestRecentRun:
    """The longest reference run in the sliding spike window, in amortised O(1) per run.

    A monotonic deque: distances decrease from front to back, so the front is the window's
    longest run. Among equally long runs the most recent one is kept, which is the same choice
    ``longest_before`` makes, so both paths name the same reference run.
    """

    def __init__(self, thresholds: LoadThresholds) -> None:
        self._window_days = thresholds.spike_window_days
        self._runs: deque[ReadRun] = deque()

    def reference_for(self, run: ReadRun) -> ReadRun | None:
        """Call with runs in chronological order; ``add`` each one afterwards."""
        oldest = run.day - self._window_days
        while self._runs and self._runs[0].day < oldest:
            self._runs.popleft()
        return self._runs[0] if self._runs else None

    def add(self, run: ReadRun) -> None:
        if not run.reference_ok:
            return
        while self._runs and self._runs[-1].km <= run.km:
            self._runs.pop()
        self._runs.append(run)


def longest_before(
    earlier: Sequence[ReadRun], run: ReadRun, thresholds: LoadThresholds
) -> ReadRun | None:
    """The reference for ``run`` by a direct scan of the runs before it, in chronological order."""
    oldest = run.day - thresholds.spike_window_days
    best: ReadRun | None = None
    for candidate in earlier:
        if candidate.day < oldest or not candidate.reference_ok:
            continue
        if best is None or candidate.km >= best.km:
            best = candidate
    return best


def session_finding(
    read: ReadRun, reference: ReadRun | None, thresholds: LoadThresholds
) -> Finding | None:
    """The spike or return-after-break finding of a trusted (not suspect) run, if any."""
    run, run_km = read.run, read.km
    if run_km < thresholds.min_run_km:
        return None
    if reference is None:
        if run_km <= thresholds.return_after_break_km:
            return None
        return Finding(
            activity_id=run.activity_id,
            local_date=run.local_date,
            kind="return_after_break",
            band="long_return",
            severity="warning",
            value=run_km,
            reference=None,
            ratio=None,
            explanation=explanations.return_after_break(run, run_km, thresholds),
            source=RETURN_RULE,
        )
    ratio = run_km / reference.km
    band = spike_band(ratio, thresholds)
    if band is None:
        return None
    study_bands = uses_study_spike_bands(thresholds)
    return Finding(
        activity_id=run.activity_id,
        local_date=run.local_date,
        kind="session_spike",
        band=band.name,
        severity=band.severity,
        value=run_km,
        reference=reference.km,
        ratio=ratio,
        hazard_ratio=band.hazard_ratio if study_bands else None,
        explanation=explanations.spike(
            run, run_km, reference.run, reference.km, ratio, band, thresholds, study_bands
        ),
        source=FRANDSEN_2025,
    )
