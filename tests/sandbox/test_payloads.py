"""Every payload the sandbox serves parses with stravalib's own models."""

from __future__ import annotations

import warnings
from typing import Any
from zoneinfo import ZoneInfo

import requests
from stravalib import model

from strava_rehab.sandbox import Sandbox, SandboxConfig
from strava_rehab.sandbox.activities import DETAIL_ONLY_FIELDS

from .support import (
    CLIENT_ID,
    CLIENT_SECRET,
    FIXED_NOW,
    bearer,
    browser_authorize,
    list_all,
    login,
)

# Fields Strava sends that the generated models do not declare.
_UNDECLARED_OK = {"resource_state"}


def _declared(model_class: Any) -> set[str]:
    return set(model_class.model_fields) | _UNDECLARED_OK


def test_every_seeded_activity_parses_as_summary_and_detail(
    sandbox: Sandbox, http: requests.Session
) -> None:
    sandbox.set_limits(overall=(1000, 10000), read=(1000, 10000))
    token = login(sandbox, http)
    items, _ = list_all(sandbox, http, token, per_page=200)
    truth = sandbox.activities(sandbox.seed_athlete_id)
    assert sorted(i["id"] for i in items) == sorted(a["id"] for a in truth)
    for item in items:
        summary = model.SummaryActivity.model_validate(item)
        assert set(item) <= _declared(model.SummaryActivity), set(item) - _declared(
            model.SummaryActivity
        )
        assert not DETAIL_ONLY_FIELDS & set(item)
        assert summary.id == item["id"]
        assert float(summary.distance or 0) == item["distance"]
        response = http.get(f"{sandbox.url}/api/v3/activities/{item['id']}", headers=bearer(token))
        assert response.status_code == 200
        raw = response.json()
        detail = model.DetailedActivity.model_validate(raw)
        assert set(raw) <= _declared(model.DetailedActivity), set(raw) - _declared(
            model.DetailedActivity
        )
        assert detail.id == item["id"]
        assert set(raw) >= DETAIL_ONLY_FIELDS
        assert detail.description == raw["description"]
        assert detail.timezone is not None
        assert detail.timezone.timezone() == ZoneInfo("Europe/Berlin")
        assert detail.start_date is not None
        assert detail.start_date.utcoffset() is not None


def test_athlete_and_token_payloads_parse(sandbox: Sandbox, http: requests.Session) -> None:
    from stravalib import Client

    code = browser_authorize(sandbox, http)["code"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client = Client(requests_session=sandbox.requests_session(), rate_limit_requests=False)
        # stravalib's own token parsing, fed by the sandbox's token endpoint.
        exchanged = client.exchange_code_for_token(
            CLIENT_ID, CLIENT_SECRET, code, return_athlete=True
        )
        assert isinstance(exchanged, tuple)
        access, summary = exchanged
        refreshed = client.refresh_access_token(CLIENT_ID, CLIENT_SECRET, access["refresh_token"])
    assert access["expires_at"] == int(FIXED_NOW.timestamp()) + 21600
    assert refreshed["refresh_token"] != access["refresh_token"]
    assert summary is not None
    assert summary.id == sandbox.seed_athlete_id
    raw = http.get(f"{sandbox.url}/api/v3/athlete", headers=bearer(access["access_token"])).json()
    detailed = model.DetailedAthlete.model_validate(raw)
    assert set(raw) <= _declared(model.DetailedAthlete) | {
        "username",
        "bio",
        "badge_type_id",
        "profile_medium",
        "friend",
        "follower",
        "mutual_friend_count",
        "athlete_type",
        "date_preference",
    }
    assert detailed.firstname == "Maren"
    assert detailed.shoes
    assert detailed.shoes[0].distance
    assert detailed.shoes[0].distance > 0


def test_stravalib_client_works_end_to_end_through_the_redirect_session() -> None:
    from stravalib import Client

    with Sandbox(SandboxConfig(now=FIXED_NOW)) as sb:
        tokens = sb.authorize(sb.seed_athlete_id)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            client = Client(
                access_token=tokens["access_token"],
                requests_session=sb.requests_session(),
                rate_limit_requests=False,
            )
            activities = list(client.get_activities(limit=500))
            first = activities[0]
            assert first.id is not None
            updated = client.update_activity(first.id, description="written by stravalib ✓")
        assert len(activities) == len(sb.activities(sb.seed_athlete_id))
        assert updated.description == "written by stravalib ✓"
        assert sb.activity(first.id)["description"] == "written by stravalib ✓"
