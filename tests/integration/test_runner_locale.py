"""End to end over real HTTP: each runner reads their text in their own units and language.

A US athlete (``measurement_preference = "feet"`` in GET /athlete) gets miles in the
description and the notification, with numbers that are the stored metres within rounding; a
German athlete's note after a spike gets the shin programme in German (names from
``config/exercises.de.toml``, the block's own words from the German catalogue).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.integration.conftest import ContextFactory, browser
from tests.integration.servers import NotificationSink

from strava_rehab.content.knowledge import library
from strava_rehab.db import gateway
from strava_rehab.db.models import FindingRow, SuggestionRow
from strava_rehab.sandbox import Sandbox
from strava_rehab.sandbox.seed import SEED_ATHLETE_ID
from strava_rehab.services import connect as athletes
from strava_rehab.services import jobs, runner_locale
from strava_rehab.text.description_block import END, START

MILE_M = 1609.344
GERMAN_NOTE = "linkes Schienbein tut weh, 4/10, nach dem Lauf"


@pytest.fixture
def sink() -> Iterator[NotificationSink]:
    s = NotificationSink()
    yield s
    s.close()


def _block(description: str) -> str:
    return description[description.index(START) : description.index(END) + len(END)]


def _miles(text: str) -> list[float]:
    return [float(number) for number in re.findall(r"(\d+(?:\.\d+)?) mi\b", text)]


def _long_run(sb: Sandbox, athlete_id: int, metres: float, note: str) -> int:
    run = sb.add_activity(
        athlete_id,
        name="Long Run",
        sport_type="Run",
        distance=metres,
        moving_time=int(metres / 1000 * 330),
        description=note,
    )
    return int(run["id"])


def test_a_us_runner_reads_miles_that_match_the_metres(
    make_ctx: ContextFactory, sandbox: Sandbox, sink: NotificationSink
) -> None:
    sandbox.set_measurement_preference(SEED_ATHLETE_ID, "feet")
    ctx = make_ctx(notify={"urls": [sink.apprise_url]})
    athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    assert gateway.runner_locale(ctx.db, athlete_id).measurement_preference == "feet"
    jobs.run_cycle(ctx)
    run_id = _long_run(sandbox, athlete_id, 30_000.0, "left shin sore 4/10 during the run")
    jobs.run_cycle(ctx)

    block = _block(sandbox.activity(run_id)["description"])
    assert " km" not in block
    with ctx.db.transaction() as session:
        findings = session.scalars(select(FindingRow).where(FindingRow.activity_id == run_id)).all()
        suggestion = session.scalar(
            select(SuggestionRow).where(SuggestionRow.activity_id == run_id)
        )
    assert suggestion is not None and suggestion.protocol_id == "shin_splints"
    # The analysis stays in km; every distance the runner reads is one of them, in miles.
    km_values = [v for f in findings for v in (f.value, f.reference) if v is not None]
    assert km_values
    shown = _miles(block)
    assert shown, block
    assert round(30.0 * 1000 / MILE_M, 1) in shown  # this run: 18.6 mi
    for miles in shown:
        assert any(abs(miles - km * 1000 / MILE_M) <= 0.05 for km in km_values), (miles, block)

    bodies = [n.get("message", "") for n in sink.received]
    body = next(b for b in bodies if f"/activities/{run_id}" in b)
    assert " km" not in body
    assert _miles(body) and all(
        any(abs(m - km * 1000 / MILE_M) <= 0.05 for km in km_values) for m in _miles(body)
    )


def test_a_german_note_after_a_spike_gets_the_shin_programme_in_german(
    make_ctx: ContextFactory, sandbox: Sandbox, sink: NotificationSink
) -> None:
    other = int(sandbox.add_athlete("Lena", "Vogel", athlete_id=4242)["id"])
    sandbox.set_current_athlete(other)
    # A month of easy 6 km runs, so a 14 km run is a spike.
    for days_ago in (27, 23, 19, 15, 11, 7, 4):
        start = sandbox.now() - timedelta(days=days_ago)
        sandbox.add_activity(
            other,
            name="Lauf",
            sport_type="Run",
            distance=6000.0,
            moving_time=2000,
            start_date=start.isoformat(),
        )
    ctx = make_ctx(notify={"urls": [sink.apprise_url]})
    athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    assert athlete_id == other
    jobs.run_cycle(ctx)
    run_id = _long_run(sandbox, other, 14_000.0, GERMAN_NOTE)
    jobs.run_cycle(ctx)

    description = sandbox.activity(run_id)["description"]
    assert description.startswith(GERMAN_NOTE + "\n\n")  # the runner's words, untouched
    block = _block(description)
    german = library("de")
    english = library("en")
    shin = german.protocols["shin_splints"]
    first_phase = [item.id for item in shin.phases[0].exercises]
    for exercise_id in first_phase[:3]:
        assert german.exercises[exercise_id].name in block
        assert english.exercises[exercise_id].name not in block
    assert "Reha-Vorschlag: Phase 1 von 3" in block  # the catalogue's heading
    assert "Übungen (* Dosis: klinische Praxis):" in block
    assert "Belastung: " in block  # the load warning of the spike, in German
    assert "% länger als dein längster Lauf" in block
    assert german.rules.disclaimer in block
    assert "Exercises" not in block and "Load:" not in block
    assert re.search(r"\d+,\d km", block)  # a German runner keeps kilometres, with a comma
    with ctx.db.transaction() as session:
        suggestion = session.scalar(
            select(SuggestionRow).where(SuggestionRow.activity_id == run_id)
        )
    assert suggestion is not None and suggestion.protocol_id == "shin_splints"

    bodies = [n.get("message", "") for n in sink.received]
    body = next(b for b in bodies if f"/activities/{run_id}" in b)
    assert "Programm: Schienbeinprogramm, Phase 1 von 3" in body
    assert "Schmerz im Bereich Schienbein (links) 4/10 nach dem Lauf" in body
    assert "Auf Strava ansehen:" in body and body.endswith("Powered by Strava")


def test_the_runner_may_choose_english_and_miles_over_auto(
    make_ctx: ContextFactory, sandbox: Sandbox
) -> None:
    ctx = make_ctx()
    athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    jobs.run_cycle(ctx)
    view = runner_locale.set_locale(ctx, athlete_id, units="imperial", language="en")
    assert (view.units, view.unit_system, view.language) == ("imperial", "imperial", "en")
    run_id = _long_run(sandbox, athlete_id, 30_000.0, GERMAN_NOTE)
    jobs.run_cycle(ctx)
    block = _block(sandbox.activity(run_id)["description"])
    assert "18.6 mi" in block and " km" not in block
    assert "Exercises" in block and "Übungen" not in block  # English, though the note is German


def test_refresh_profile_reads_a_changed_preference(
    make_ctx: ContextFactory, sandbox: Sandbox
) -> None:
    ctx = make_ctx()
    athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
    assert gateway.runner_locale(ctx.db, athlete_id).unit_system == "metric"
    sandbox.set_measurement_preference(athlete_id, "feet")
    before = len(sandbox.calls())
    assert athletes.refresh_profile(ctx, athlete_id) == "feet"
    calls = sandbox.calls()[before:]
    assert [(c["method"], c["path"]) for c in calls] == [("GET", "/api/v3/athlete")]
    assert gateway.runner_locale(ctx.db, athlete_id).unit_system == "imperial"
