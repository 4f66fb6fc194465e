"""Push subscriptions (handshake, one per app, list, delete) and event delivery with retries."""

from __future__ import annotations

import requests

from strava_rehab.sandbox import Sandbox

from .support import (
    CLIENT_ID,
    CLIENT_SECRET,
    FIXED_NOW,
    CallbackReceiver,
    bearer,
    fast_config,
    login,
    subscribe,
)

NOT_VERIFIABLE = {
    "message": "Bad Request",
    "errors": [{"resource": "PushSubscription", "field": "callback url", "code": "not verifiable"}],
}
CREDENTIALS: dict[str, str | int] = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


def test_subscription_handshake_echoes_the_challenge(
    sandbox: Sandbox, http: requests.Session, receiver: CallbackReceiver
) -> None:
    response = subscribe(sandbox, http, receiver.url, verify_token="STRAVA")
    assert response.status_code == 201, response.text
    assert isinstance(response.json()["id"], int)
    (handshake,) = receiver.handshakes
    assert handshake["hub.mode"] == "subscribe"
    assert handshake["hub.verify_token"] == "STRAVA"
    assert handshake["hub.challenge"]


def test_failed_handshakes_are_refused(
    sandbox: Sandbox, http: requests.Session, receiver: CallbackReceiver
) -> None:
    receiver.challenge_mode = "wrong"
    assert subscribe(sandbox, http, receiver.url).json() == NOT_VERIFIABLE
    receiver.challenge_mode = "status500"
    assert subscribe(sandbox, http, receiver.url).status_code == 400
    receiver.challenge_mode = "echo"
    wrong_token = subscribe(sandbox, http, receiver.url, verify_token="other")
    assert wrong_token.status_code == 400  # our receiver answers 403 to a wrong verify_token
    assert subscribe(sandbox, http, "http://127.0.0.1:9/closed").json() == NOT_VERIFIABLE
    assert sandbox.subscription() is None


def test_one_subscription_per_app_with_list_and_delete(
    sandbox: Sandbox, http: requests.Session, receiver: CallbackReceiver
) -> None:
    created = subscribe(sandbox, http, receiver.url).json()
    second = subscribe(sandbox, http, receiver.url)
    assert second.status_code == 400
    assert second.json()["errors"][0]["code"] == "already exists"
    url = f"{sandbox.url}/api/v3/push_subscriptions"
    listed = http.get(url, params=CREDENTIALS).json()
    assert listed == [
        {
            "id": created["id"],
            "resource_state": 2,
            "application_id": CLIENT_ID,
            "callback_url": receiver.url,
            "created_at": "2026-11-27T10:00:00Z",
            "updated_at": "2026-11-27T10:00:00Z",
        }
    ]
    wrong = http.get(url, params={**CREDENTIALS, "client_secret": "nope"})
    assert wrong.status_code == 401
    assert http.delete(f"{url}/{created['id']}", data=CREDENTIALS).status_code == 204
    assert http.get(url, params=CREDENTIALS).json() == []
    assert http.delete(f"{url}/{created['id']}", params=CREDENTIALS).status_code == 404
    assert subscribe(sandbox, http, receiver.url).status_code == 201


def test_activity_and_deauth_events_reach_the_callback(
    sandbox: Sandbox, http: requests.Session, receiver: CallbackReceiver
) -> None:
    subscription_id = subscribe(sandbox, http, receiver.url).json()["id"]
    token = login(sandbox, http)
    athlete = sandbox.seed_athlete_id
    created = sandbox.add_activity(athlete, distance=10000.0, name="Tempo")
    url = f"{sandbox.url}/api/v3/activities/{created['id']}"
    http.put(url, json={"description": "only the description"}, headers=bearer(token))
    http.put(url, json={"name": "Tempo 10k"}, headers=bearer(token))
    sandbox.update_activity(created["id"], private=True)
    sandbox.update_activity(created["id"], kudos_count=3)  # no event for other fields
    sandbox.delete_activity(created["id"])
    sandbox.revoke(athlete)
    assert sandbox.wait_for_deliveries(5.0)
    common = {"event_time": int(FIXED_NOW.timestamp()), "subscription_id": subscription_id}
    activity = {**common, "object_type": "activity", "object_id": created["id"]}
    assert receiver.events == [
        {**activity, "aspect_type": "create", "owner_id": athlete, "updates": {}},
        {
            **activity,
            "aspect_type": "update",
            "owner_id": athlete,
            "updates": {"title": "Tempo 10k"},
        },
        {**activity, "aspect_type": "update", "owner_id": athlete, "updates": {"private": "true"}},
        {**activity, "aspect_type": "delete", "owner_id": athlete, "updates": {}},
        {
            **common,
            "object_type": "athlete",
            "object_id": athlete,
            "aspect_type": "update",
            "owner_id": athlete,
            "updates": {"authorized": "false"},
        },
    ]


