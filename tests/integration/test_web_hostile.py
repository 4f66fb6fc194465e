"""Hostile input at the webhook, through a real uvicorn server: 400s not 500s, a body cap,
events for strangers answered but not stored, and counted where the operator looks."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select
from tests.integration.conftest import CLIENT_ID, CLIENT_SECRET, ContextFactory, browser
from tests.integration.servers import free_port, web_server

from strava_rehab.context import AppContext
from strava_rehab.db.models import WebhookEvent
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import connect as athletes

PATH_TOKEN = "path-token-for-hostile-tests"
VERIFY_TOKEN = "verify-token-for-hostile-tests"
STRANGER = 7


def event(owner_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "aspect_type": "create",
        "event_time": 1_764_000_000,
        "object_id": 42,
        "object_type": "activity",
        "owner_id": owner_id,
        "subscription_id": 1,
        "updates": {},
        **changes,
    }


def stored_events(ctx: AppContext) -> int:
    with ctx.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(WebhookEvent)) or 0)


@pytest.fixture
def served(make_ctx: ContextFactory, sandbox: Sandbox) -> Iterator[tuple[AppContext, str, int]]:
    """The web app with a connected runner: (context, webhook URL, the runner's athlete id)."""
    port = free_port()
    ctx = make_ctx(
        public_url=f"http://127.0.0.1:{port}",
        webhook_path_token=PATH_TOKEN,
        webhook_verify_token=VERIFY_TOKEN,
    )
    runner = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    with web_server(ctx, port) as url:
        yield ctx, f"{url}/strava/webhook/{PATH_TOKEN}", runner


def test_a_deeply_nested_body_is_a_400_not_a_500(served: tuple[AppContext, str, int]) -> None:
    ctx, hook, runner = served
    deep = "[" * 3000 + "]" * 3000
    for body in (deep, json.dumps(event(runner))[:-1] + f', "extra": {deep}}}'):
        response = requests.post(
            hook, data=body, headers={"Content-Type": "application/json"}, timeout=5
        )
        assert response.status_code == 400, response.text
        assert "nested" in response.json()["error"]
    nested_updates = requests.post(
        hook, json=event(runner, updates={"title": {"a": {"b": 1}}}), timeout=5
    )
    assert nested_updates.status_code == 400
    assert stored_events(ctx) == 0


OUT_OF_BOUNDS: list[tuple[dict[str, Any], str]] = [
    ({"object_id": 2**64}, "object_id"),
    ({"object_id": 2**63}, "object_id"),
    ({"owner_id": 2**64 + 7}, "owner_id"),
    ({"subscription_id": 2**100}, "subscription_id"),
    ({"object_id": -5}, "object_id"),
    ({"aspect_type": "destroy"}, "aspect_type"),
    ({"object_type": "club"}, "object_type"),
    ({"event_time": 99_999_999_999}, "event_time"),
    ({"updates": {"title": "x" * 2000}}, "updates"),
    ({"updates": {f"key_{'x' * i}": "v" for i in range(30)}}, "updates"),
]


def test_ids_beyond_64_bits_and_out_of_bounds_fields_are_a_clear_400(
    served: tuple[AppContext, str, int],
) -> None:
    ctx, hook, runner = served
    for changes, field in OUT_OF_BOUNDS:
        response = requests.post(hook, json={**event(runner), **changes}, timeout=5)
        assert response.status_code == 400, (changes, response.text)
        assert field in response.json()["error"], changes
    assert stored_events(ctx) == 0
    assert requests.post(hook, json=event(runner), timeout=5).status_code == 200  # still serving


def test_the_body_is_capped_by_its_length_and_while_streamed(
    served: tuple[AppContext, str, int],
) -> None:
    ctx, hook, runner = served
    # Valid JSON and a valid event, padded far beyond any Strava event (extra fields are ignored).
    padded = json.dumps({**event(runner), "padding": "x" * 20_000}).encode()
    declared = requests.post(
        hook, data=padded, headers={"Content-Type": "application/json"}, timeout=5
    )
    assert declared.status_code == 413
    assert "8192" in declared.json()["error"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer encoding
        for start in range(0, len(padded), 1000):
            yield padded[start : start + 1000]

    streamed = requests.post(
        hook, data=chunks(), headers={"Content-Type": "application/json"}, timeout=5
    )
    assert streamed.request.headers.get("Transfer-Encoding") == "chunked"
    assert streamed.status_code == 413
    assert stored_events(ctx) == 0
    assert requests.post(hook, json=event(runner), timeout=5).status_code == 200
    assert stored_events(ctx) == 1


def test_a_lying_content_length_is_refused(served: tuple[AppContext, str, int]) -> None:
    _, hook, _ = served
    host, port = hook.split("//")[1].split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(
            f"POST /strava/webhook/{PATH_TOKEN} HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: application/json\r\n"
            "Content-Length: 99999999999999999999\r\n\r\n".encode()
        )
        answer = conn.recv(4096).decode(errors="replace")
    assert answer.split(" ")[1] in ("400", "413"), answer


def test_events_for_strangers_are_answered_not_stored_and_counted(
    served: tuple[AppContext, str, int],
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from strava_rehab.cli import main

    ctx, hook, runner = served
    for aspect in ("create", "update", "delete"):
        stranger = requests.post(hook, json=event(STRANGER, aspect_type=aspect), timeout=5)
        assert stranger.status_code == 200  # Strava must not retry it
        assert stranger.json()["ignored"] == "unknown_athlete"
    deauth = event(
        STRANGER, object_type="athlete", object_id=STRANGER, updates={"authorized": "false"}
    )
    assert requests.post(hook, json=deauth, timeout=5).status_code == 200
    ours = requests.post(hook, json=event(runner), timeout=5)
    assert ours.status_code == 200 and ours.json()["ignored"] is None
    assert stored_events(ctx) == 1

    for key, value in {
        "STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"),
        "STRAVA_REHAB_STRAVA_URL": sandbox.url,
        "STRAVA_CLIENT_ID": str(CLIENT_ID),
        "STRAVA_CLIENT_SECRET": CLIENT_SECRET,
    }.items():
        monkeypatch.setenv(key, value)

    def cli(*args: str) -> str:
        with pytest.raises(SystemExit) as exit_:
            main(list(args))
        assert exit_.value.code in (0, None)
        return str(capsys.readouterr().out)

    status = json.loads(cli("status", "--json"))
    assert status["webhook_ignored"]["unknown_athlete"] == 4
    assert status["webhook_ignored"]["other_subscription"] == 0
    assert "webhook events ignored: 4 for athletes not connected here" in cli("status")
