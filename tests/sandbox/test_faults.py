"""Injected faults (429, 5xx, dropped connections, delays) and the inactive-app 403."""

from __future__ import annotations

import time

import pytest
import requests

from strava_rehab.sandbox import Sandbox

from .support import bearer, fast_config, login

INACTIVE = {
    "message": "Forbidden",
    "errors": [{"resource": "Application", "field": "Status", "code": "Inactive"}],
}


def _athlete(
    sb: Sandbox, http: requests.Session, token: str, timeout: float | None = None
) -> requests.Response:
    return http.get(f"{sb.url}/api/v3/athlete", headers=bearer(token), timeout=timeout)


def test_429_fault_looks_like_strava_and_counts(sandbox: Sandbox, http: requests.Session) -> None:
    token = login(sandbox, http)
    sandbox.inject_fault("429")
    limited = _athlete(sandbox, http, token)
    assert limited.status_code == 429
    assert limited.json()["message"] == "Rate Limit Exceeded"
    assert limited.headers["X-RateLimit-Usage"] == "1,1"
    after = _athlete(sandbox, http, token)
    assert after.status_code == 200
    assert after.headers["X-RateLimit-Usage"] == "2,2"


def test_5xx_fault_defaults_to_503_and_respects_count(
    sandbox: Sandbox, http: requests.Session
) -> None:
    token = login(sandbox, http)
    sandbox.inject_fault("5xx", count=2)
    sandbox.inject_fault("5xx", status=502)
    statuses = [_athlete(sandbox, http, token).status_code for _ in range(4)]
    assert statuses == [503, 503, 502, 200]


def test_drop_closes_the_connection_without_a_response(
    sandbox: Sandbox, http: requests.Session
) -> None:
    token = login(sandbox, http)
    sandbox.inject_fault("drop")
    with pytest.raises(requests.ConnectionError):
        _athlete(sandbox, http, token)
    assert _athlete(sandbox, http, token).status_code == 200
    assert [c.get("note") for c in sandbox.calls() if c["path"] == "/api/v3/athlete"] == [
        "dropped",
        None,
    ]


def test_drop_after_applies_the_write_but_loses_the_answer(
    sandbox: Sandbox, http: requests.Session
) -> None:
    run = sandbox.activities(sandbox.seed_athlete_id)[-1]
    token = login(sandbox, http)
    sandbox.inject_fault("drop_after", path_prefix=f"/api/v3/activities/{run['id']}")
    with pytest.raises(requests.ConnectionError):
        http.put(
            f"{sandbox.url}/api/v3/activities/{run['id']}",
            json={"description": "landed"},
            headers=bearer(token),
        )
    assert sandbox.activity(run["id"])["description"] == "landed"


def test_delay_fault_slows_the_answer(sandbox: Sandbox, http: requests.Session) -> None:
    token = login(sandbox, http)
    sandbox.inject_fault("delay", delay_s=0.3)
    with pytest.raises(requests.ReadTimeout):
        _athlete(sandbox, http, token, timeout=0.1)
    sandbox.inject_fault("delay", delay_s=0.2)
    started = time.perf_counter()
    assert _athlete(sandbox, http, token).status_code == 200
    assert time.perf_counter() - started >= 0.2


def test_faults_only_hit_their_path_prefix(sandbox: Sandbox, http: requests.Session) -> None:
    token = login(sandbox, http)
    sandbox.inject_fault("5xx", path_prefix="/api/v3/athlete/activities")
    assert _athlete(sandbox, http, token).status_code == 200
    listing = http.get(f"{sandbox.url}/api/v3/athlete/activities", headers=bearer(token))
    assert listing.status_code == 503
    sandbox.inject_fault("5xx", path_prefix="/oauth/token")
    token_call = http.post(f"{sandbox.url}/oauth/token", data={"grant_type": "refresh_token"})
    assert token_call.status_code == 503
    sandbox.inject_fault("5xx", count=5)
    sandbox.clear_faults()
    assert _athlete(sandbox, http, token).status_code == 200


def test_inactive_app_gets_403_everywhere(sandbox: Sandbox, http: requests.Session) -> None:
    token = login(sandbox, http)
    sandbox.set_inactive(True)
    forbidden = _athlete(sandbox, http, token)
    assert forbidden.status_code == 403
    assert forbidden.json() == INACTIVE
    listing = http.get(f"{sandbox.url}/api/v3/athlete/activities", headers=bearer(token))
    assert listing.json() == INACTIVE
    sandbox.set_inactive(False)
    assert _athlete(sandbox, http, token).status_code == 200


def test_bad_fault_requests_are_explained(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        sandbox.inject_fault("teapot")
    with pytest.raises(ValueError, match=r"500\.\.599"):
        sandbox.inject_fault("5xx", status=404)
    with pytest.raises(ValueError, match="delay_s"):
        sandbox.inject_fault("delay")


def test_a_stopped_sandbox_stops_answering_kept_alive_connections(
    http: requests.Session,
) -> None:
    sb = Sandbox(fast_config()).start()
    token = sb.authorize(sb.seed_athlete_id)["access_token"]
    url = f"{sb.url}/api/v3/athlete"
    assert http.get(url, headers=bearer(token)).status_code == 200  # a kept-alive connection
    sb.stop()
    with pytest.raises(requests.ConnectionError):
        http.get(url, headers=bearer(token), timeout=2)
