"""The /_sandbox control API that the demo script and curl use, and the CLI entry point."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import requests

from strava_rehab.sandbox import Sandbox

from .support import CallbackReceiver, bearer, login, subscribe


def test_info_and_control_calls_stay_out_of_the_call_log(
    sandbox: Sandbox, http: requests.Session
) -> None:
    info = http.get(f"{sandbox.url}/_sandbox").json()
    assert info["seed_athlete_id"] == sandbox.seed_athlete_id == 1001
    assert info["now"] == "2026-11-27T10:00:00+00:00"
    http.post(f"{sandbox.url}/_sandbox/config", json={"limits": {"read": [1, 1000]}})
    for _ in range(3):
        http.get(f"{sandbox.url}/_sandbox/athletes/1001/activities")
    assert sandbox.calls() == []
    token = login(sandbox, http)
    http.get(f"{sandbox.url}/api/v3/athlete", headers=bearer(token))
    assert [(c["method"], c["path"], c["status"]) for c in sandbox.calls()] == [
        ("GET", "/oauth/authorize", 302),
        ("POST", "/oauth/token", 200),
        ("GET", "/api/v3/athlete", 200),
    ]
    assert http.get(f"{sandbox.url}/_sandbox/calls").json()[-1]["path"] == "/api/v3/athlete"
    assert http.delete(f"{sandbox.url}/_sandbox/calls").status_code == 204
    assert sandbox.calls() == []


def test_second_athlete_and_activities_over_http(
    sandbox: Sandbox, http: requests.Session, receiver: CallbackReceiver
) -> None:
    base = f"{sandbox.url}/_sandbox"
    jonas = http.post(
        f"{base}/athletes",
        json={"firstname": "Jonas", "lastname": "Weber", "timezone": "Asia/Tokyo"},
    )
    assert jonas.status_code == 201
    athlete_id = jonas.json()["id"]
    tokens = http.post(f"{base}/athletes/{athlete_id}/tokens", json={"scope": "activity:read"})
    assert tokens.json()["scope"] == "read,activity:read"
    subscribe(sandbox, http, receiver.url)
    created = http.post(
        f"{base}/athletes/{athlete_id}/activities",
        json={"distance": 8000.0, "start_date_local": "2026-11-27T06:30:00", "description": "a\nb"},
    )
    assert created.status_code == 201
    activity = created.json()
    assert activity["start_date_local"] == "2026-11-27T06:30:00Z"
    assert activity["start_date"] == "2026-11-26T21:30:00Z"  # Tokyo is UTC+9
    assert activity["timezone"] == "(GMT+09:00) Asia/Tokyo"
    renamed = http.put(f"{base}/activities/{activity['id']}", json={"name": "Dawn run"})
    assert renamed.json()["name"] == "Dawn run"
    assert http.get(f"{base}/activities/{activity['id']}").json()["description"] == "a\nb"
    assert http.delete(f"{base}/activities/{activity['id']}").status_code == 204
    listed = http.get(f"{base}/athletes/{athlete_id}/activities?include_deleted=true").json()
    assert [(a["id"], a["deleted"]) for a in listed] == [(activity["id"], True)]
    assert http.post(f"{base}/deliveries/wait", json={"timeout": 5}).json() == {"done": True}
    aspects = [d["event"]["aspect_type"] for d in http.get(f"{base}/deliveries").json()]
    assert aspects == ["create", "update", "delete"]
    revoked = http.post(f"{base}/athletes/{athlete_id}/revoke").json()
    assert revoked == {"revoked": True}
    token = tokens.json()["access_token"]
    assert http.get(f"{sandbox.url}/api/v3/athlete", headers=bearer(token)).status_code == 401


def test_faults_clock_and_config_over_http(sandbox: Sandbox, http: requests.Session) -> None:
    base = f"{sandbox.url}/_sandbox"
    token = login(sandbox, http)
    armed = http.post(f"{base}/faults", json={"kind": "5xx", "status": 500, "count": 2})
    assert armed.status_code == 201
    assert armed.json()[0]["remaining"] == 2
    assert http.get(f"{sandbox.url}/api/v3/athlete", headers=bearer(token)).status_code == 500
    assert http.delete(f"{base}/faults").status_code == 204
    assert http.get(f"{base}/faults").json() == []
    moved = http.post(f"{base}/clock", json={"advance_s": 21600})
    assert moved.json() == {"now": "2026-11-27T16:00:00+00:00"}
    assert http.get(f"{sandbox.url}/api/v3/athlete", headers=bearer(token)).status_code == 401
    state = http.post(
        f"{base}/config",
        json={"inactive": True, "granted_scopes": "activity:read", "deny_authorization": False},
    ).json()
    assert state["inactive"] is True
    assert state["granted_scopes"] == "activity:read"


def test_control_errors_are_clear_json(sandbox: Sandbox, http: requests.Session) -> None:
    base = f"{sandbox.url}/_sandbox"
    unknown_field = http.post(f"{base}/athletes/1001/activities", json={"distanse": 5000})
    assert unknown_field.status_code == 400
    assert "distanse" in unknown_field.json()["error"]
    assert "distance" in unknown_field.json()["error"]
    naive = http.post(f"{base}/athletes/1001/activities", json={"start_date": "2026-11-27T07:00"})
    assert "timezone" in naive.json()["error"]
    assert http.get(f"{base}/athletes/4242").status_code == 404
    assert http.post(f"{base}/faults", json={"kind": "boom"}).status_code == 400
    assert http.post(f"{base}/clock", json={"advance_s": -5}).status_code == 400
    assert http.post(f"{base}/config", json={"inactiv": True}).status_code == 400
    assert http.get(f"{base}/nope").status_code == 404
    garbled = http.post(
        f"{base}/athletes", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert garbled.status_code == 400


def test_cli_entry_point_serves_until_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "strava_rehab.sandbox", "--port", "0", "--now", "2026-11-27T10:00Z"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(5)]
        first = banner[0]
        assert first.startswith("Strava sandbox listening on http://127.0.0.1:")
        url = first.rsplit(" ", 1)[1].strip()
        with requests.Session() as session:
            session.trust_env = False
            info = session.get(f"{url}/_sandbox", timeout=5).json()
        assert info["seed_athlete_id"] == 1001
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "Maren Sandvik" in banner[-1]
    assert "stopped" in out
    assert "GET /_sandbox -> 200" in err
