"""The one-shot loopback server that receives Strava's OAuth redirect on the runner's machine."""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

from strava_rehab.listen import check_free

CALLBACK_PATH = "/strava-rehab/callback"


@dataclass(frozen=True)
class Redirect:
    code: str | None
    scope: str
    state: str | None
    error: str | None


class LoopbackReceiver:
    """Serves on 127.0.0.1 until one redirect arrives (Strava white-lists localhost callbacks)."""

    def __init__(self, port: int = 0) -> None:
        self._result: Redirect | None = None
        self._done = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parsed = urlparse(self.path)
                if parsed.path != CALLBACK_PATH:
                    self.send_error(404)
                    return
                query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                receiver._result = Redirect(
                    code=query.get("code"),
                    scope=query.get("scope", ""),
                    state=query.get("state"),
                    error=query.get("error"),
                )
                ok = receiver._result.error is None and receiver._result.code is not None
                message = (
                    "Connected. You can close this tab and go back to the terminal."
                    if ok
                    else f"Strava did not authorize: {html.escape(query.get('error', 'no code'))}"
                )
                body = f"<!doctype html><title>strava-rehab</title><p>{message}</p>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                receiver._done.set()

            def log_message(self, format: str, *args: object) -> None:
                return  # the query string carries the code: keep it out of the terminal

        check_free("127.0.0.1", port)  # a clear error for a busy or out-of-range port
        self._server = HTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{CALLBACK_PATH}"

    def __enter__(self) -> LoopbackReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait(self, timeout_s: float) -> Redirect | None:
        self._done.wait(timeout_s)
        return self._result
