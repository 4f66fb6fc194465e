"""The incremental path: one run's findings from the runs of its windows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from strava_rehab.load import LoadInputError, RunSession, analyze, findings_for_run

RunFactory = Callable[..., RunSession]


def test_a_new_run_gets_the_same_findings_as_in_the_full_analysis(make_run: RunFactory) -> None:
    history = [make_run(day + 1, day, 6.0) for day in range(0, 60, 2)]
    new_run = make_run(500, 61, 11.0)
    full = analyze([*history, new_run], new_run.local_date)
    expected = [f for f in full.findings if f.activity_id == 500]
    window = [r for r in history if (new_run.local_date - r.local_date).days <= 30]

    found = findings_for_run([*window, new_run], 500)

    assert found == expected
    assert [f.kind for f in found] == ["session_spike"]


def test_runs_later_than_the_run_do_not_change_its_findings(make_run: RunFactory) -> None:
    runs = [make_run(1, 0, 10.0), make_run(2, 3, 14.0, hour=6)]
    before = findings_for_run(runs, 2)

    later = [*runs, make_run(3, 3, 30.0, hour=20), make_run(4, 4, 30.0)]

    assert findings_for_run(later, 2) == before
    assert before != []


def test_an_unknown_activity_is_refused_with_the_id(make_run: RunFactory) -> None:
    with pytest.raises(LoadInputError, match="activity 42 is not among the 1 runs"):
        findings_for_run([make_run(1, 0, 5.0)], 42)


def test_duplicates_are_refused_on_the_incremental_path_too(make_run: RunFactory) -> None:
    runs = [make_run(1, 0, 5.0), make_run(1, 1, 5.0)]

    with pytest.raises(ValueError, match="appears more than once"):
        findings_for_run(runs, 1)


def test_an_empty_history_gives_an_empty_report(day0: date) -> None:
    report = analyze([], day0)

    assert report.findings == []
    assert report.metrics.history_days == 0
    assert len(report.recent_days) == 14
