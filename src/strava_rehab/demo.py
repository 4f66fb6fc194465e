"""``make demo``: the whole loop, offline, on the embedded default and the built-in sandbox.

1. Start the Strava sandbox (a seeded runner with months of history and a recent spike).
2. Connect the runner through the real OAuth flow (browser step simulated, loopback callback).
3. Sync, analyse, and write the suggestions back (``worker --once``).
4. Start ``serve``, subscribe to webhooks, and add a new run with a pain note in the sandbox:
   the sandbox posts the webhook to ``serve``, whose embedded worker writes the suggestion.
5. Show the description the sandbox now holds for that run.

Every step runs the real ``strava-rehab`` commands in their own processes, over real HTTP.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from strava_rehab.sandbox import Sandbox, SandboxConfig
from strava_rehab.text.description_block import START

DEMO_DIR = Path(".demo")
NEW_RUN_NOTE = "Evening loop by the river.\nleft shin sore 4/10 during the last 2k"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _step(number: int, text: str) -> None:
    print(f"\n== {number}. {text}", flush=True)


def _cli(env: dict[str, str], *args: str, check: bool = True) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "strava_rehab", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if check and result.returncode != 0:
        raise SystemExit(
            f"demo failed at: strava-rehab {' '.join(args)}\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def _wait_http(url: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise SystemExit(f"demo failed: {url} did not answer within {timeout_s:.0f} s")


def _connect(env: dict[str, str]) -> str:
    """Run ``connect --no-browser`` and play the browser: open the URL it prints."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "strava_rehab", "connect", "--no-browser", "--timeout", "60"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("http"):
            # The runner clicks "Authorize"; Strava redirects to the loopback callback.
            requests.get(line.strip(), timeout=10, allow_redirects=True)
            break
    out, err = proc.communicate(timeout=60)
    if proc.returncode != 0:
        raise SystemExit(f"demo failed at connect:\n{out}\n{err}")
    return out


def main() -> int:
    started = time.monotonic()
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    DEMO_DIR.mkdir()
    (DEMO_DIR / "strava-rehab.toml").write_text("# demo settings come from the environment\n")
    web_port = _free_port()

    _step(1, "Start the Strava sandbox")
    sandbox = Sandbox(SandboxConfig(port=0))
    sandbox.start()
    athlete_id = sandbox.seed_athlete_id
    print(f"sandbox at {sandbox.url}; seeded runner: athlete {athlete_id}")
    env = {
        **os.environ,
        "STRAVA_REHAB_CONFIG": str(DEMO_DIR / "strava-rehab.toml"),
        "STRAVA_REHAB_DATA_DIR": str(DEMO_DIR.resolve()),
        "STRAVA_REHAB_STRAVA_URL": sandbox.url,
        "STRAVA_CLIENT_ID": "12345",
        "STRAVA_CLIENT_SECRET": "sandbox-secret",
        "STRAVA_REHAB_PUBLIC_URL": f"http://127.0.0.1:{web_port}",
        "STRAVA_REHAB_WORKER__INBOX_INTERVAL_S": "2",
        "STRAVA_REHAB_WORKER__SYNC_CRON": "0 3 * * *",
    }
    serve: subprocess.Popen[str] | None = None
    try:
        _step(2, "Connect the runner through Strava's OAuth flow")
        print(_connect(env).strip())

        _step(3, "Sync, analyse, and write suggestions back (strava-rehab worker --once)")
        print(_cli(env, "worker", "--once").strip())
        analysis = json.loads(_cli(env, "analyze", "--json"))
        m = analysis["metrics"]
        print(
            f"\nLoad: last 7 days {m['last_7d_km']:.1f} km, "
            f"previous 7 {m['previous_7d_km']:.1f} km; "
            f"longest run in 30 days {m['longest_run_30d_km']:.1f} km."
        )
        for f in analysis["findings"][-3:]:
            print(f"  {f['local_date']} {f['kind']} ({f['band']}): {f['explanation'][:110]}...")
        print()
        print(_cli(env, "suggestions").strip())

        _step(4, "Serve webhooks, then add a new run with a pain note in the sandbox")
        serve = subprocess.Popen(
            [sys.executable, "-m", "strava_rehab", "serve", "--port", str(web_port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(DEMO_DIR / "serve.log", "w"),  # noqa: SIM115
            text=True,
        )
        _wait_http(f"http://127.0.0.1:{web_port}/healthz", 30)
        print(_cli(env, "webhook", "subscribe").strip())
        run = sandbox.add_activity(
            athlete_id,
            name="Evening Run",
            sport_type="Run",
            distance=8200.0,
            moving_time=2820,
            elapsed_time=2900,
            description=NEW_RUN_NOTE,
        )
        print(f"new run {run['id']} with description: {NEW_RUN_NOTE!r}")

        _step(5, "The description the sandbox now holds for that run")
        deadline = time.monotonic() + 30
        description = ""
        while time.monotonic() < deadline:
            description = sandbox.activity(int(run["id"])).get("description") or ""
            if START in description:
                break
            time.sleep(0.2)
        print(description)
        if START not in description:
            print("\nthe suggestion did not arrive in time; see .demo/serve.log", file=sys.stderr)
            return 1
        assert description.startswith(NEW_RUN_NOTE), "the runner's own words must come first"
    finally:
        if serve is not None:
            serve.send_signal(signal.SIGTERM)
            try:
                serve.wait(timeout=30)
            except subprocess.TimeoutExpired:
                serve.kill()
        sandbox.stop()
    print(f"\nDemo finished in {time.monotonic() - started:.1f} s. Data in {DEMO_DIR}/.")
    print("See the runner's own page (load chart, pain, plan) on this data: make dashboard")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
