"""GET /athlete/activities: ordering, filters, per_page clamp and Strava's short pages."""

from __future__ import annotations

from datetime import datetime

import requests

from strava_rehab.sandbox import Sandbox

from .support import bearer, list_all, login


def _epoch(iso_z: str) -> int:
    return int(datetime.fromisoformat(iso_z.replace("Z", "+00:00")).timestamp())


def _page(
    sb: Sandbox, http: requests.Session, token: str, **params: str | int
) -> list[dict[str, object]]:
    response = http.get(f"{sb.url}/api/v3/athlete/activities", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    result: list[dict[str, object]] = response.json()
    return result


def test_default_listing_is_newest_first_thirty_per_page(
    sandbox: Sandbox, http: requests.Session
) -> None:
    token = login(sandbox, http)
    items = _page(sandbox, http, token)
    truth = sandbox.activities(sandbox.seed_athlete_id)  # oldest first
    assert [i["id"] for i in items] == [a["id"] for a in reversed(truth)][:30]


def test_only_after_lists_oldest_first_and_filters_strictly(
    sandbox: Sandbox, http: requests.Session
) -> None:
    token = login(sandbox, http)
    truth = sandbox.activities(sandbox.seed_athlete_id)
    pivot = _epoch(truth[100]["start_date"])
    items = _page(sandbox, http, token, after=pivot, per_page=200)
    assert [i["id"] for i in items] == [a["id"] for a in truth[101:]]


def test_before_and_after_together_list_newest_first(
    sandbox: Sandbox, http: requests.Session
) -> None:
    token = login(sandbox, http)
    truth = sandbox.activities(sandbox.seed_athlete_id)
    after, before = _epoch(truth[10]["start_date"]), _epoch(truth[20]["start_date"])
    items = _page(sandbox, http, token, after=after, before=before)
    assert [i["id"] for i in items] == [a["id"] for a in reversed(truth[11:20])]
    only_before = _page(sandbox, http, token, before=before, per_page=5)
    assert [i["id"] for i in only_before] == [a["id"] for a in reversed(truth[15:20])]


def test_per_page_is_clamped_to_200(sandbox: Sandbox, http: requests.Session) -> None:
    for index in range(70):  # 140 seeded + 70 = 210 > 200
        sandbox.add_activity(sandbox.seed_athlete_id, start_date=f"2026-11-27T0{index % 10}:00:00Z")
    token = login(sandbox, http)
    assert len(_page(sandbox, http, token, per_page=500)) == 200
    assert len(_page(sandbox, http, token, per_page=500, page=2)) == 10


def test_bad_paging_parameters_get_a_400(sandbox: Sandbox, http: requests.Session) -> None:
    token = login(sandbox, http)
    response = http.get(
        f"{sandbox.url}/api/v3/athlete/activities",
        params={"page": "two"},
        headers=bearer(token),
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "page"


def test_short_pages_before_the_end_and_nothing_lost(
    sandbox: Sandbox, http: requests.Session
) -> None:
    athlete = sandbox.seed_athlete_id
    truth = sandbox.activities(athlete)
    for victim in (truth[-3], truth[-4], truth[60], truth[61], truth[62]):
        sandbox.delete_activity(victim["id"])
    token = login(sandbox, http, scope="read,activity:read")  # no read_all: private runs hidden
    items, sizes = list_all(sandbox, http, token, per_page=10)
    expected = [a["id"] for a in reversed(sandbox.activities(athlete)) if not a["private"]]
    ids = [i["id"] for i in items]
    assert ids == expected  # every visible run exactly once, in order
    assert len(ids) == len(set(ids))
    short_not_last = [size for size in sizes[:-1] if size < 10]
    assert short_not_last, f"expected a short page before the end, got sizes {sizes}"
    # A stop-at-first-short-page client (stravalib's behaviour) would have missed runs.
    first_short = next(i for i, size in enumerate(sizes) if size < 10)
    assert sum(sizes[: first_short + 1]) < len(expected)


def test_read_all_sees_private_runs(sandbox: Sandbox, http: requests.Session) -> None:
    token = login(sandbox, http, scope="read,activity:read_all")
    items, _ = list_all(sandbox, http, token, per_page=200)
    assert sum(1 for i in items if i["private"]) == 1
    assert len(items) == len(sandbox.activities(sandbox.seed_athlete_id))


def test_tombstones_leave_the_index_after_retention(
    sandbox: Sandbox, http: requests.Session
) -> None:
    newest = sandbox.activities(sandbox.seed_athlete_id)[-1]
    sandbox.delete_activity(newest["id"])
    token = login(sandbox, http)
    assert len(_page(sandbox, http, token, per_page=10)) == 9
    sandbox.advance_time(sandbox.config.tombstone_retention_s + 1)
    token = login(sandbox, http)
    assert len(_page(sandbox, http, token, per_page=10)) == 10


def test_each_athlete_lists_only_their_own(sandbox: Sandbox, http: requests.Session) -> None:
    other = sandbox.add_athlete("Jonas", "Weber", timezone="America/New_York")
    created = sandbox.add_activity(other["id"], distance=7000.0, name="Jonas' run")
    sandbox.set_current_athlete(other["id"])
    token = login(sandbox, http)
    items, _ = list_all(sandbox, http, token)
    assert [i["id"] for i in items] == [created["id"]]
    assert items[0]["timezone"].endswith("America/New_York")
