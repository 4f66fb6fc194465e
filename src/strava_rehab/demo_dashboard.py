"""``make dashboard``: the runner's own page on the demo's data, offline.

1. Use what ``make demo`` left in ``.demo/`` (or run the demo first when there is none).
2. Start a fresh Strava sandbox: the same seeded runner, Maren Sandvik, with the same history.
   Runs the demo added (the one with the shin note) are put back into it from the demo's own
   export ("download my data"), so "undo" and "delete my data" on the page meet the same runs
   on "Strava".
3. Start ``strava-rehab serve`` on the demo's database (without the worker: the page shows the
   demo's data as it is) and print the URL and how to sign in.

Stop it with Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading

from strava_rehab import demo
from strava_rehab.context import open_context
from strava_rehab.dashboard.export import read_export
from strava_rehab.sandbox import Sandbox, SandboxConfig
from strava_rehab.services.export import export_zip
from strava_rehab.settings import load_settings

DEMO_DIR = demo.DEMO_DIR
DATABASE = DEMO_DIR / "strava-rehab.db"
DEFAULT_PORT = 8000


def _port(wanted: int) -> int:
    """``wanted`` if it is free, else any free port (the page says which)."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", wanted))
        except OSError:
            s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(sandbox: Sandbox, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "STRAVA_REHAB_CONFIG": str(DEMO_DIR / "strava-rehab.toml"),
        "STRAVA_REHAB_DATA_DIR": str(DEMO_DIR.resolve()),
        "STRAVA_REHAB_STRAVA_URL": sandbox.url,
        "STRAVA_CLIENT_ID": "12345",
        "STRAVA_CLIENT_SECRET": "sandbox-secret",
        "STRAVA_REHAB_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }


def _replay_demo_runs(sandbox: Sandbox, env: dict[str, str]) -> list[int]:
    """Put the runs the demo added back into the fresh sandbox, with the text they had."""
    athlete_id = sandbox.seed_athlete_id
    os.environ.update(env)  # this process reads the demo's settings, as serve will
    ctx = open_context(load_settings())
    try:
        stored = read_export(export_zip(ctx, athlete_id))["activities"]
    finally:
        ctx.close()
    present = {int(a["id"]) for a in sandbox.activities(athlete_id)}
    replayed = []
    for row in sorted(stored, key=lambda r: str(r["start_utc"])):
        if int(row["id"]) in present:
            continue
        added = sandbox.add_activity(
            athlete_id,
            name=row["name"],
            sport_type=row["sport_type"],
            distance=row["distance_m"],
            moving_time=row["moving_time_s"],
            elapsed_time=row["elapsed_time_s"],
            start_date=str(row["start_utc"]).replace("+00:00", "Z"),
            description=row["description"] or "",
        )
        if int(added["id"]) == int(row["id"]):
            replayed.append(int(row["id"]))
        else:  # the sandbox numbered it differently: leave it out rather than mislead
            sandbox.delete_activity(int(added["id"]))
    return replayed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or DEFAULT_PORT))
    args = parser.parse_args(argv)
    if not DATABASE.exists():
        print("No demo data in .demo/ yet: running the demo first (make demo).", flush=True)
        code = demo.main()
        if code:
            return code
    port = _port(args.port)
    sandbox = Sandbox(SandboxConfig(port=0))
    sandbox.start()
    serve: subprocess.Popen[str] | None = None
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        env = _env(sandbox, port)
        _replay_demo_runs(sandbox, env)
        serve = subprocess.Popen(
            [sys.executable, "-m", "strava_rehab", "serve", "--port", str(port), "--no-worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(DEMO_DIR / "dashboard.log", "w"),  # noqa: SIM115
            text=True,
        )
        url = f"http://127.0.0.1:{port}"
        demo._wait_http(url + "/healthz", 30)
        print(
            f"\nThe runner's page for the demo data: {url}/me\n"
            "Sign in: press 'Sign in with Strava'. The built-in sandbox plays Strava and approves "
            "at once as the demo runner, Maren Sandvik; then press 'Open your page'.\n"
            f"Strava sandbox at {sandbox.url}; server log in {DEMO_DIR}/dashboard.log. "
            "Ctrl-C stops.",
            flush=True,
        )
        while not stop.wait(0.5):
            if serve.poll() is not None:
                print(f"serve stopped (exit {serve.returncode}); see {DEMO_DIR}/dashboard.log")
                return 1
    finally:
        if serve is not None and serve.poll() is None:
            serve.send_signal(signal.SIGTERM)
            try:
                serve.wait(timeout=30)
            except subprocess.TimeoutExpired:
                serve.kill()
        sandbox.stop()
    print("Stopped.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
