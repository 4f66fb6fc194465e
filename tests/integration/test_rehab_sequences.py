"""Multi-week rehab sequences through the real worker cycle, against the sandbox, on a moved clock.

One clock for both sides: time-machine freezes the system clock (``tick=False``), the sandbox
reads the real clock (so it follows), and the product reads its own default clock (so it
follows too). Each simulated day the runner uploads a run to the sandbox (or logs pain by
hand), and one ``worker --once`` cycle (``jobs.run_cycle``) runs in-process. What the runner
sees is asserted where the runner sees it: the description the sandbox holds for each run, and
the notifications that reached a phone-like sink.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from cryptography.fernet import Fernet
from sqlalchemy import select
from tests.integration.conftest import CLIENT_ID, CLIENT_SECRET, browser
from tests.integration.servers import NotificationSink

from strava_rehab.content.knowledge import library
from strava_rehab.context import AppContext, open_context
from strava_rehab.db import gateway
from strava_rehab.db.engine import upgrade
from strava_rehab.db.models import SuggestionRow
from strava_rehab.sandbox import Sandbox, SandboxConfig
from strava_rehab.services import connect as athletes
from strava_rehab.services import jobs
from strava_rehab.services.pain_log import log_pain
from strava_rehab.settings import load_settings
from strava_rehab.text.description_block import END, START

# Monday 2 March 2026, 17:00 UTC: evening in Berlin (the sandbox runner's time zone).
DAY_ONE = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
HEEL_RAISE = library().exercises["high_load_heel_raise"].name


@dataclass
class Runner:
    """One athlete, the sandbox that is their Strava, and the product that serves them."""

    sandbox: Sandbox
    ctx: AppContext
    athlete_id: int
    clock: time_machine.Traveller
    sink: NotificationSink
    runs: dict[int, date] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return self.ctx.clock().date()

    def next_day(self, days: int = 1) -> None:
        self.clock.shift(timedelta(days=days))

    def run(self, note: str | None, km: float = 8.0, hour: int = 7) -> int:
        """Upload this morning's run (local wall clock) with the runner's note, if any."""
        fields: dict[str, object] = {
            "name": "Morning Run",
            "sport_type": "Run",
            "distance": km * 1000,
            "moving_time": int(km * 330),
            "start_date_local": f"{self.today.isoformat()}T{hour:02d}:30:00",
        }
        if note is not None:
            fields["description"] = note
        run_id = int(self.sandbox.add_activity(self.athlete_id, **fields)["id"])
        self.runs[run_id] = self.today
        return run_id

    def cycle(self) -> jobs.CycleReport:
        report = jobs.run_cycle(self.ctx)
        assert all(not p.error for p in report.post_run), [p.error for p in report.post_run]
        return report

    def block(self, run_id: int) -> str:
        """Our block in the description Strava holds for the run ("" when there is none)."""
        description = self.sandbox.activity(run_id).get("description") or ""
        if START not in description:
            return ""
        return description[description.index(START) : description.index(END) + len(END)]

    def week(self, run_id: int, first: date) -> int:
        return (self.runs[run_id] - first).days // 7 + 1

    def messages(self) -> list[str]:
        return [str(n.get("message", "")) for n in self.sink.received]


RunnerFactory = Callable[..., Runner]


@pytest.fixture
def make_runner(tmp_path: Path) -> Iterator[RunnerFactory]:
    """Start the clock, the sandbox and the product (settings overrides as keywords)."""
    with contextlib.ExitStack() as stack:

        def start(**overrides: Any) -> Runner:
            clock = stack.enter_context(time_machine.travel(DAY_ONE, tick=False))
            # The sandbox's clock is the (frozen, moved) system clock: no offset of its own.
            sandbox = Sandbox(
                SandboxConfig(port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, seed=False)
            )
            sandbox.start()
            stack.callback(sandbox.stop)
            sink = NotificationSink()
            stack.callback(sink.close)
            settings = load_settings(
                data_dir=tmp_path / "data",
                strava_url=sandbox.url,
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                rate_limit_max_wait_s=0,
                notify={"urls": [sink.apprise_url]},
                **overrides,
            )
            ctx = open_context(settings, backoff_s=0.01)  # the product's own (system) clock
            stack.callback(ctx.close)
            if not settings.embedded:
                upgrade(ctx.db.engine)
            athlete_id = athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id
            return Runner(sandbox, ctx, athlete_id, clock, sink)

        yield start


@pytest.fixture
def runner(make_runner: RunnerFactory) -> Runner:
    return make_runner()


def add_history(runner: Runner, *, weeks: int, km_per_week: float, runs_per_week: int = 6) -> None:
    """Earlier runs without notes, uploaded before the product connected (backfilled)."""
    first = runner.today - timedelta(days=7 * weeks)
    for offset in range(7 * weeks):
        if offset % 7 >= runs_per_week:
            continue
        day = first + timedelta(days=offset)
        runner.sandbox.add_activity(
            runner.athlete_id,
            name="Easy Run",
            sport_type="Run",
            distance=km_per_week / runs_per_week * 1000,
            moving_time=int(km_per_week / runs_per_week * 330),
            start_date_local=f"{day.isoformat()}T07:30:00",
        )


def heading(block: str) -> str:
    return block.splitlines()[1] if block else ""


def heel_raise_dose(block: str) -> str | None:
    line = next((line for line in block.splitlines() if HEEL_RAISE in line), None)
    if line is None:
        return None
    match = re.search(r"(\d+ × \d+RM)", line)
    assert match is not None, line
    return match.group(1)


# --- (a) plantar heel pain: Rathleff 2015's doses in the weeks the study gives them -------------

PLANTAR_NOTES = (
    "Heel pain 3/10 on the first steps this morning, fine once warm",
    "Easy 8k. Heel a bit sore on first steps, 3/10",
    "plantar heel 2/10 during, first steps ok",
)
# Rathleff 2015 (sources.toml rathleff2015): 12RM × 3 in weeks 1-2, 10RM × 4 from week 3,
# 8RM × 5 from week 5; and the programme's phases follow the same weeks.
RATHLEFF = {1: "3 × 12RM", 2: "3 × 12RM", 3: "4 × 10RM", 4: "4 × 10RM", 5: "5 × 8RM", 6: "5 × 8RM"}
PLANTAR_PHASE = {1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3}


def test_plantar_programme_reaches_each_heel_raise_dose_in_the_week_rathleff_gives_it(
    runner: Runner,
) -> None:
    add_history(runner, weeks=4, km_per_week=24, runs_per_week=3)
    runner.cycle()  # connect-day catch-up: the history, no suggestion for it
    first = runner.today
    run_ids: list[int] = []
    for day in range(0, 42, 2):  # every second day for six weeks
        if day:
            runner.next_day(2)
        run_ids.append(runner.run(PLANTAR_NOTES[day // 2 % len(PLANTAR_NOTES)]))
        runner.cycle()

    doses_by_week: dict[int, set[str]] = {}
    for run_id in run_ids:
        block = runner.block(run_id)
        week = runner.week(run_id, first)
        assert block, f"run of week {week} got no block"
        phase = PLANTAR_PHASE[week]
        assert f"phase {phase}" in heading(block), (week, heading(block))
        dose = heel_raise_dose(block)
        if dose is not None:  # a full plan (a reminder within the cooldown names no dose)
            assert dose == RATHLEFF[week], (week, block)
            doses_by_week.setdefault(week, set()).add(dose)
    # Every week shows its dose at least once, and never one the study gives later.
    assert {week: sorted(d) for week, d in doses_by_week.items()} == {
        week: [dose] for week, dose in RATHLEFF.items()
    }
    # The phase starts were stored and read back: phase 2 began on day 14, phase 3 on day 28.
    (state,) = [
        s
        for s in gateway.protocol_states(runner.ctx.db, runner.athlete_id)
        if s.protocol_id == "plantar_fasciitis"
    ]
    assert state.phase == 3
    assert state.started_on == first
    assert state.phase_started_on == first + timedelta(days=28)


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_a_run_with_no_note_neither_advances_nor_steps_back_and_asks_for_a_log(
    make_runner: RunnerFactory, request: pytest.FixtureRequest, database: str
) -> None:
    if database == "postgresql":
        pg_url = request.getfixturevalue("pg_url")
        runner = make_runner(database_url=pg_url, secret_key=Fernet.generate_key().decode())
    else:
        runner = make_runner()
    first = runner.today
    runner.run(PLANTAR_NOTES[0])
    runner.cycle()
    for _ in range(6):  # noted runs up to day 12: phase 1 is due to end from day 14 on
        runner.next_day(2)
        runner.run(PLANTAR_NOTES[1])
        runner.cycle()
    silent: list[int] = []
    for _ in range(3):  # days 14, 16, 18: runs with no note at all
        runner.next_day(2)
        silent.append(runner.run(None))
        runner.cycle()
    for run_id in silent:
        block = runner.block(run_id)
        assert "phase 1" in heading(block), heading(block)
        assert "Log how it felt after each run" in block, block
    runner.next_day(2)  # day 20: pain logged again, and settled: now it moves on
    logged = runner.run(PLANTAR_NOTES[2])
    runner.cycle()
    assert "phase 2 of 3" in heading(runner.block(logged))
    (state,) = gateway.protocol_states(runner.ctx.db, runner.athlete_id)
    assert state.phase == 2 and state.phase_started_on == first + timedelta(days=20)


# --- (b) high hamstring: still sore the next morning keeps it in the first phase ------------------


def sore_this_morning(runner: Runner) -> None:
    """``strava-rehab pain log "sit bone" 3 --when next_morning`` (the date defaults to today)."""
    log_pain(
        runner.ctx,
        runner.athlete_id,
        "sit bone",
        3,
        side=None,
        timing="next_morning",
        day=runner.today,
    )


def test_high_hamstring_runner_sore_every_morning_before_an_easy_evening_run_stays_in_phase_one(
    runner: Runner,
) -> None:
    """Sore each morning (logged by hand), 3/10 during each evening run, for two weeks."""
    run_ids: list[int] = []
    for day in range(14):
        if day:
            runner.next_day()
            sore_this_morning(runner)
        run_ids.append(runner.run("Sit bone sore 3/10 during the run", hour=17))
        runner.cycle()
    for run_id in run_ids:
        assert "phase 1" in heading(runner.block(run_id)), heading(runner.block(run_id))
        assert "Isometrics" in heading(runner.block(run_id))
    (state,) = gateway.protocol_states(runner.ctx.db, runner.athlete_id)
    assert state.protocol_id == "high_hamstring_tendinopathy" and state.phase == 1


def test_high_hamstring_runner_sore_the_morning_after_stays_in_phase_one(runner: Runner) -> None:
    """Every second day: sore the morning after, logged by hand on the rest day or in the next
    run's own note."""
    run_ids: list[int] = []
    for day in range(14):
        if day:
            runner.next_day()
        if day % 2 == 0:
            if day < 8:
                note = "Sit bone sore 3/10 during the run"
            else:
                note = "sit bone still sore this morning 3/10, eased during the run"
            run_ids.append(runner.run(note))
        else:
            sore_this_morning(runner)
        runner.cycle()
    for run_id in run_ids:
        assert "phase 1" in heading(runner.block(run_id)), heading(runner.block(run_id))
    (state,) = gateway.protocol_states(runner.ctx.db, runner.athlete_id)
    assert state.protocol_id == "high_hamstring_tendinopathy" and state.phase == 1


