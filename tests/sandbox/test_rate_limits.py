"""App-wide rate limits: headers on every response, 429s that still count, window resets."""

from __future__ import annotations

import requests

from strava_rehab.sandbox import Sandbox

from .support import bearer, login

RATE_LIMITED = {
    "message": "Rate Limit Exceeded",
    "errors": [{"resource": "Application", "field": "rate limit", "code": "exceeded"}],
}


def _athlete(sb: Sandbox, http: requests.Session, token: str) -> requests.Response:
    return http.get(f"{sb.url}/api/v3/athlete", headers=bearer(token))


def test_headers_count_every_api_call_but_not_oauth(
    sandbox: Sandbox, http: requests.Session
) -> None:
    token = login(sandbox, http)  # authorize + token exchange: free
    first = _athlete(sandbox, http, token)
    assert first.headers["X-RateLimit-Limit"] == "200,2000"
    assert first.headers["X-ReadRateLimit-Limit"] == "100,1000"
    assert first.headers["X-RateLimit-Usage"] == "1,1"
    assert first.headers["X-ReadRateLimit-Usage"] == "1,1"
    http.put(
        f"{sandbox.url}/api/v3/activities/{sandbox.activities(sandbox.seed_athlete_id)[-1]['id']}",
        json={"description": "x"},
        headers=bearer(token),
    )
    login(sandbox, http)
    third = _athlete(sandbox, http, token)
    # The PUT counts against the read ("non-upload") limit too.
    assert third.headers["X-RateLimit-Usage"] == "3,3"
    assert third.headers["X-ReadRateLimit-Usage"] == "3,3"


def test_limit_gives_429_that_still_counts_and_resets_on_the_quarter_hour(
    sandbox: Sandbox, http: requests.Session
) -> None:
    sandbox.set_limits(read=(3, 1000))
    token = login(sandbox, http)
    statuses = [_athlete(sandbox, http, token).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = _athlete(sandbox, http, token)
    assert refused.status_code == 429
    assert refused.json() == RATE_LIMITED
    assert refused.headers["X-ReadRateLimit-Usage"] == "4,4"
    sandbox.advance_time(899)  # FIXED_NOW is 10:00:00; the window ends at 10:15:00
    assert _athlete(sandbox, http, token).status_code == 429
    sandbox.advance_time(1)
    fresh = _athlete(sandbox, http, token)
    assert fresh.status_code == 200
    assert fresh.headers["X-ReadRateLimit-Usage"] == "1,6"


def test_daily_limit_resets_at_utc_midnight(sandbox: Sandbox, http: requests.Session) -> None:
    sandbox.set_limits(overall=(200, 2), read=(100, 1000))
    token = login(sandbox, http)
    assert [_athlete(sandbox, http, token).status_code for _ in range(3)] == [200, 200, 429]
    sandbox.advance_time(3600)
    assert _athlete(sandbox, http, token).status_code == 429
    sandbox.advance_time(13 * 3600)  # 10:00 + 14 h = 00:00 UTC the next day
    token = login(sandbox, http)
    reset = _athlete(sandbox, http, token)
    assert reset.status_code == 200
    assert reset.headers["X-RateLimit-Usage"] == "1,1"


def test_limits_are_shared_by_all_athletes(sandbox: Sandbox, http: requests.Session) -> None:
    sandbox.set_limits(read=(2, 1000))
    maren = login(sandbox, http)
    other = sandbox.add_athlete("Jonas", "Weber")
    jonas = sandbox.authorize(other["id"])["access_token"]
    assert _athlete(sandbox, http, maren).status_code == 200
    assert _athlete(sandbox, http, jonas).status_code == 200
    assert _athlete(sandbox, http, maren).status_code == 429


def test_unauthenticated_calls_carry_headers_without_counting(
    sandbox: Sandbox, http: requests.Session
) -> None:
    refused = _athlete(sandbox, http, "not-a-token")
    assert refused.status_code == 401
    assert refused.headers["X-RateLimit-Usage"] == "0,0"
