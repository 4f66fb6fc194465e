"""The HTTP plumbing: a threaded stdlib server that turns sockets into Request/Response values."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .faults import strava_fault
from .messages import Drop, Request, Response

LOG = logging.getLogger("strava_rehab.sandbox")
Dispatch = Callable[[Request], Response | Drop]


def parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """JSON or form-encoded body → dict; anything else raises ValueError."""
    if not raw.strip():
        return {}
    text = raw.decode("utf-8")
    if "json" in content_type or (not content_type and text.lstrip().startswith("{")):
        parsed = json.loads(text)
        if not isinstance(parsed, dict):
            raise ValueError("the JSON body must be an object")
        return parsed
    return dict(parse_qsl(text, keep_blank_values=True))


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], dispatch: Dispatch) -> None:
        self.dispatch = dispatch
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, SandboxRequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Cut keep-alive connections too, so a stopped sandbox really stops answering."""
        with self._open_lock:
            connections = list(self._open)
            self._open.clear()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-request are normal here (timeouts, dropped-connection tests).
        LOG.debug("connection from %s ended abruptly", client_address, exc_info=True)


class SandboxRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like Strava; every answer sets Content-Length
    server_version = "StravaSandbox/1.0"
    # Headers and body go out as separate writes; without this, Nagle + delayed ACK add
    # ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True
    server: SandboxHTTPServer

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        # The stdlib access log goes to stderr; we log one structured line per request instead.
        return

    def _handle(self) -> None:
        started = time.perf_counter()
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        outcome: Response | Drop
        try:
            body = parse_body(raw, self.headers.get("Content-Type") or "")
        except (ValueError, UnicodeDecodeError):
            outcome = Response(400, strava_fault("Bad Request", "Request", "body", "invalid"))
        else:
            headers = {name.lower(): value for name, value in self.headers.items()}
            request = Request(self.command, parts.path, query, body, headers)
            try:
                outcome = self.server.dispatch(request)
            except Exception as error:
                LOG.exception("sandbox failed on %s %s", self.command, parts.path)
                outcome = Response(500, {"message": f"sandbox error: {error}", "errors": []})
        # Only parameter names reach the log: codes, tokens and secrets stay out of it.
        shown = parts.path + ("?" + ",".join(sorted(query)) if query else "")
        elapsed_ms = (time.perf_counter() - started) * 1000
        if isinstance(outcome, Drop):
            LOG.info("%s %s -> connection dropped (%.1f ms)", self.command, shown, elapsed_ms)
            self.close_connection = True
            return
        self._send(outcome)
        LOG.info("%s %s -> %s (%.1f ms)", self.command, shown, outcome.status, elapsed_ms)

    def _send(self, response: Response) -> None:
        payload = b""
        if response.body is not None:
            payload = json.dumps(response.body, ensure_ascii=False).encode("utf-8")
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)
