"""Many athletes at once: parallel clients, a moving clock and consistent accounting."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from strava_rehab.sandbox import Sandbox

from .support import bearer, fast_config


def test_parallel_clients_for_many_athletes_while_the_day_unfolds() -> None:
    with Sandbox(fast_config(seed=False, quota_tier="extended")) as sb:
        body = sb.seed_population(athletes=200, history_days=7, schedule_days=1)
        tokens = {a["athlete_id"]: a["token"]["access_token"] for a in body["athletes"]}
        stop = threading.Event()

        def clock() -> None:
            # Five hours of uploads firing meanwhile (access tokens live six).
            for _ in range(30):
                if stop.is_set():
                    return
                sb.advance_time(600)

        def client(athlete_id: int) -> list[int]:
            with requests.Session() as http:
                http.trust_env = False
                statuses = []
                listed = http.get(
                    f"{sb.url}/api/v3/athlete/activities",
                    params={"per_page": 5},
                    headers=bearer(tokens[athlete_id]),
                )
                statuses.append(listed.status_code)
                assert listed.status_code == 200, listed.text
                for activity in listed.json()[:2]:
                    url = f"{sb.url}/api/v3/activities/{activity['id']}"
                    statuses.append(http.get(url, headers=bearer(tokens[athlete_id])).status_code)
                    assert activity["athlete"]["id"] == athlete_id
                    put = http.put(
                        url, json={"description": "ok"}, headers=bearer(tokens[athlete_id])
                    )
                    statuses.append(put.status_code)
                return statuses

        mover = threading.Thread(target=clock)
        mover.start()
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(client, tokens))
        stop.set()
        mover.join()
        assert sb.schedule()["fired"] > 0
        assert all(status == 200 for statuses in results for status in statuses)
        report = sb.traffic()
        assert report.calls == sum(len(s) for s in results) == 200 * 5
        assert set(report.by_athlete) == set(tokens)
        assert all(
            t.by_class == {"list": 1, "detail": 2, "put": 2} for t in report.by_athlete.values()
        )
        assert report.rate_limited == 0
        assert sum(w.calls for w in report.by_window) == report.calls
