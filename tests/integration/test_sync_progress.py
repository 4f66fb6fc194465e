"""A long sync says how far it has got: one line per step where there is no terminal."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from tests.integration.conftest import CLIENT_ID, CLIENT_SECRET

from strava_rehab.cli import main
from strava_rehab.cli.progress import LineProgress
from strava_rehab.context import AppContext
from strava_rehab.sandbox import Sandbox
from strava_rehab.services.sync import sync_athlete

PAGE = re.compile(r"^sync athlete (\d+): page (\d+) listed \((\d+) activities so far\)$")
DETAIL = re.compile(r"^sync athlete (\d+): detail (\d+) of (\d+) read$")


def _check(lines: list[str], athlete_id: int, listed: int, details: int) -> None:
    pages = [PAGE.match(line) for line in lines if "page" in line]
    reads = [DETAIL.match(line) for line in lines if "detail" in line]
    assert pages and all(pages), lines
    assert [int(m.group(2)) for m in pages if m] == list(range(1, len(pages) + 1))
    assert {int(m.group(1)) for m in pages + reads if m} == {athlete_id}
    last = pages[-1]
    assert last is not None and int(last.group(3)) == listed  # counts, not just "working..."
    assert [(int(m.group(2)), int(m.group(3))) for m in reads if m] == [
        (n, details) for n in range(1, details + 1)
    ]
    assert len(lines) == len(pages) + len(reads)  # one line per step, nothing else


def test_progress_callback_lines(ctx: AppContext, connected: int) -> None:
    stream = io.StringIO()
    report = sync_athlete(ctx, connected, on_progress=LineProgress(stream))
    assert report.complete and report.details
    lines = stream.getvalue().splitlines()
    listed = len(report.created) + len(report.updated)
    _check(lines, connected, listed, len(report.details) + len(report.deleted))


def test_sync_command_prints_step_lines_off_a_terminal(
    ctx: AppContext,
    connected: int,
    sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in {
        "STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"),
        "STRAVA_REHAB_STRAVA_URL": sandbox.url,
        "STRAVA_CLIENT_ID": str(CLIENT_ID),
        "STRAVA_CLIENT_SECRET": CLIENT_SECRET,
    }.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SystemExit) as exit_:
        main(["sync", "--json"])
    out, err = capsys.readouterr()
    assert exit_.value.code in (0, None), err
    assert out.lstrip().startswith("[")  # stdout stays JSON; progress goes to stderr
    step_lines = [line for line in err.splitlines() if line.startswith("sync athlete")]
    assert any(PAGE.match(line) for line in step_lines), err
    assert any(DETAIL.match(line) for line in step_lines), err

    with pytest.raises(SystemExit):
        main(["-q", "sync"])
    _, err = capsys.readouterr()
    assert "sync athlete" not in err  # --quiet: no progress
