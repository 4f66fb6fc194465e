"""Input is checked as it is typed: one line saying what is accepted, exit 1, nothing run."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "strava_rehab", *args],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(("typed", "meant"), [("shni", "'shin'"), ("kne", "'knee'")])
def test_region_typo_gets_did_you_mean(typed: str, meant: str) -> None:
    line = _one_line_error(run("pain", "log", typed, "3"))
    assert f"unknown body region '{typed}'; did you mean {meant}" in line
    assert "no athlete is connected" not in line  # refused before anything else ran


def test_negative_limit_is_refused() -> None:
    line = _one_line_error(run("activities", "--limit", "-1"))
    assert line == "error: --limit -1: give 0 (all) or a positive count"


@pytest.mark.parametrize("command", [("pain", "log", "shin", "3"), ("analyze",)])
def test_future_date_is_refused(command: tuple[str, ...]) -> None:
    future = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    line = _one_line_error(run(*command, "--date", future))
    assert f"--date {future}: is in the future; give today (" in line


def test_today_is_accepted() -> None:
    today = datetime.now(UTC).date().isoformat()
    result = run("pain", "log", "shin", "3", "--date", today)
    # Past the input checks: what stops it now is that nobody is connected.
    assert "no athlete is connected" in result.stderr
