"""Every response of the web app carries the security headers, from one middleware, so routes
added later get them too; HSTS and the Secure cookie only when public_url is https."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from fastapi.testclient import TestClient
from tests.integration.conftest import ContextFactory
from tests.integration.servers import free_port, web_server

from strava_rehab.sandbox import Sandbox
from strava_rehab.web import create_app

PATH_TOKEN = "path-token-for-header-tests"
VERIFY_TOKEN = "verify-token-for-header-tests"


def assert_secured(response: Any, strava_url: str) -> None:
    headers = response.headers
    where = f"{response.request.method} {response.request.url} -> {response.status_code}"
    csp = headers.get("Content-Security-Policy", "")
    for directive in (
        "default-src 'none'",
        "style-src 'self' 'unsafe-inline'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        f"form-action 'self' {strava_url}",
    ):
        assert directive in csp, (where, csp)
    assert "script-src" not in csp  # no script may run on any page
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "no-referrer", where
    assert headers.get("Cache-Control") == "no-store", where


def test_every_page_and_answer_carries_the_security_headers(
    make_ctx: ContextFactory, sandbox: Sandbox
) -> None:
    port = free_port()
    ctx = make_ctx(
        public_url=f"http://127.0.0.1:{port}",
        webhook_path_token=PATH_TOKEN,
        webhook_verify_token=VERIFY_TOKEN,
    )
    with web_server(ctx, port) as url:
        hook = f"{url}/strava/webhook/{PATH_TOKEN}"
        event = {
            "aspect_type": "create",
            "event_time": 1_764_000_000,
            "object_id": 42,
            "object_type": "activity",
            "owner_id": 7,
            "subscription_id": 1,
        }
        responses = [
            requests.get(url + "/", timeout=5),
            requests.get(url + "/healthz", timeout=5),
            requests.get(url + "/connect", allow_redirects=False, timeout=5),
            requests.get(url + "/connect/callback", params={"error": "denied"}, timeout=5),
            requests.get(url + "/connect/callback", params={"code": "c", "state": "s"}, timeout=5),
            requests.get(url + "/connect", timeout=10),  # the whole flow: "Connected, Maren"
            requests.get(url + "/no-such-page", timeout=5),
            requests.post(url + "/healthz", timeout=5),  # 405
            requests.get(hook, params={"hub.mode": "subscribe", "hub.challenge": "c"}, timeout=5),
            requests.post(hook, json=event, timeout=5),
            requests.post(hook, data="[[[[", timeout=5),
            requests.post(hook, data="x" * 20_000, timeout=5),
            requests.post(f"{url}/strava/webhook/wrong", json=event, timeout=5),
        ]
    statuses = [r.status_code for r in responses]
    assert statuses == [200, 200, 302, 400, 400, 200, 404, 405, 403, 200, 400, 413, 404]
    assert "Connected, Maren" in responses[5].text
    for response in [*responses, *responses[5].history]:
        if response.url.startswith(url):  # not the sandbox's own redirect
            assert_secured(response, sandbox.url)
            assert "Strict-Transport-Security" not in response.headers  # http here


@pytest.mark.parametrize("public_url", ["https://rehab.example.org", "http://127.0.0.1:8000"])
def test_hsts_and_the_secure_cookie_only_over_https(
    make_ctx: ContextFactory, sandbox: Sandbox, public_url: str
) -> None:
    https = public_url.startswith("https")
    app = create_app(make_ctx(public_url=public_url))
    with TestClient(app, base_url=public_url) as client:
        home = client.get("/")
        started = client.get("/connect", follow_redirects=False)
    assert_secured(home, sandbox.url)
    assert ("strict-transport-security" in home.headers) is https
    if https:
        assert home.headers["strict-transport-security"] == "max-age=63072000"
    cookie = started.headers["set-cookie"].lower()
    assert ("; secure" in cookie) is https
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_a_route_added_later_gets_the_headers_too(
    make_ctx: ContextFactory, sandbox: Sandbox
) -> None:
    app = create_app(make_ctx())

    @app.get("/me")
    def me() -> dict[str, str]:
        return {"athlete": "Maren"}

    @app.get("/static.css")
    def static() -> Any:
        from fastapi.responses import Response

        return Response("p{}", media_type="text/css", headers={"Cache-Control": "max-age=60"})

    @app.get("/broken")
    def broken() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        assert_secured(client.get("/me"), sandbox.url)
        own = client.get("/static.css")
        error = client.get("/broken")
    assert error.status_code == 500 and error.json() == {"error": "internal error"}
    assert_secured(error, sandbox.url)
    assert own.headers["Cache-Control"] == "max-age=60"  # a route's own choice is kept
    assert own.headers["X-Content-Type-Options"] == "nosniff"
