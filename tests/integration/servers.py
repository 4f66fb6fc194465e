"""Real servers for end-to-end tests: the web app under uvicorn, and a notification sink."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests
import uvicorn

from strava_rehab.context import AppContext
from strava_rehab.web import create_app
from strava_rehab.worker import Worker


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def web_server(ctx: AppContext, port: int, worker: Worker | None = None) -> Iterator[str]:
    config = uvicorn.Config(
        create_app(ctx, worker), host="127.0.0.1", port=port, log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=1).status_code in (200, 503):
                break
        except requests.RequestException:
            time.sleep(0.05)
    else:
        raise RuntimeError("the web server did not start within 10 s")
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(15)


class NotificationSink:
    """Receives apprise ``json://`` notifications, like a phone would."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                sink.received.append(json.loads(self.rfile.read(length) or b"{}"))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def apprise_url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/notify"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
