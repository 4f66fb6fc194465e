"""Traffic accounting: endpoint classes, athletes, windows, 429s and token-refresh races."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import requests

from strava_rehab.sandbox import Sandbox
from strava_rehab.sandbox.traffic import TrafficReport

from .support import CLIENT_ID, CLIENT_SECRET, bearer, login


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


def test_calls_by_class_athlete_and_window(sandbox: Sandbox, http: requests.Session) -> None:
    token = login(sandbox, http)  # authorize + code exchange: "other"
    api = f"{sandbox.url}/api/v3"
    http.get(f"{api}/athlete", headers=bearer(token))
    listed = http.get(f"{api}/athlete/activities", headers=bearer(token)).json()
    activity_id = listed[0]["id"]
    http.get(f"{api}/activities/{activity_id}", headers=bearer(token))
    sandbox.advance_time(900)
    http.put(f"{api}/activities/{activity_id}", json={"description": "x"}, headers=bearer(token))
    http.get(f"{api}/activities/{activity_id}", headers=bearer(token))
    refresh = sandbox.authorize(sandbox.seed_athlete_id)["refresh_token"]
    assert _refresh(sandbox, http, refresh).status_code == 200
    app_params: dict[str, str | int] = {"client_id": 1, "client_secret": "x"}
    http.get(f"{api}/push_subscriptions", params=app_params)

    report = sandbox.traffic()
    assert report.by_class == {
        "other": 3,
        "athlete": 1,
        "list": 1,
        "detail": 2,
        "put": 1,
        "token_refresh": 1,
    }
    assert report.calls == 9
    assert report.unattributed == 1  # the push subscription call is the app's, not an athlete's
    maren = report.by_athlete[1001]
    assert maren.calls == 8
    assert maren.by_class["detail"] == 2
    assert report.calls_of(1001, "put") == 1
    assert report.calls_of(424242) == 0
    assert [w.start for w in report.by_window] == [
        datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
        datetime(2026, 11, 27, 10, 15, tzinfo=UTC),
    ]
    first, second = report.by_window
    assert (first.calls, first.counted) == (5, 3)  # OAuth calls don't count toward the limit
    assert second.by_class == {"put": 1, "detail": 1, "token_refresh": 1, "other": 1}
    assert [d.calls for d in report.by_day] == [9]
    assert report.rate_limited == 0
    assert report.by_status == {"302": 1, "200": 7, "401": 1}


def test_429s_real_and_injected(sandbox: Sandbox, http: requests.Session) -> None:
    token = login(sandbox, http)
    sandbox.set_limits(read=(2, 1000))
    for _ in range(3):
        http.get(f"{sandbox.url}/api/v3/athlete", headers=bearer(token))
    sandbox.inject_fault("429")
    assert http.get(f"{sandbox.url}/api/v3/athlete", headers=bearer(token)).status_code == 429
    report = sandbox.traffic()
    assert report.rate_limited == 2
    assert report.injected_rate_limited == 1
    assert report.by_athlete[1001].rate_limited == 2
    assert report.by_window[0].rate_limited == 2


def test_sequential_refreshes_are_clean_and_a_stale_one_is_counted(
    sandbox: Sandbox, http: requests.Session
) -> None:
    current = sandbox.authorize(sandbox.seed_athlete_id)["refresh_token"]
    first = current
    for _ in range(3):
        response = _refresh(sandbox, http, current)
        assert response.status_code == 200
        current = response.json()["refresh_token"]
    assert sandbox.traffic().no_concurrent_refreshes()
    assert _refresh(sandbox, http, first).status_code == 400  # rotated away long ago
    report = sandbox.traffic()
    assert report.refresh.total == 4
    assert report.refresh.max_concurrent == 1
    assert (report.refresh.stale, report.refresh.stale_athletes) == (1, [1001])
    assert not report.no_concurrent_refreshes()
    assert _refresh(sandbox, http, "never-issued").status_code == 400
    assert sandbox.traffic().refresh.stale == 1  # unknown tokens are not "stale"


def test_two_workers_refreshing_one_athlete_at_once_are_caught(sandbox: Sandbox) -> None:
    sandbox.set_latency(refresh_latency_s=0.3)  # a refresh takes a while, as on Strava
    refresh = sandbox.authorize(sandbox.seed_athlete_id)["refresh_token"]
    other = sandbox.add_athlete("Jonas", "Weber")["id"]
    other_refresh = sandbox.authorize(other)["refresh_token"]
    statuses: list[int] = []
    barrier = threading.Barrier(3)

    def worker(token: str) -> None:
        with requests.Session() as session:
            session.trust_env = False
            barrier.wait()
            statuses.append(_refresh(sandbox, session, token).status_code)

    threads = [
        threading.Thread(target=worker, args=(token,))
        for token in (refresh, refresh, other_refresh)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 400]
    report = sandbox.traffic()
    assert report.refresh.max_concurrent == 2
    assert report.refresh.concurrent_athletes == [1001]
    assert report.by_athlete[other].max_concurrent_refreshes == 1
    assert report.refresh.stale_athletes == [1001]
    assert not report.no_concurrent_refreshes()


def test_traffic_over_http_round_trips_and_resets(sandbox: Sandbox, http: requests.Session) -> None:
    token = login(sandbox, http)
    http.get(f"{sandbox.url}/api/v3/athlete", headers=bearer(token))
    body = http.get(f"{sandbox.url}/_sandbox/traffic").json()
    assert body["by_athlete"]["1001"]["by_class"] == {"other": 2, "athlete": 1}
    assert TrafficReport.from_json(body) == sandbox.traffic()
    assert http.delete(f"{sandbox.url}/_sandbox/traffic").status_code == 204
    empty = sandbox.traffic()
    assert (empty.calls, empty.by_athlete, empty.by_window) == (0, {}, [])
    assert sandbox.calls()  # the call log is separate


def test_detail_gets_and_puts_are_counted_by_activity_with_the_first_good_put(
    sandbox: Sandbox, http: requests.Session
) -> None:
    token = login(sandbox, http)
    api = f"{sandbox.url}/api/v3"
    first, second = (int(a["id"]) for a in sandbox.activities(sandbox.seed_athlete_id)[-2:])
    http.get(f"{api}/activities/{first}", headers=bearer(token))
    sandbox.inject_fault("5xx", path_prefix=f"/api/v3/activities/{first}")
    failed = http.put(f"{api}/activities/{first}", json={"description": "x"}, headers=bearer(token))
    assert failed.status_code == 503
    sandbox.advance_time(120)
    written_at = sandbox.now()
    http.put(f"{api}/activities/{first}", json={"description": "y"}, headers=bearer(token))
    sandbox.advance_time(60)
    http.put(f"{api}/activities/{first}", json={"description": "z"}, headers=bearer(token))
    http.get(f"{api}/activities/{second}/", headers=bearer(token))
    http.get(f"{api}/athlete/activities", headers=bearer(token))

    report = sandbox.traffic()
    one, two = report.by_activity[first], report.by_activity[second]
    assert (one.athlete_id, one.detail, one.put, one.first_put_at) == (1001, 1, 3, written_at)
    assert (two.detail, two.put, two.first_put_at) == (1, 0, None)
    assert set(report.by_activity) == {first, second}  # listings are no activity's
    assert TrafficReport.from_json(report.as_json()) == report
    sandbox.reset_traffic()
    assert sandbox.traffic().by_activity == {}
