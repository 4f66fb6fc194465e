"""Seeded populations: determinism, habits, pain notes, tokens, long histories and speed."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from strava_rehab.sandbox import PopulationSpec, Sandbox
from strava_rehab.sandbox.activities import new_activity_fields
from strava_rehab.sandbox.population import make_habits, plan_day, population_run_fields

from .support import CLIENT_ID, CLIENT_SECRET, FIXED_NOW, bearer, exchange_code, fast_config


def _runs(sb: Sandbox, athlete_id: int) -> list[tuple[str, float, str | None]]:
    return [(a["start_date"], a["distance"], a["description"]) for a in sb.activities(athlete_id)]


def test_same_spec_same_population_and_schedule() -> None:
    spec = PopulationSpec(athletes=8, seed=7, title_update_rate=0.2, late_note_rate=0.2)
    with Sandbox(fast_config()) as first, Sandbox(fast_config()) as second:
        one, two = first.seed_population(spec), second.seed_population(spec)
        assert [a["habits"] for a in one["athletes"]] == [a["habits"] for a in two["athletes"]]
        for athlete in one["athletes"]:
            assert first.activities(athlete["athlete_id"]) == second.activities(
                athlete["athlete_id"]
            )
        assert first.schedule(include_pending=True) == second.schedule(include_pending=True)
    with Sandbox(fast_config(seed=False)) as other:
        other.seed_population(PopulationSpec(athletes=8, seed=8))
        assert _runs(other, 100_001) != _runs(first, 100_001)


def test_an_athlete_does_not_depend_on_the_population_size() -> None:
    with Sandbox(fast_config(seed=False)) as small, Sandbox(fast_config(seed=False)) as big:
        small.seed_population(athletes=3)
        big.seed_population(athletes=20)
        for athlete_id in (100_001, 100_002, 100_003):
            assert _runs(small, athlete_id) == _runs(big, athlete_id)


def test_habits_two_runs_a_day_at_usual_times_in_varied_zones() -> None:
    with Sandbox(fast_config(seed=False)) as sb:
        body = sb.seed_population(athletes=50, history_days=14, schedule_days=0)
        zones = {a["timezone"] for a in body["athletes"]}
        assert len(zones) >= 8
        assert body["activities"] == sum(
            len(sb.activities(a["athlete_id"])) for a in body["athletes"]
        )
        for athlete in body["athletes"][:10]:
            zone = ZoneInfo(athlete["timezone"])
            today = FIXED_NOW.astimezone(zone).date()
            per_day = Counter(
                datetime.fromisoformat(a["start_date"].replace("Z", "+00:00"))
                .astimezone(zone)
                .date()
                for a in sb.activities(athlete["athlete_id"])
            )
            full_days = [today - timedelta(days=k) for k in range(2, 14)]
            # Upload times sit within ±90 min of the habit, so a run can slip over midnight
            # only for a few athletes; the vast majority of days hold exactly two runs.
            assert sum(per_day[d] == 2 for d in full_days) >= len(full_days) - 2
            assert len(athlete["habits"]["upload_times"]) == 2
            morning, evening = athlete["habits"]["upload_times"]
            assert "05:30" <= morning <= "08:30" and "17:00" <= evening <= "20:30"


def test_runs_per_day_and_pain_rate_are_configurable() -> None:
    with Sandbox(fast_config(seed=False)) as sb:
        sb.seed_population(athletes=20, runs_per_day=1, pain_rate=0.5, history_days=20)
        runs = [a for i in range(20) for a in sb.activities(100_001 + i)]
        assert 20 * 19 <= len(runs) <= 20 * 21
        pained = [a for a in runs if a["description"] and "/10" in a["description"]]
        assert 0.4 < len(pained) / len(runs) < 0.6
        assert all(a["sport_type"] == "Run" for a in runs)
    with Sandbox(fast_config(seed=False)) as sb:
        sb.seed_population(athletes=5, pain_rate=0.0)
        assert not any(
            a["description"] and "/10" in a["description"]
            for i in range(5)
            for a in sb.activities(100_001 + i)
        )


def test_pain_notes_look_like_runners_write_them() -> None:
    spec = PopulationSpec(athletes=1, pain_rate=1.0)
    habits = make_habits(spec, 0)
    runs = plan_day(spec, habits, FIXED_NOW.date(), FIXED_NOW.date())
    for run in runs:
        assert run.fields["description"].endswith("/10")
        assert any(side in run.fields["description"].lower() for side in ("left", "right"))


def test_planned_run_fields_match_what_the_sandbox_fills_in() -> None:
    spec = PopulationSpec(athletes=1)
    run = plan_day(spec, make_habits(spec, 0), FIXED_NOW.date(), FIXED_NOW.date())[0]
    expected = new_activity_fields(run.start, "Europe/Berlin", dict(run.fields), 77)
    assert population_run_fields(run.fields, 77) == expected


def test_pre_authorized_tokens_work_and_stay_current(http: requests.Session) -> None:
    with Sandbox(fast_config(seed=False)) as sb:
        body = http.post(f"{sb.url}/_sandbox/population", json={"athletes": 3}).json()
        first = body["athletes"][0]
        token = first["token"]
        assert token["scope"] == "read,activity:read_all,activity:write"
        me = http.get(f"{sb.url}/api/v3/athlete", headers=bearer(token["access_token"]))
        assert me.json()["id"] == first["athlete_id"] == 100_001
        listed = http.get(
            f"{sb.url}/api/v3/athlete/activities",
            params={"per_page": 200},
            headers=bearer(token["access_token"]),
        ).json()
        assert len(listed) == len(sb.activities(100_001))
        refreshed = http.post(
            f"{sb.url}/oauth/token",
            data={
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "grant_type": "refresh_token",
                "refresh_token": token["refresh_token"],
            },
        ).json()
        again = http.get(f"{sb.url}/_sandbox/population").json()["athletes"][0]["token"]
        assert again["refresh_token"] == refreshed["refresh_token"] != token["refresh_token"]
        assert (
            http.get(f"{sb.url}/_sandbox/population?tokens=false")
            .json()["athletes"][0]
            .get("token")
            is None
        )
        sb.revoke(100_002)
        assert sb.population_json()["athletes"][1]["token"] is None


def test_unauthorized_population_connects_through_oauth_codes(http: requests.Session) -> None:
    with Sandbox(fast_config(seed=False)) as sb:
        body = sb.seed_population(athletes=2, authorize=False)
        assert body["athletes"][0]["token"] is None
        code = http.post(f"{sb.url}/_sandbox/athletes/100002/code", json={}).json()
        assert code["scope"] == "read,activity:read_all,activity:write"
        exchanged = exchange_code(sb, http, code["code"])
        assert exchanged.json()["athlete"]["id"] == 100_002


def test_population_at_start_and_errors(http: requests.Session) -> None:
    with Sandbox(fast_config(population=PopulationSpec(athletes=2))) as sb:
        assert sb.state()["athletes"] == [1001, 100_001, 100_002]
        again = http.post(f"{sb.url}/_sandbox/population", json={"athletes": 2})
        assert again.status_code == 400
        assert "already has a population" in again.json()["error"]
    with Sandbox(fast_config()) as sb:
        assert http.get(f"{sb.url}/_sandbox/population").status_code == 404
        typo = http.post(f"{sb.url}/_sandbox/population", json={"athlets": 2})
        assert typo.status_code == 400 and "athletes" in typo.json()["error"]
        assert http.post(f"{sb.url}/_sandbox/population", json={"athletes": 0}).status_code == 400
        bad_zone = http.post(
            f"{sb.url}/_sandbox/population", json={"athletes": 1, "timezones": ["Mars/Base"]}
        )
        assert bad_zone.status_code == 400


def test_ten_years_for_one_athlete_pages_by_time(http: requests.Session) -> None:
    with Sandbox(fast_config(seed=False)) as sb:
        body = sb.seed_population(athletes=2, long_history_years=10, runs_per_day=1)
        long_one, normal = (len(sb.activities(a["athlete_id"])) for a in body["athletes"])
        assert long_one > 3600 and normal < 50
        token = body["athletes"][0]["token"]["access_token"]
        after = int(datetime(2020, 1, 1, tzinfo=UTC).timestamp())
        before = int(datetime(2020, 2, 1, tzinfo=UTC).timestamp())
        january = http.get(
            f"{sb.url}/api/v3/athlete/activities",
            params={"after": after, "before": before, "per_page": 200},
            headers=bearer(token),
        ).json()
        assert 29 <= len(january) <= 33
        assert all("2020-01" in a["start_date"] or "2020-02-01" in a["start_date"] for a in january)


def test_seeding_a_thousand_athletes_is_fast() -> None:
    with Sandbox(fast_config(seed=False)) as sb:
        started = time.perf_counter()
        body = sb.seed_population(athletes=1000, history_days=42)
        elapsed = time.perf_counter() - started
        assert body["activities"] > 1000 * 42 * 2
        assert len(body["athletes"]) == 1000
        # Generous for loaded CI machines; typically 1-2 s (see the README).
        assert elapsed < 20, elapsed


@pytest.mark.parametrize("rate", [-0.1, 1.5])
def test_rates_are_checked(rate: float) -> None:
    with pytest.raises(ValueError, match="pain_rate"):
        PopulationSpec(pain_rate=rate)
