"""OAuth: authorize redirect, single-use codes, refresh-token rotation, expiry, deauthorize."""

from __future__ import annotations

import requests

from strava_rehab.sandbox import Sandbox

from .support import (
    CLIENT_ID,
    CLIENT_SECRET,
    bearer,
    browser_authorize,
    exchange_code,
)

INVALID_TOKEN = {
    "message": "Authorization Error",
    "errors": [{"resource": "Athlete", "field": "access_token", "code": "invalid"}],
}
INVALID_REFRESH = {
    "message": "Bad Request",
    "errors": [{"resource": "RefreshToken", "field": "refresh_token", "code": "invalid"}],
}


def _refresh(sb: Sandbox, http: requests.Session, refresh_token: str) -> requests.Response:
    return http.post(
        f"{sb.url}/oauth/token",
        data={
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        },
    )


def _athlete(sb: Sandbox, http: requests.Session, token: str) -> requests.Response:
    return http.get(f"{sb.url}/api/v3/athlete", headers=bearer(token))


def test_authorize_redirect_carries_state_code_and_granted_scope(
    sandbox: Sandbox, http: requests.Session
) -> None:
    redirect = browser_authorize(
        sandbox, http, scope="activity:write,activity:read_all", state="s1"
    )
    assert redirect["state"] == "s1"
    assert len(redirect["code"]) >= 20
    # Strava writes back the accepted scopes in its own order, with "read" always granted.
    assert redirect["scope"] == "read,activity:read_all,activity:write"


def test_unticked_scopes_are_missing_from_the_redirect(
    sandbox: Sandbox, http: requests.Session
) -> None:
    sandbox.set_granted_scopes("activity:read")
    redirect = browser_authorize(sandbox, http, scope="read,activity:read_all,activity:write")
    assert redirect["scope"] == "read"
    sandbox.set_granted_scopes("activity:read_all,activity:write")
    redirect = browser_authorize(sandbox, http, scope="read,activity:read_all,activity:write")
    assert redirect["scope"] == "read,activity:read_all,activity:write"


def test_denied_authorization_redirects_with_access_denied(
    sandbox: Sandbox, http: requests.Session
) -> None:
    sandbox.set_deny_authorization(True)
    redirect = browser_authorize(sandbox, http)
    assert redirect == {"state": "st-1", "error": "access_denied"}


def test_authorize_rejects_wrong_client_and_missing_redirect(
    sandbox: Sandbox, http: requests.Session
) -> None:
    base: dict[str, str | int] = {"response_type": "code", "scope": "read"}
    wrong_client = http.get(
        f"{sandbox.url}/oauth/authorize",
        params={**base, "client_id": 999, "redirect_uri": "http://127.0.0.1/cb"},
        allow_redirects=False,
    )
    assert wrong_client.status_code == 400
    assert wrong_client.json()["errors"][0]["field"] == "client_id"
    no_redirect = http.get(
        f"{sandbox.url}/oauth/authorize",
        params={**base, "client_id": CLIENT_ID},
        allow_redirects=False,
    )
    assert no_redirect.status_code == 400
    assert no_redirect.json()["errors"][0]["field"] == "redirect_uri"


def test_code_exchange_returns_tokens_and_athlete_once(
    sandbox: Sandbox, http: requests.Session
) -> None:
    code = browser_authorize(sandbox, http)["code"]
    first = exchange_code(sandbox, http, code)
    assert first.status_code == 200
    body = first.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 21600
    assert body["athlete"]["id"] == sandbox.seed_athlete_id
    assert body["access_token"] != body["refresh_token"]
    again = exchange_code(sandbox, http, code)
    assert again.status_code == 400
    assert again.json()["errors"][0]["resource"] == "AuthorizationCode"


def test_code_expires_after_ten_minutes(sandbox: Sandbox, http: requests.Session) -> None:
    code = browser_authorize(sandbox, http)["code"]
    sandbox.advance_time(601)
    assert exchange_code(sandbox, http, code).status_code == 400


