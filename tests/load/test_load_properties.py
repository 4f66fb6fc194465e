"""Properties that must hold for any log: scale invariance, rest days, order, incremental path."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strava_rehab.load import (
    Finding,
    LoadReport,
    LoadThresholds,
    RunSession,
    analyze,
    findings_for_run,
)

START = date(2023, 1, 2)
# Enough examples to hit double days, glitches and band edges, and still finish in seconds.
EXAMPLES = settings(max_examples=80, deadline=None)

# (day offset, whole km, start slot within the day, kind): integer-ish distances, so no band edge
# is decided by float noise; kind 0-5 is an ordinary run, 6 a treadmill run, 7 a GPS glitch.
run_specs = st.lists(
    st.tuples(st.integers(0, 75), st.integers(0, 30), st.integers(0, 3), st.integers(0, 7)),
    min_size=1,
    max_size=30,
)


def build(specs: list[tuple[int, int, int, int]], scale: float = 1.0) -> list[RunSession]:
    runs = []
    for index, (offset, km, slot, kind) in enumerate(specs):
        day = START + timedelta(days=offset)
        pace = 60 if kind == 7 else 300  # seconds per km: 16.7 m/s is a glitch, 3.3 m/s a run
        runs.append(
            RunSession(
                activity_id=index + 1,
                local_date=day,
                start_utc=datetime(
                    day.year, day.month, day.day, 5 + 4 * slot, index % 60, tzinfo=UTC
                ),
                distance_m=km * 1000 * scale,
                moving_time_s=round(km * pace * scale),
                trainer=kind == 6,
            )
        )
    return runs


def last_day(runs: list[RunSession]) -> date:
    return max(r.local_date for r in runs)


def ratio_findings(report: LoadReport) -> list[tuple[int | None, str, str, float | None]]:
    return [
        (f.activity_id, f.kind, f.band, f.ratio)
        for f in report.findings
        if f.kind in ("session_spike", "weekly_progression", "suspect_gps")
    ]


# Only ratios are scale-free: the short-run and return-after-break cut-offs are absolute
# distances by design, so they are set out of the way here.
SCALE_FREE = LoadThresholds(min_run_km=0.0, return_after_break_km=1_000.0)


@EXAMPLES
@given(run_specs, st.floats(min_value=0.1, max_value=10.0))
def test_scaling_every_distance_keeps_every_ratio_and_band(
    specs: list[tuple[int, int, int, int]], k: float
) -> None:
    base = ratio_findings(analyze(build(specs), START, SCALE_FREE))
    scaled = ratio_findings(analyze(build(specs, scale=k), START, SCALE_FREE))

    assert [(a, kind, band) for a, kind, band, _ in scaled] == [
        (a, kind, band) for a, kind, band, _ in base
    ]
    for (*_, ratio), (*_, expected) in zip(scaled, base, strict=True):
        assert ratio == (None if expected is None else pytest.approx(expected, rel=1e-9))


@EXAMPLES
@given(run_specs, st.integers(0, 80), st.integers(0, 3))
def test_a_day_without_running_never_creates_a_session_spike(
    specs: list[tuple[int, int, int, int]], rest_offset: int, slot: int
) -> None:
    """A logged 0 km activity (a rest day) and days added after the last run change no spike."""
    runs = build(specs)
    rest_day = START + timedelta(days=rest_offset)
    rest = RunSession(
        activity_id=10_000,
        local_date=rest_day,
        start_utc=datetime(rest_day.year, rest_day.month, rest_day.day, 5 + 4 * slot, tzinfo=UTC),
        distance_m=0.0,
        moving_time_s=0,
    )

    def spikes(report: LoadReport) -> list[Finding]:
        return [f for f in report.findings if f.kind == "session_spike"]

    before = spikes(analyze(runs, last_day(runs)))
    assert spikes(analyze([*runs, rest], last_day(runs))) == before
    assert spikes(analyze(runs, last_day(runs) + timedelta(days=10))) == before


@EXAMPLES
@given(run_specs, st.randoms(use_true_random=False))
def test_input_order_does_not_change_the_report(
    specs: list[tuple[int, int, int, int]], rng: object
) -> None:
    runs = build(specs)
    shuffled = list(runs)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    as_of = last_day(runs)

    assert analyze(shuffled, as_of) == analyze(runs, as_of)


@EXAMPLES
@given(run_specs)
def test_findings_for_run_agrees_with_analyze(specs: list[tuple[int, int, int, int]]) -> None:
    runs = build(specs)
    report = analyze(runs, last_day(runs))

    for run in runs:
        expected = [f for f in report.findings if f.activity_id == run.activity_id]
        assert findings_for_run(runs, run.activity_id) == expected
        # The caller's incremental query: only the runs of the 30 days up to the run's date.
        window = [
            r for r in runs if run.local_date - timedelta(days=30) <= r.local_date <= run.local_date
        ]
        assert findings_for_run(window, run.activity_id) == expected