def test_high_hamstring_runner_settled_by_morning_moves_on(runner: Runner) -> None:
    """The contrast that makes the test above mean something: settled pain does move a phase."""
    first = runner.run("Sit bone sore 3/10 during the run")
    runner.cycle()
    runner.next_day(2)
    second = runner.run("sit bone 2/10 during, fine this morning")
    runner.cycle()
    assert "phase 1 of 4" in heading(runner.block(first))
    assert "phase 2 of 4" in heading(runner.block(second))


# --- (c) high mileage and deep groin pain: a femoral-neck red flag -------------------------------

GROIN_NOTE = "deep ache in the front of my hip/groin 3/10"


def test_deep_groin_ache_at_sixty_km_a_week_stops_running_without_exercises(
    runner: Runner,
) -> None:
    add_history(runner, weeks=4, km_per_week=60)
    runner.cycle()
    run_id = runner.run(GROIN_NOTE, km=10)
    runner.cycle()
    block = runner.block(run_id)
    assert "stop running and get it checked by a clinician" in block, block
    assert "Exercises" not in block
    with runner.ctx.db.read() as session:
        row = session.scalar(select(SuggestionRow).where(SuggestionRow.activity_id == run_id))
        assert row is not None
        assert row.kind == "see_clinician" and row.exercises == []
    (message,) = [m for m in runner.messages() if "clinician" in m]
    assert message.startswith("Stop running and see a clinician")
    assert "femoral neck" in message and "60 km a week" in message
    assert "Exercises:" not in message