def test_token_endpoint_checks_the_secret_and_accepts_json(
    sandbox: Sandbox, http: requests.Session
) -> None:
    code = browser_authorize(sandbox, http)["code"]
    wrong = http.post(
        f"{sandbox.url}/oauth/token",
        json={"client_id": CLIENT_ID, "client_secret": "nope", "code": code},
    )
    assert wrong.status_code == 401
    ok = http.post(
        f"{sandbox.url}/api/v3/oauth/token",
        json={
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "code": browser_authorize(sandbox, http)["code"],
            "grant_type": "authorization_code",
        },
    )
    assert ok.status_code == 200


def test_refresh_rotates_the_refresh_token_and_kills_the_old_one(
    sandbox: Sandbox, http: requests.Session
) -> None:
    tokens = exchange_code(sandbox, http, browser_authorize(sandbox, http)["code"]).json()
    sandbox.advance_time(3600)  # 5 h left: Strava hands back the same access token
    early = _refresh(sandbox, http, tokens["refresh_token"])
    assert early.status_code == 200
    assert early.json()["access_token"] == tokens["access_token"]
    assert early.json()["refresh_token"] != tokens["refresh_token"]
    assert "athlete" not in early.json()
    reused = _refresh(sandbox, http, tokens["refresh_token"])
    assert reused.status_code == 400
    assert reused.json() == INVALID_REFRESH
    sandbox.advance_time(4 * 3600 + 1)  # under an hour left: a new access token
    late = _refresh(sandbox, http, early.json()["refresh_token"])
    assert late.status_code == 200
    assert late.json()["access_token"] != tokens["access_token"]
    assert late.json()["expires_in"] == 21600
    # The previous access token keeps working until its own expiry.
    assert _athlete(sandbox, http, tokens["access_token"]).status_code == 200


def test_expired_access_token_is_refused(sandbox: Sandbox, http: requests.Session) -> None:
    tokens = exchange_code(sandbox, http, browser_authorize(sandbox, http)["code"]).json()
    sandbox.advance_time(21599)
    assert _athlete(sandbox, http, tokens["access_token"]).status_code == 200
    sandbox.advance_time(1)
    expired = _athlete(sandbox, http, tokens["access_token"])
    assert expired.status_code == 401
    assert expired.json() == INVALID_TOKEN


def test_deauthorize_kills_every_token(sandbox: Sandbox, http: requests.Session) -> None:
    first = exchange_code(sandbox, http, browser_authorize(sandbox, http)["code"]).json()
    second = exchange_code(sandbox, http, browser_authorize(sandbox, http)["code"]).json()
    response = http.post(
        f"{sandbox.url}/oauth/deauthorize", data={"access_token": first["access_token"]}
    )
    assert response.status_code == 200
    for tokens in (first, second):
        assert _athlete(sandbox, http, tokens["access_token"]).status_code == 401
        assert _refresh(sandbox, http, tokens["refresh_token"]).status_code == 400


def test_deauthorize_with_bearer_under_api_v3(sandbox: Sandbox, http: requests.Session) -> None:
    tokens = exchange_code(sandbox, http, browser_authorize(sandbox, http)["code"]).json()
    response = http.post(
        f"{sandbox.url}/api/v3/oauth/deauthorize", headers=bearer(tokens["access_token"])
    )
    assert response.status_code == 200
    assert _athlete(sandbox, http, tokens["access_token"]).status_code == 401
    assert http.post(f"{sandbox.url}/oauth/deauthorize").status_code == 401


def test_revoke_on_strava_com_kills_tokens(sandbox: Sandbox, http: requests.Session) -> None:
    tokens = exchange_code(sandbox, http, browser_authorize(sandbox, http)["code"]).json()
    assert sandbox.revoke(sandbox.seed_athlete_id) is True
    assert _athlete(sandbox, http, tokens["access_token"]).status_code == 401
    assert sandbox.revoke(sandbox.seed_athlete_id) is False
