"""``db downgrade`` shows the revisions and tables it drops, and asks first (or takes --yes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str, data: Path, stdin: str | None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "strava_rehab", *args],
        env={**os.environ, "STRAVA_REHAB_DATA_DIR": str(data)},
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    assert run("db", "upgrade", data=data, stdin=None).returncode == 0
    return data


def revision(data: Path) -> str:
    return run("db", "current", data=data, stdin=None).stdout


def test_no_stdin_refuses_in_one_line_and_changes_nothing(data: Path) -> None:
    before = revision(data)
    result = run("db", "downgrade", "base", data=data, stdin=None)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: db downgrade drops data and there is no terminal to confirm on: "
        "pass --yes to go ahead"
    ]
    assert "0001 (initial schema)" in result.stdout
    assert "Tables dropped with all their data:" in result.stdout
    assert "athletes" in result.stdout and "activities" in result.stdout
    assert revision(data) == before


def test_answering_no_changes_nothing(data: Path) -> None:
    before = revision(data)
    result = run("db", "downgrade", "base", data=data, stdin="n\n")
    assert result.returncode == 1 and "cancelled" in result.stderr
    assert revision(data) == before


@pytest.mark.parametrize(("flag", "stdin"), [("--yes", None), (None, "y\n")])
def test_confirmed_downgrade_runs(data: Path, flag: str | None, stdin: str | None) -> None:
    result = run("db", "downgrade", "base", *([flag] if flag else []), data=data, stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert "athletes" in result.stdout and "database at revision base" in result.stdout
    assert "current: base" in revision(data)
