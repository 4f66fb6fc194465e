"""Helpers shared by the sandbox tests: real-HTTP OAuth, paging and a webhook receiver."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from strava_rehab.sandbox import Sandbox, SandboxConfig

# A Friday in late November: the seeded history then spans the October DST change.
FIXED_NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
CLIENT_ID = 12345
CLIENT_SECRET = "sandbox-secret"
FULL_SCOPE = "read,activity:read_all,activity:write"


def fast_config(**overrides: Any) -> SandboxConfig:
    settings: dict[str, Any] = {
        "now": FIXED_NOW,
        "delivery_backoff_s": 0.05,
        "delivery_timeout_s": 1.0,
        "verification_timeout_s": 1.0,
    }
    settings.update(overrides)
    return SandboxConfig(**settings)


def browser_authorize(
    sb: Sandbox, http: requests.Session, scope: str = FULL_SCOPE, state: str = "st-1"
) -> dict[str, str]:
    """Walk /oauth/authorize like a browser; returns the redirect's query parameters."""
    params: dict[str, str | int] = {
        "client_id": CLIENT_ID,
        "redirect_uri": "http://127.0.0.1:9/callback",
        "response_type": "code",
        "approval_prompt": "force",
        "scope": scope,
        "state": state,
    }
    response = http.get(
        f"{sb.url}/oauth/authorize",
        params=params,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    return {key: values[0] for key, values in query.items()}


def exchange_code(sb: Sandbox, http: requests.Session, code: str) -> requests.Response:
    return http.post(
        f"{sb.url}/oauth/token",
        data={
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "code": code,
            "grant_type": "authorization_code",
        },
    )


def login(sb: Sandbox, http: requests.Session, scope: str = FULL_SCOPE) -> str:
    """A fresh access token for the current athlete, obtained through the real OAuth flow."""
    redirect = browser_authorize(sb, http, scope)
    response = exchange_code(sb, http, redirect["code"])
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def list_all(
    sb: Sandbox, http: requests.Session, token: str, **params: str | int
) -> tuple[list[dict[str, Any]], list[int]]:
    """Page until an empty page, as Strava advises; returns items and each page's length."""
    items: list[dict[str, Any]] = []
    sizes: list[int] = []
    page = 1
    while True:
        response = http.get(
            f"{sb.url}/api/v3/athlete/activities",
            params={**params, "page": page},
            headers=bearer(token),
        )
        assert response.status_code == 200, response.text
        batch = response.json()
        if not batch:
            return items, sizes
        items.extend(batch)
        sizes.append(len(batch))
        page += 1


@dataclass
class CallbackReceiver:
    """Plays the product's webhook endpoint: answers the handshake and records event POSTs."""

    url: str = ""
    verify_token: str = "STRAVA"
    challenge_mode: str = "echo"  # "echo" | "wrong" | "status500"
    post_statuses: list[int] = field(default_factory=list)  # consumed per POST; then 200
    post_delay_s: float = 0.0  # a slow endpoint, to exercise the delivery timeout
    events: list[dict[str, Any]] = field(default_factory=list)
    handshakes: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def receiver_handler(receiver: CallbackReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _reply(self, status: int, body: dict[str, Any] | None = None) -> None:
            payload = json.dumps(body or {}).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sandbox gave up waiting (delivery timeout tests)

        def do_GET(self) -> None:
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            with receiver.lock:
                receiver.handshakes.append(query)
            if receiver.challenge_mode == "status500":
                self._reply(500)
            elif receiver.challenge_mode == "wrong":
                self._reply(200, {"hub.challenge": "not-the-challenge"})
            elif query.get("hub.verify_token") != receiver.verify_token:
                self._reply(403)
            else:
                self._reply(200, {"hub.challenge": query.get("hub.challenge", "")})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            event = json.loads(self.rfile.read(length))
            with receiver.lock:
                receiver.events.append(event)
                status = receiver.post_statuses.pop(0) if receiver.post_statuses else 200
            if receiver.post_delay_s:
                time.sleep(receiver.post_delay_s)
            self._reply(status)

    return Handler


def subscribe(
    sb: Sandbox, http: requests.Session, callback_url: str, verify_token: str = "STRAVA"
) -> requests.Response:
    return http.post(
        f"{sb.url}/api/v3/push_subscriptions",
        data={
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "callback_url": callback_url,
            "verify_token": verify_token,
        },
    )