def test_deep_groin_ache_at_fifteen_km_a_week_is_a_caution_not_a_referral(
    runner: Runner,
) -> None:
    add_history(runner, weeks=4, km_per_week=15, runs_per_week=3)
    runner.cycle()
    run_id = runner.run(GROIN_NOTE, km=5)
    runner.cycle()
    block = runner.block(run_id)
    assert "stop running" not in block.lower()
    with runner.ctx.db.read() as session:
        row = session.scalar(select(SuggestionRow).where(SuggestionRow.activity_id == run_id))
        assert row is not None and row.kind != "see_clinician"
    assert any("femoral neck" in m for m in runner.messages())  # the site caution


# --- (d) a note nobody can read is never silently dropped ----------------------------------------


def test_an_unreadable_note_is_named_in_the_notification_with_how_to_log_it(
    runner: Runner,
) -> None:
    run_id = runner.run("Easy one. zzkx qwv 4/10")
    runner.cycle()
    (message,) = runner.messages()
    assert "Not understood in your note:" in message
    assert "'zzkx qwv 4/10'" in message
    assert "strava-rehab pain log REGION SCORE" in message
    # Nothing public to say: the description stays the runner's own.
    assert runner.sandbox.activity(run_id)["description"] == "Easy one. zzkx qwv 4/10"
    runner.cycle()  # and only once
    assert len(runner.messages()) == 1


def test_an_unreadable_fragment_next_to_a_known_pain_is_named_too(runner: Runner) -> None:
    runner.run("left shin sore 3/10. zzkx qwv 4/10")
    runner.cycle()
    (message,) = runner.messages()
    assert "shin" in message.lower()
    assert "'zzkx qwv 4/10'" in message
    assert "strava-rehab pain log REGION SCORE" in message
