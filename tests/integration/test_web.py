"""The web app under a real uvicorn server: webhook handshake, inbox, connect page, health."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from tests.integration.conftest import ContextFactory
from tests.integration.servers import free_port, web_server

from strava_rehab.context import AppContext
from strava_rehab.db.models import Athlete, WebhookEvent
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import connect as athletes
from strava_rehab.services import inbox as webhooks
from strava_rehab.services import subscription
from strava_rehab.strava.api import TokenGrant
from strava_rehab.strava.events import parse_event
from strava_rehab.worker import Worker

EVENT = {
    "aspect_type": "create",
    "event_time": 1_764_000_000,
    "object_id": 42,
    "object_type": "activity",
    "owner_id": 7,
    "subscription_id": 1,
    "updates": {},
}


def known_athlete(ctx: AppContext, athlete_id: int = 7) -> None:
    """An athlete stored here, as a connection would leave them (events for others are dropped)."""
    grant = TokenGrant(
        access_token="a" * 40,
        refresh_token="r" * 40,
        expires_at=ctx.clock() + timedelta(hours=6),
        athlete={"id": athlete_id, "firstname": "Known"},
    )
    athletes.store_grant(ctx, grant, "read,activity:read_all,activity:write")


def test_validation_handshake_checks_path_and_verify_token(make_ctx: ContextFactory) -> None:
    port = free_port()
    ctx = make_ctx(public_url=f"http://127.0.0.1:{port}")
    path_token, verify = subscription.webhook_secrets(ctx)
    with web_server(ctx, port) as url:
        hook = f"{url}/strava/webhook/{path_token}"
        ok = requests.get(
            hook,
            params={"hub.mode": "subscribe", "hub.challenge": "abc", "hub.verify_token": verify},
            timeout=5,
        )
        assert ok.status_code == 200 and ok.json() == {"hub.challenge": "abc"}
        assert ok.headers["content-type"].startswith("application/json")
        bad = requests.get(
            hook,
            params={"hub.mode": "subscribe", "hub.challenge": "abc", "hub.verify_token": "wrong"},
            timeout=5,
        )
        assert bad.status_code == 403
        wrong_path = requests.get(
            f"{url}/strava/webhook/guess",
            params={"hub.mode": "subscribe", "hub.challenge": "abc", "hub.verify_token": verify},
            timeout=5,
        )
        assert wrong_path.status_code == 404


def test_events_are_stored_once_and_bad_payloads_get_a_clear_400(make_ctx: ContextFactory) -> None:
    port = free_port()
    ctx = make_ctx(public_url=f"http://127.0.0.1:{port}")
    known_athlete(ctx)
    path_token, _ = subscription.webhook_secrets(ctx)
    with web_server(ctx, port) as url:
        hook = f"{url}/strava/webhook/{path_token}"
        timings = []
        for _ in range(3):  # Strava's retries of one event
            started = time.monotonic()
            response = requests.post(hook, json=EVENT, timeout=5)
            timings.append(time.monotonic() - started)
            assert response.status_code == 200
        assert max(timings) < 2.0
        malformed = requests.post(
            hook, json={"object_type": "activity", "object_id": "x"}, timeout=5
        )
        assert malformed.status_code == 400
        assert "object_id" in malformed.json()["error"]
        assert requests.post(hook, data="not json", timeout=5).status_code == 400
        assert requests.post(f"{url}/strava/webhook/nope", json=EVENT, timeout=5).status_code == 404
    with ctx.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 1


def test_events_for_another_subscription_are_ignored(make_ctx: ContextFactory) -> None:
    ctx = make_ctx()
    known_athlete(ctx)
    subscription.save_subscription(ctx, {"id": 99})
    assert not webhooks.record_event(ctx, parse_event(EVENT))
    assert webhooks.record_event(ctx, parse_event({**EVENT, "subscription_id": 99}))


def test_browser_connect_page_and_callback(make_ctx: ContextFactory, sandbox: Sandbox) -> None:
    port = free_port()
    ctx = make_ctx(public_url=f"http://127.0.0.1:{port}")
    with web_server(ctx, port) as url:
        assert "Connect with Strava" in requests.get(url + "/", timeout=5).text
        page = requests.get(url + "/connect", timeout=10)  # follows Strava's redirect back
        assert page.status_code == 200, page.text
        assert "Connected, Maren" in page.text
        forged = requests.get(
            url + "/connect/callback", params={"code": "c", "state": "x"}, timeout=5
        )
        assert forged.status_code == 400 and "state" in forged.text
        denied = requests.get(
            url + "/connect/callback", params={"error": "access_denied"}, timeout=5
        )
        assert denied.status_code == 400 and "access_denied" in denied.text
    with ctx.db.transaction() as session:
        assert session.get(Athlete, sandbox.seed_athlete_id) is not None


def test_healthz_reports_database_and_embedded_worker(make_ctx: ContextFactory) -> None:
    port = free_port()
    ctx = make_ctx(public_url=f"http://127.0.0.1:{port}")
    worker = Worker(ctx)
    with web_server(ctx, port, worker) as url:
        health = requests.get(url + "/healthz", timeout=5)
        assert health.status_code == 200
        body = health.json()
        assert body["database"] == "ok" and body["worker"]["running"] is True
    assert not worker.running()  # stopped with the server


def test_webhook_commands_subscribe_status_unsubscribe(
    make_ctx: ContextFactory,
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    import json

    import pytest
    from tests.integration.conftest import CLIENT_ID, CLIENT_SECRET

    from strava_rehab.cli import main

    port = free_port()
    ctx = make_ctx(public_url=f"http://127.0.0.1:{port}")
    for key, value in {
        "STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"),
        "STRAVA_REHAB_STRAVA_URL": sandbox.url,
        "STRAVA_CLIENT_ID": str(CLIENT_ID),
        "STRAVA_CLIENT_SECRET": CLIENT_SECRET,
        "STRAVA_REHAB_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }.items():
        monkeypatch.setenv(key, value)

    def cli(*args: str) -> str:
        with pytest.raises(SystemExit) as exit_:
            main(list(args))
        assert exit_.value.code in (0, None)
        return str(capsys.readouterr().out)

    with web_server(ctx, port):
        assert "Subscribed (id" in cli("webhook", "subscribe")
        status = json.loads(cli("webhook", "status", "--json"))
        assert len(status["strava"]) == 1
        assert status["stored"]["id"] == status["strava"][0]["id"]
        assert status["strava"][0]["callback_url"].startswith(f"http://127.0.0.1:{port}/strava/")
        assert "Deleted subscription" in cli("webhook", "unsubscribe")
        assert json.loads(cli("webhook", "status", "--json")) == {"strava": [], "stored": None}
