"""The runner's page from the command line: ``plan``, ``export`` and ``disconnect``'s offer."""

from __future__ import annotations

import json
import os
import pty
import select as io_select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.integration.conftest import CLIENT_ID, CLIENT_SECRET, ContextFactory, browser
from tests.integration.runner_support import (
    FAST_WINDOW,
    blocks_in_sandbox,
    database_rows,
    pain_run,
    rows_about,
)

from strava_rehab.cli import main
from strava_rehab.context import AppContext
from strava_rehab.dashboard.export import read_export
from strava_rehab.db import gateway
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import connect as athletes
from strava_rehab.services import jobs, runner_page
from strava_rehab.text.description_block import START


@pytest.fixture
def env(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"),
        "STRAVA_REHAB_STRAVA_URL": sandbox.url,
        "STRAVA_CLIENT_ID": str(CLIENT_ID),
        "STRAVA_CLIENT_SECRET": CLIENT_SECRET,
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture
def ctx(make_ctx: ContextFactory) -> AppContext:
    return make_ctx(detail_window_days=FAST_WINDOW)


@pytest.fixture
def runner(ctx: AppContext, sandbox: Sandbox, env: dict[str, str]) -> int:
    """Maren connected and synced, with two shin-pain runs that carry our block."""
    athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    jobs.run_cycle(ctx)
    pain_run(sandbox, athlete_id)
    jobs.run_cycle(ctx)
    assert len(blocks_in_sandbox(sandbox, athlete_id)) >= 2
    return athlete_id


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


def test_export_writes_a_private_zip_and_never_overwrites_without_force(
    ctx: AppContext, runner: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "my-data.zip"
    code, out, _ = cli(capsys, "export", "--athlete", str(runner), "--out", str(target))
    assert code == 0 and str(target) in out
    assert target.stat().st_mode & 0o777 == 0o600
    exported = read_export(target.read_bytes())
    assert {k: exported[k] for k in database_rows(ctx, runner)} == database_rows(ctx, runner)

    first = target.read_bytes()
    code, out, err = cli(capsys, "export", "--athlete", str(runner), "--out", str(target))
    assert code == 1 and "already exists" in err and "--force" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert target.read_bytes() == first

    target.write_bytes(b"an older file, readable by all")
    target.chmod(0o644)
    code, _, _ = cli(capsys, "export", "--athlete", str(runner), "--out", str(target), "--force")
    assert code == 0 and target.read_bytes() == first  # same data, same bytes
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".strava-rehab")] == []

    missing = tmp_path / "no-such-folder" / "x.zip"
    code, _, err = cli(capsys, "export", "--athlete", str(runner), "--out", str(missing))
    assert code == 1 and "does not exist" in err and "Traceback" not in err
    code, _, err = cli(capsys, "export", "--athlete", "424242", "--out", str(tmp_path / "y"))
    assert code == 1 and "not connected" in err


def test_plan_is_the_pages_plan_with_phase_exercises_and_doses(
    ctx: AppContext, runner: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "plan", "--json")
    assert code == 0
    shown = json.loads(out)
    page = runner_page.dashboard(ctx, runner)
    assert shown["plans"] == [p.model_dump(mode="json") for p in page.plans]
    shin = next(p for p in shown["plans"] if p["protocol_id"] == "shin_splints")
    assert shin["phase"] == 1 and shin["exercises"]
    # The doses are the ones the run's suggestion prescribed.
    latest = max(
        (s for s in gateway.suggestions_of(ctx.db, [runner]) if s.protocol_id == "shin_splints"),
        key=lambda s: s.local_date,
    )
    prescribed = {e["name"]: e["dose"] for e in latest.decision["exercises"]}
    assert {e["name"]: e["dose"] for e in shin["exercises"]} == prescribed

    code, out, _ = cli(capsys, "plan")
    assert code == 0 and f"{shin['protocol_name']}: phase 1 of {shin['phase_count']}" in out
    for name, dose in prescribed.items():
        assert f"{name} (" in out and dose in out
    assert "What moves you on" in out and shown["disclaimer"] in out


def test_disconnect_keep_blocks_says_which_runs_keep_our_text(
    ctx: AppContext, runner: int, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    blocks = blocks_in_sandbox(sandbox, runner)
    code, out, _ = cli(capsys, "disconnect", "--dry-run", "--keep-blocks")
    assert code == 0 and f"Would keep our text on {len(blocks)} runs" in out
    code, out, _ = cli(capsys, "disconnect", "--yes", "--keep-blocks")
    assert code == 0 and f"Our text stays on {len(blocks)} run(s)" in out
    assert "can no longer change them" in out
    for run_id in blocks:
        assert f"{run_id}: left there, as asked" in out
    assert blocks_in_sandbox(sandbox, runner) == blocks
    assert set(rows_about(ctx, runner).values()) == {0}


def test_disconnect_removes_our_blocks_first_by_default(
    ctx: AppContext, runner: int, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    count = len(blocks_in_sandbox(sandbox, runner))
    code, out, _ = cli(capsys, "disconnect", "--dry-run")
    assert f"Would first remove our text on {count} runs" in out
    code, out, _ = cli(capsys, "disconnect", "--yes")
    assert code == 0 and f"Removed our text from {count} run(s)" in out
    assert "stays" not in out
    assert blocks_in_sandbox(sandbox, runner) == {}
    assert set(rows_about(ctx, runner).values()) == {0}


def _answer_on_a_terminal(args: list[str], env: dict[str, str], answers: list[str]) -> str:
    """Run the CLI with a pseudo-terminal as stdin/stdout; answer each prompt as it appears."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "strava_rehab", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, **env, "TERM": "dumb", "COLUMNS": "200"},
        close_fds=True,
    )
    os.close(slave)
    seen = b""
    pending = list(answers)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = io_select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if pending and seen.rstrip().endswith((b"]:", b"):")):
                os.write(master, pending.pop(0).encode() + b"\n")
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(master)
    assert proc.returncode == 0, seen.decode(errors="replace")
    return seen.decode(errors="replace")


def test_disconnect_on_a_terminal_offers_to_remove_our_blocks_first(
    ctx: AppContext, runner: int, sandbox: Sandbox, env: dict[str, str]
) -> None:
    blocks = blocks_in_sandbox(sandbox, runner)
    shown = _answer_on_a_terminal(["disconnect"], env, ["n", "y"])
    assert f"Remove our text from {len(blocks)} run descriptions on Strava first?" in shown
    assert f"Then our text stays in {len(blocks)} run description(s) on Strava" in shown
    assert "Disconnected athlete" in shown
    assert blocks_in_sandbox(sandbox, runner) == blocks
    assert all(START in d for d in blocks.values())
    assert set(rows_about(ctx, runner).values()) == {0}
