"""The product as real processes: `strava-rehab worker` / `serve` subprocesses, on a clock of
their own when a test has moved time on, and a notification sink that can hold a message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
from tests.integration.conftest import CLIENT_ID, CLIENT_SECRET

from strava_rehab.sandbox import Sandbox

# `strava-rehab ARGS` with the wall clock moved on by OFFSET seconds (time-machine, ticking), so
# a process started after a test moved the sandbox's clock sees the same time as the sandbox.
CLOCKED = """\
import sys
from datetime import UTC, datetime, timedelta

import time_machine

from strava_rehab.cli import main

offset = timedelta(seconds=float(sys.argv[1]))
with time_machine.travel(datetime.now(UTC) + offset, tick=True):
    main(sys.argv[2:])
"""


def product_env(
    data_dir: Path, sandbox: Sandbox, notify_urls: list[str] | None = None, /, **extra: str
) -> dict[str, str]:
    env = {
        **os.environ,
        "STRAVA_REHAB_DATA_DIR": str(data_dir),
        "STRAVA_REHAB_STRAVA_URL": sandbox.url,
        "STRAVA_CLIENT_ID": str(CLIENT_ID),
        "STRAVA_CLIENT_SECRET": CLIENT_SECRET,
        "STRAVA_REHAB_RATE_LIMIT_MAX_WAIT_S": "0",
        **extra,
    }
    if notify_urls is not None:
        env["STRAVA_REHAB_NOTIFY__URLS"] = json.dumps(notify_urls)
    return env


def command(*args: str, offset_s: float = 0.0) -> list[str]:
    """The command line for ``strava-rehab ARGS``; on a clock moved on by ``offset_s``."""
    if offset_s:
        return [sys.executable, "-c", CLOCKED, str(offset_s), *args]
    return [sys.executable, "-m", "strava_rehab", *args]


def run(
    env: dict[str, str], *args: str, offset_s: float = 0.0, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args, offset_s=offset_s),
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start(env: dict[str, str], *args: str, offset_s: float = 0.0) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command(*args, offset_s=offset_s),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def healthz(url: str) -> dict[str, Any] | None:
    try:
        response = requests.get(url + "/healthz", timeout=2)
    except requests.RequestException:
        return None
    body: dict[str, Any] = response.json()
    return body


class HoldingSink:
    """An apprise ``json://`` endpoint, like a phone; with ``hold_first``, it reads the first
    notification and then keeps the sender waiting (no answer) until ``release()``."""

    def __init__(self, *, hold_first: bool = False) -> None:
        self.received: list[dict[str, Any]] = []
        self.holding = threading.Event()
        self._release = threading.Event()
        self._hold_first = hold_first
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                message = json.loads(self.rfile.read(length) or b"{}")
                with sink._lock:
                    sink.received.append(message)
                    hold = sink._hold_first and not sink.holding.is_set()
                    if hold:
                        sink.holding.set()
                if hold:
                    sink._release.wait(60)
                try:
                    self.send_response(200)
                    self.end_headers()
                except OSError:  # the sender was killed while we held it
                    pass

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def apprise_url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/notify"

    def titles(self) -> list[str]:
        with self._lock:
            return [str(m.get("title")) for m in self.received]

    def release(self) -> None:
        self._release.set()

    def close(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()


class Lines:
    """Collects a running process's stderr line by line (a pipe must be drained as it fills)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        self.lines: list[str] = []
        self._stream = proc.stderr
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        for line in self._stream:
            self.lines.append(line.rstrip("\n"))

    def has(self, text: str) -> bool:
        return any(text in line for line in list(self.lines))

    def text(self) -> str:
        return "\n".join(self.lines)


def stop(proc: subprocess.Popen[str]) -> int:
    """SIGTERM, then wait for a graceful exit; returns the exit code."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(60)
    finally:
        proc.kill()


# uvicorn (>= 0.29) finishes its graceful shutdown on SIGTERM, then re-raises the signal, so a
# cleanly stopped `serve` ends "killed by SIGTERM"; systemd counts that as a clean stop too.
SERVE_STOPPED = (0, -signal.SIGTERM)
