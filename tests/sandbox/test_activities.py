"""GET/PUT /activities/{id}: scopes, privacy, other athletes, and byte-exact descriptions."""

from __future__ import annotations

from typing import Any

import requests

from strava_rehab.sandbox import Sandbox

from .support import bearer, login

NOT_FOUND = {
    "message": "Record Not Found",
    "errors": [{"resource": "Activity", "field": "id", "code": "not found"}],
}
NO_WRITE = {
    "message": "Authorization Error",
    "errors": [
        {"resource": "AccessToken", "field": "activity:write_permission", "code": "missing"}
    ],
}


def _find(sb: Sandbox, predicate: Any) -> dict[str, Any]:
    return next(a for a in sb.activities(sb.seed_athlete_id) if predicate(a))


def _get(sb: Sandbox, http: requests.Session, token: str, activity_id: int) -> requests.Response:
    return http.get(f"{sb.url}/api/v3/activities/{activity_id}", headers=bearer(token))


def _put(
    sb: Sandbox, http: requests.Session, token: str, activity_id: int, **body: Any
) -> requests.Response:
    return http.put(f"{sb.url}/api/v3/activities/{activity_id}", json=body, headers=bearer(token))


def test_private_run_needs_read_all(sandbox: Sandbox, http: requests.Session) -> None:
    private = _find(sandbox, lambda a: a["private"])
    limited = login(sandbox, http, scope="read,activity:read,activity:write")
    hidden = _get(sandbox, http, limited, private["id"])
    assert hidden.status_code == 404
    assert hidden.json() == NOT_FOUND
    assert _put(sandbox, http, limited, private["id"], description="x").status_code == 404
    full = login(sandbox, http, scope="read,activity:read_all")
    shown = _get(sandbox, http, full, private["id"])
    assert shown.status_code == 200
    assert shown.json()["visibility"] == "only_me"


def test_detail_has_description_and_private_note(sandbox: Sandbox, http: requests.Session) -> None:
    pain = _find(sandbox, lambda a: a["private_note"])
    token = login(sandbox, http)
    body = _get(sandbox, http, token, pain["id"]).json()
    assert body["private_note"] == pain["private_note"]
    assert body["description"] == pain["description"]
    assert body["resource_state"] == 3


def test_other_athletes_activity_is_not_found(sandbox: Sandbox, http: requests.Session) -> None:
    other = sandbox.add_athlete("Jonas", "Weber")
    theirs = sandbox.add_activity(other["id"])
    token = login(sandbox, http)
    assert _get(sandbox, http, token, theirs["id"]).json() == NOT_FOUND
    assert _put(sandbox, http, token, theirs["id"], name="mine now").status_code == 404
    assert sandbox.activity(theirs["id"])["name"] == theirs["name"]


def test_deleted_activity_is_not_found(sandbox: Sandbox, http: requests.Session) -> None:
    victim = sandbox.activities(sandbox.seed_athlete_id)[-1]
    sandbox.delete_activity(victim["id"])
    token = login(sandbox, http)
    assert _get(sandbox, http, token, victim["id"]).status_code == 404


def test_put_without_activity_write_is_refused(sandbox: Sandbox, http: requests.Session) -> None:
    run = sandbox.activities(sandbox.seed_athlete_id)[-1]
    token = login(sandbox, http, scope="read,activity:read_all")
    response = _put(sandbox, http, token, run["id"], description="suggestion")
    assert response.status_code == 401
    assert response.json() == NO_WRITE
    assert sandbox.activity(run["id"])["description"] == run["description"]


def test_description_write_back_keeps_the_runners_text_byte_for_byte(
    sandbox: Sandbox, http: requests.Session
) -> None:
    run = _find(
        sandbox,
        lambda a: a["description"] and "\n" in a["description"] and "  " in a["description"],
    )
    original: str = run["description"]
    token = login(sandbox, http)
    fetched = _get(sandbox, http, token, run["id"]).json()["description"]
    assert fetched.encode("utf-8") == original.encode("utf-8")
    combined = fetched + "\n\n--- strava-rehab ---\nEase back 20 % this week.\n--- end ---"
    response = _put(sandbox, http, token, run["id"], description=combined)
    assert response.status_code == 200
    assert response.json()["description"] == combined
    stored = _get(sandbox, http, token, run["id"]).json()["description"]
    assert stored.encode("utf-8") == combined.encode("utf-8")
    assert stored.startswith(original)


def test_put_accepts_form_bodies_and_updatable_fields(
    sandbox: Sandbox, http: requests.Session
) -> None:
    run = sandbox.activities(sandbox.seed_athlete_id)[-1]
    token = login(sandbox, http)
    response = http.put(
        f"{sandbox.url}/api/v3/activities/{run['id']}",
        data={"commute": "true", "sport_type": "TrailRun", "type": "Ride", "private_note": "x"},
        headers=bearer(token),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["commute"] is True
    assert body["sport_type"] == "TrailRun"
    assert body["type"] == "Run"  # sport_type wins over the deprecated type
    assert body["private_note"] == run["private_note"]  # not an UpdatableActivity field


def test_put_rejects_an_unknown_sport_type(sandbox: Sandbox, http: requests.Session) -> None:
    run = sandbox.activities(sandbox.seed_athlete_id)[-1]
    token = login(sandbox, http)
    response = _put(sandbox, http, token, run["id"], sport_type="Jogging")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "sport_type"
    assert sandbox.activity(run["id"])["sport_type"] == "Run"


def test_read_only_token_cannot_list(sandbox: Sandbox, http: requests.Session) -> None:
    sandbox.set_granted_scopes("read")
    token = login(sandbox, http)
    response = http.get(f"{sandbox.url}/api/v3/athlete/activities", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["errors"][0]["field"] == "activity:read_permission"
    assert http.get(f"{sandbox.url}/api/v3/athlete", headers=bearer(token)).status_code == 200
