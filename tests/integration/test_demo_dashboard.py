"""``make dashboard`` (``python -m strava_rehab.demo_dashboard``) serves what ``make demo`` left."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from tests.integration.conftest import browser
from tests.integration.runner_support import FAST_WINDOW, SHIN_NOTE, csrf_of, pain_run, sign_in
from tests.integration.servers import free_port

from strava_rehab.context import open_context
from strava_rehab.sandbox import Sandbox, SandboxConfig
from strava_rehab.services import connect as athletes
from strava_rehab.services import jobs
from strava_rehab.settings import load_settings


def _leave_demo_data(workdir: Path) -> int:
    """What ``make demo`` leaves: .demo/ with the seeded runner synced and a shin-pain run."""
    demo_dir = workdir / ".demo"
    demo_dir.mkdir()
    (demo_dir / "strava-rehab.toml").write_text("# demo settings come from the environment\n")
    with Sandbox(SandboxConfig(port=0)) as sandbox:
        settings = load_settings(
            data_dir=demo_dir.resolve(),
            strava_url=sandbox.url,
            client_id=12345,
            client_secret="sandbox-secret",
            detail_window_days=FAST_WINDOW,
        )
        ctx = open_context(settings, clock=sandbox.now, backoff_s=0.01)
        try:
            athletes.connect_with_loopback(ctx, browser, timeout_s=10)
            jobs.run_cycle(ctx)
            run_id = pain_run(sandbox, sandbox.seed_athlete_id)
            jobs.run_cycle(ctx)
        finally:
            ctx.close()
    return run_id


def _output_of(proc: subprocess.Popen[str]) -> list[str]:
    """The process's output lines as they come (read by a thread: no buffering games)."""
    stream = proc.stdout
    assert stream is not None
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(stream.readline, "")), daemon=True).start()
    return lines


def _wait_for(proc: subprocess.Popen[str], lines: list[str], pattern: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if re.search(pattern, "".join(lines)):
            return "".join(lines)
        time.sleep(0.1)
    raise AssertionError(f"no {pattern!r} in the output:\n{''.join(lines)}")


def test_make_dashboard_serves_the_demo_data_and_signs_in_through_the_sandbox(
    isolated_env: Path,
) -> None:
    run_id = _leave_demo_data(isolated_env)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "strava_rehab.demo_dashboard", "--port", str(port)],
        cwd=isolated_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = _output_of(proc)
        shown = _wait_for(proc, lines, r"Ctrl-C stops")
        url = f"http://127.0.0.1:{port}"
        assert f"{url}/me" in shown and "Sign in with Strava" in shown
        assert requests.get(url + "/me", timeout=10).status_code == 401
        http = sign_in(url)
        page = http.get(url + "/me", timeout=10)
        assert page.status_code == 200 and "Maren Sandvik" in page.text
        assert "Shin programme: phase 1 of 3" in page.text
        assert 'class="spike" data-band="moderate"' in page.text
        # The demo's own run is back on the fresh sandbox: undo from the page reaches it.
        undone = http.post(
            url + f"/me/suggestions/{run_id}/undo", data={"csrf_token": csrf_of(page.text)}
        )
        assert f"Removed our text from run {run_id}" in undone.text
        sandbox_url = re.search(r"Strava sandbox at (\S+);", shown)
        assert sandbox_url is not None
        remote = requests.get(f"{sandbox_url.group(1)}/_sandbox/activities/{run_id}", timeout=5)
        assert remote.json()["description"] == SHIN_NOTE
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert proc.returncode == 0
    time.sleep(0.2)  # the reader thread's last line
    assert "Stopped." in "".join(lines)