def test_deauthorize_endpoint_also_sends_a_deauth_event(
    sandbox: Sandbox, http: requests.Session, receiver: CallbackReceiver
) -> None:
    subscribe(sandbox, http, receiver.url)
    token = login(sandbox, http)
    http.post(f"{sandbox.url}/oauth/deauthorize", headers=bearer(token))
    assert sandbox.wait_for_deliveries(5.0)
    assert [e["updates"] for e in receiver.events] == [{"authorized": "false"}]


def test_no_events_for_athletes_who_never_authorized(
    sandbox: Sandbox, http: requests.Session, receiver: CallbackReceiver
) -> None:
    subscribe(sandbox, http, receiver.url)
    other = sandbox.add_athlete("Jonas", "Weber")
    sandbox.add_activity(other["id"])
    sandbox.authorize(other["id"])
    sandbox.add_activity(other["id"])
    assert sandbox.wait_for_deliveries(5.0)
    assert [e["aspect_type"] for e in receiver.events] == ["create"]


def test_three_attempts_in_total_when_the_callback_fails(
    http: requests.Session, receiver: CallbackReceiver
) -> None:
    with Sandbox(fast_config(delivery_backoff_s=0.02)) as sb:
        subscribe(sb, http, receiver.url)
        sb.authorize(sb.seed_athlete_id)
        receiver.post_statuses = [500, 503, 500, 500, 200]
        failing = sb.add_activity(sb.seed_athlete_id)
        assert sb.wait_for_deliveries(5.0)
        recovering = sb.add_activity(sb.seed_athlete_id)
        assert sb.wait_for_deliveries(5.0)
    log = sb.deliveries()
    assert [d["attempts"] for d in log] == [["500", "503", "500"], ["500", "200"]]
    assert [d["delivered"] for d in log] == [False, True]
    assert [e["object_id"] for e in receiver.events] == [failing["id"]] * 3 + [recovering["id"]] * 2


def test_a_slow_callback_times_out_each_attempt(
    http: requests.Session, receiver: CallbackReceiver
) -> None:
    config = fast_config(delivery_timeout_s=0.2, delivery_backoff_s=0.0, delivery_attempts=2)
    with Sandbox(config) as sb:
        subscribe(sb, http, receiver.url)
        sb.authorize(sb.seed_athlete_id)
        receiver.post_delay_s = 0.4
        sb.add_activity(sb.seed_athlete_id)
        assert sb.wait_for_deliveries(5.0)
        assert [d["attempts"] for d in sb.deliveries()] == [["timeout", "timeout"]]


def test_an_unannounced_activity_sends_no_event(
    sandbox: Sandbox, http: requests.Session, receiver: CallbackReceiver
) -> None:
    subscribe(sandbox, http, receiver.url)
    login(sandbox, http)
    lost = sandbox.add_activity_unannounced(sandbox.seed_athlete_id, distance=8000.0)
    told = sandbox.add_activity(sandbox.seed_athlete_id, distance=9000.0)
    assert sandbox.wait_for_deliveries(5.0)
    assert [e["object_id"] for e in receiver.events] == [told["id"]]
    assert sandbox.activity(lost["id"])["distance"] == 8000.0
