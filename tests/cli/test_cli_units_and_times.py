"""CLI tables in the runner's units (--units) and times in the athlete's own zone, labelled."""

from __future__ import annotations

import json
import re

import pytest
import requests
import time_machine
from tests.cli.test_json_times import cli, seeded  # noqa: F401 - the seeded database fixture

from strava_rehab.cli.output import local_time
from strava_rehab.sandbox import Sandbox


def connect(capsys: pytest.CaptureFixture[str], sandbox: Sandbox) -> None:
    params: dict[str, str | int] = {
        "client_id": 12345,
        "redirect_uri": "http://localhost/cb",
        "response_type": "code",
        "scope": "read,activity:read_all,activity:write",
        "state": "s",
    }
    authorize = requests.get(
        f"{sandbox.url}/oauth/authorize", params=params, allow_redirects=False, timeout=5
    ).headers["Location"]
    cli(capsys, "connect", "--code", authorize)
    cli(capsys, "sync")


def test_tables_in_miles_and_times_in_the_athletes_zone(
    capsys: pytest.CaptureFixture[str],
    seeded: Sandbox,  # noqa: F811
) -> None:
    connect(capsys, seeded)
    _, out = cli(capsys, "activities", "--json", "--limit", "5")
    km = {a["activity_id"]: a["distance_km"] for a in json.loads(out)}

    _, metric = cli(capsys, "activities", "--limit", "5")
    _, imperial = cli(capsys, "activities", "--limit", "5", "--units", "imperial")
    assert re.search(r"\bkm\b", metric.splitlines()[1]) and "mi" not in metric.splitlines()[1]
    assert re.search(r"\bmi\b", imperial.splitlines()[1])
    for line in imperial.splitlines()[2:]:
        activity_id, _, _, miles, *_ = line.split()
        assert float(miles) == pytest.approx(km[int(activity_id)] / 1.609344, abs=0.006)

    _, figures = cli(capsys, "analyze", "--units", "imperial")
    last_7 = re.search(r"last 7 days\s+(\d+\.\d) mi", figures)
    _, analysis = cli(capsys, "analyze", "--json")
    assert last_7 and float(last_7.group(1)) == pytest.approx(
        json.loads(analysis)["metrics"]["last_7d_km"] / 1.609344, abs=0.051
    )

    # The sandbox's runner runs in Berlin: the last sync is shown there, labelled.
    _, athletes = cli(capsys, "athletes")
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d CE(S)?T", athletes), athletes


def test_an_unknown_unit_system_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from strava_rehab.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["activities", "--units", "furlongs"])
    _, err = capsys.readouterr()
    assert exit_.value.code == 1
    assert err.strip() == "error: --units 'furlongs': give one of metric, imperial"


@time_machine.travel("2026-12-01 17:47:28+00:00", tick=False)
def test_local_time_labels_the_zone() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    at = datetime.now(UTC)
    assert local_time(at, ZoneInfo("Europe/Berlin")) == "2026-12-01 18:47 CET"
    assert local_time(at.isoformat(), ZoneInfo("America/New_York")) == "2026-12-01 12:47 EST"
    assert local_time(at.replace(tzinfo=None), None) == "2026-12-01 17:47 UTC"
    assert local_time(None, None) == "never"
