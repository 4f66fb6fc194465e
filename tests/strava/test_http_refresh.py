"""A token refresh is never repeated blindly: Strava may have rotated the token it carried.

Unit tests of the Strava adapter with ``responses``; the recovery itself (re-read, one more try,
"needs attention") is tested against the sandbox in tests/integration/test_token_refresh.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError

from strava_rehab.strava.api import AthleteApi, StravaApp
from strava_rehab.strava.errors import TransientStravaError as AnswerLost
from strava_rehab.strava.http import StravaHttp

BASE = "https://strava.test"
NOW = datetime(2026, 11, 27, 9, 7, tzinfo=UTC)
TOKEN_URL = f"{BASE}/oauth/token"
GRANT = {
    "token_type": "Bearer",
    "access_token": "new-access",
    "refresh_token": "new-refresh",
    "expires_at": 1_800_000_000,
    "expires_in": 21600,
}


def make_app(retries: int = 3) -> tuple[StravaApp, list[float]]:
    sleeps: list[float] = []
    http = StravaHttp(
        BASE, max_retries=retries, backoff_s=0.01, clock=lambda: NOW, sleep=sleeps.append
    )
    return StravaApp(http, 12345, "client-secret"), sleeps


def refused_connection() -> requests.ConnectionError:
    """What requests raises when nothing listens: the request never left this machine."""
    cause = NewConnectionError(None, "Failed to establish a new connection: [Errno 111]")  # type: ignore[arg-type]
    return requests.ConnectionError(MaxRetryError(None, TOKEN_URL, cause))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "lost",
    [
        requests.ReadTimeout("read timed out"),
        requests.ConnectionError("Connection aborted: RemoteDisconnected"),
    ],
    ids=["answer-after-the-timeout", "connection-dropped-after-sending"],
)
@responses.activate
def test_a_refresh_whose_answer_may_be_lost_is_sent_once(lost: Exception) -> None:
    responses.post(TOKEN_URL, body=lost)
    responses.post(TOKEN_URL, json=GRANT)
    app, sleeps = make_app()
    with pytest.raises(AnswerLost, match="may have acted on the request"):
        app.refresh("rotated-by-strava-maybe")
    assert len(responses.calls) == 1  # the old code sent the (maybe dead) token again
    assert sleeps == []


@responses.activate
def test_a_5xx_on_a_refresh_is_not_retried_either() -> None:
    responses.post(TOKEN_URL, status=503, json={"message": "Service Unavailable"})
    responses.post(TOKEN_URL, json=GRANT)
    app, _ = make_app()
    with pytest.raises(AnswerLost, match="HTTP 503"):
        app.refresh("r")
    assert len(responses.calls) == 1


@pytest.mark.parametrize(
    "unsent",
    [refused_connection(), requests.ConnectTimeout("connect timed out")],
    ids=["connection-refused", "connect-timeout"],
)
@responses.activate
def test_a_refresh_that_never_left_is_retried(unsent: Exception) -> None:
    responses.post(TOKEN_URL, body=unsent)
    responses.post(TOKEN_URL, json=GRANT)
    app, sleeps = make_app()
    grant = app.refresh("r")
    assert grant.refresh_token == "new-refresh"
    assert len(responses.calls) == 2 and sleeps == [0.01]


@responses.activate
def test_a_lost_code_exchange_is_not_repeated_with_the_single_use_code() -> None:
    responses.post(TOKEN_URL, body=requests.ReadTimeout("read timed out"))
    app, _ = make_app()
    with pytest.raises(AnswerLost):
        app.exchange_code("single-use")
    assert len(responses.calls) == 1


@responses.activate
def test_idempotent_reads_are_still_retried_after_a_timeout() -> None:
    url = f"{BASE}/api/v3/activities/5"
    responses.get(url, body=requests.ReadTimeout("read timed out"))
    responses.get(url, json={"id": 5})
    app, sleeps = make_app()
    assert AthleteApi(app.http, "t").activity(5) == {"id": 5}
    assert sleeps == [0.01]
