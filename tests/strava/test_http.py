"""The Strava adapter against Strava's documented responses (unit tests with ``responses``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pytest
import requests
import responses

from strava_rehab.strava.api import AthleteApi, StravaApp
from strava_rehab.strava.errors import (
    ApplicationInactive,
    BadRequest,
    MissingScope,
    NotFound,
    RateLimitReached,
    TransientStravaError,
    Unauthorized,
)
from strava_rehab.strava.http import StravaHttp
from strava_rehab.strava.rate_budget import UnlimitedBudget

BASE = "https://strava.test"
NOW = datetime(2026, 11, 27, 9, 7, tzinfo=UTC)
HEADERS = {
    "X-RateLimit-Limit": "200,2000",
    "X-RateLimit-Usage": "10,50",
    "X-ReadRateLimit-Limit": "100,1000",
    "X-ReadRateLimit-Usage": "10,50",
}


class RecordingBudget(UnlimitedBudget):
    def __init__(self) -> None:
        self.reserved = 0
        self.observed: list[dict[str, str]] = []

    def reserve(self, kind: str, now: datetime) -> None:  # type: ignore[override]
        self.reserved += 1

    def observe(self, headers: Mapping[str, str], now: datetime) -> None:  # type: ignore[override]
        self.observed.append(dict(headers))


def make_http(budget: RecordingBudget | None = None, retries: int = 2) -> StravaHttp:
    sleeps: list[float] = []
    http = StravaHttp(
        BASE,
        budget=budget,
        max_retries=retries,
        backoff_s=0.01,
        clock=lambda: NOW,
        sleep=sleeps.append,
    )
    http.sleeps = sleeps  # type: ignore[attr-defined]
    return http


@responses.activate
def test_every_call_goes_to_the_configured_host_with_bearer_token() -> None:
    responses.get(f"{BASE}/api/v3/athlete", json={"id": 7, "firstname": "A"}, headers=HEADERS)
    budget = RecordingBudget()
    athlete = AthleteApi(make_http(budget), "tok-123").athlete()
    assert athlete.id == 7
    call = responses.calls[0]
    assert call.request.headers["Authorization"] == "Bearer tok-123"
    assert budget.reserved == 1
    assert budget.observed[0]["X-ReadRateLimit-Usage"] == "10,50"


@responses.activate
def test_paging_continues_past_short_pages_until_an_empty_one() -> None:
    pages = [[{"id": i} for i in range(200)], [{"id": 1000}], [{"id": 1001}, {"id": 1002}], []]
    for body in pages:
        responses.get(f"{BASE}/api/v3/athlete/activities", json=body, headers=HEADERS)
    api = AthleteApi(make_http(), "t")
    got = [(page, len(items)) for page, items in api.activity_pages(after=100)]
    assert got == [(1, 200), (2, 1), (3, 2)]
    assert len(responses.calls) == 4  # stravalib would have stopped after page 2
    assert "after=100" in str(responses.calls[0].request.url)
    assert "per_page=200" in str(responses.calls[0].request.url)


@responses.activate
def test_5xx_is_retried_with_backoff_then_succeeds() -> None:
    responses.get(f"{BASE}/api/v3/activities/5", status=503, json={"message": "down"})
    responses.get(f"{BASE}/api/v3/activities/5", json={"id": 5}, headers=HEADERS)
    http = make_http()
    assert AthleteApi(http, "t").activity(5) == {"id": 5}
    assert http.sleeps == [0.01]  # type: ignore[attr-defined]


@responses.activate
def test_5xx_and_dropped_connections_give_up_after_bounded_retries() -> None:
    responses.get(f"{BASE}/api/v3/activities/5", status=502)
    with pytest.raises(TransientStravaError, match="next run retries"):
        AthleteApi(make_http(retries=2), "t").activity(5)
    assert len(responses.calls) == 3
    responses.replace(
        responses.GET, f"{BASE}/api/v3/activities/5", body=requests.ConnectionError("reset")
    )
    http = make_http(retries=1)
    with pytest.raises(TransientStravaError, match="did not answer"):
        AthleteApi(http, "t").activity(5)
    assert http.sleeps == [0.01]  # type: ignore[attr-defined]


@responses.activate
def test_429_is_not_retried_and_says_when_work_resumes() -> None:
    responses.get(
        f"{BASE}/api/v3/athlete/activities",
        status=429,
        json={"message": "Rate Limit Exceeded"},
        headers={**HEADERS, "X-ReadRateLimit-Usage": "101,300"},
    )
    with pytest.raises(RateLimitReached) as err:
        AthleteApi(make_http(), "t").activity_page(after=None, before=None, page=1)
    assert err.value.resume_at == datetime(2026, 11, 27, 9, 15, tzinfo=UTC)
    assert "resumes at 09:15 UTC" in str(err.value)
    assert len(responses.calls) == 1


@responses.activate
def test_429_seconds_before_the_window_turns_is_retried_once_it_has() -> None:
    moments = iter(
        [datetime(2026, 11, 27, 9, 14, 50, tzinfo=UTC)] * 4
        + [datetime(2026, 11, 27, 9, 15, 1, tzinfo=UTC)] * 4
    )
    sleeps: list[float] = []
    http = StravaHttp(BASE, max_retries=2, clock=lambda: next(moments), sleep=sleeps.append)
    responses.get(
        f"{BASE}/api/v3/activities/5", status=429, json={"message": "Rate Limit"}, headers=HEADERS
    )
    responses.get(f"{BASE}/api/v3/activities/5", json={"id": 5}, headers=HEADERS)
    assert AthleteApi(http, "t").activity(5) == {"id": 5}
    assert sleeps == [pytest.approx(11.0)]  # until 09:15:00, plus a second


@responses.activate
def test_429_on_the_daily_limit_resumes_at_utc_midnight() -> None:
    responses.get(
        f"{BASE}/api/v3/athlete",
        status=429,
        json={"message": "Rate Limit Exceeded"},
        headers={**HEADERS, "X-ReadRateLimit-Usage": "40,1000"},
    )
    with pytest.raises(RateLimitReached) as err:
        AthleteApi(make_http(), "t").athlete()
    assert err.value.resume_at == datetime(2026, 11, 28, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (
            401,
            {
                "message": "Authorization Error",
                "errors": [{"resource": "Athlete", "field": "access_token", "code": "invalid"}],
            },
            Unauthorized,
        ),
        (
            401,
            {
                "message": "Authorization Error",
                "errors": [
                    {
                        "resource": "AccessToken",
                        "field": "activity:write_permission",
                        "code": "missing",
                    }
                ],
            },
            MissingScope,
        ),
        (
            403,
            {
                "message": "Forbidden",
                "errors": [{"resource": "Application", "field": "Status", "code": "Inactive"}],
            },
            ApplicationInactive,
        ),
        (404, {"message": "Record Not Found", "errors": []}, NotFound),
        (400, {"message": "Bad Request", "errors": []}, BadRequest),
    ],
)
@responses.activate
def test_error_mapping(status: int, body: dict[str, object], error: type[Exception]) -> None:
    responses.put(f"{BASE}/api/v3/activities/9", status=status, json=body)
    with pytest.raises(error):
        AthleteApi(make_http(), "t").update_description(9, "x")


def test_inactive_app_says_what_the_owner_must_do() -> None:
    message = str(ApplicationInactive())
    assert "subscription" in message and "settings/api" in message


@responses.activate
def test_oauth_calls_do_not_spend_the_api_budget_and_hide_tokens() -> None:
    responses.post(
        f"{BASE}/oauth/token",
        json={
            "token_type": "Bearer",
            "access_token": "AAA-secret",
            "refresh_token": "RRR-secret",
            "expires_at": 1_800_000_000,
            "expires_in": 21600,
            "athlete": {"id": 42},
        },
    )
    budget = RecordingBudget()
    app = StravaApp(make_http(budget), 12345, "client-secret")
    grant = app.exchange_code("the-code")
    assert grant.athlete_id == 42
    assert grant.expires_at == datetime.fromtimestamp(1_800_000_000, UTC)
    assert budget.reserved == 0
    assert "AAA-secret" not in repr(grant) and "RRR-secret" not in str(grant)
    sent = str(responses.calls[0].request.body)
    assert "grant_type=authorization_code" in sent and "code=the-code" in sent


def test_authorize_url_uses_the_configured_host() -> None:
    app = StravaApp(make_http(), 12345, "s")
    url = app.authorize_url("http://127.0.0.1:9/cb", "read,activity:write", "st4te", "force")
    assert url.startswith(f"{BASE}/oauth/authorize?")
    assert "client_id=12345" in url and "state=st4te" in url and "approval_prompt=force" in url
    assert "scope=read%2Cactivity%3Awrite" in url
