"""What the runner's own page offers, from the command line: their plan, and their data."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from strava_rehab.cli import app, context
from strava_rehab.cli.options import AthleteOpt, JsonOpt, one_athlete
from strava_rehab.cli.output import emit_json, say

if TYPE_CHECKING:
    from strava_rehab.dashboard import PlanView


@app.command()
def plan(athlete: AthleteOpt = None, as_json: JsonOpt = False) -> None:
    """The current rehab plan, as the runner's page shows it: phase, exercises, doses, rules."""
    from strava_rehab.content.knowledge import library
    from strava_rehab.services import runner_page

    ctx = context()
    athlete_id = one_athlete(ctx, athlete)
    today = runner_page.local_today(ctx, athlete_id)
    plans = runner_page.current_plans(ctx, athlete_id, today)
    disclaimer = library().rules.disclaimer
    if as_json:
        emit_json(
            {
                "athlete_id": athlete_id,
                "as_of": today.isoformat(),
                "plans": [p.model_dump() for p in plans],
                "disclaimer": disclaimer,
            }
        )
        return
    if not plans:
        say("No rehab plan in progress. When a pain note or a spike calls for one, it shows here.")
    for item in plans:
        _print_plan(item)
    say(disclaimer)


def _print_plan(item: PlanView) -> None:
    from strava_rehab.dashboard import format_date
    from strava_rehab.dashboard.units import format_score

    heading = item.protocol_name
    if item.phase is not None:
        heading += f": phase {item.phase} of {item.phase_count}, {item.phase_name}"
    print(heading)
    since = f"  {item.condition}. Since {format_date(item.started_on)}"
    if item.phase is not None:
        since += f"; this phase since {format_date(item.phase_since)}"
    if item.last_score is not None:
        since += f"; last pain {format_score(item.last_score)}"
    print(since + ".")
    if item.phase_goal:
        print(f"  This phase: {item.phase_goal}")
    if item.exercises or item.options:
        print("  Exercises:")
    for rx in [*item.exercises, *item.options]:
        prefix = "or instead: " if rx.option else ""
        print(f"    - {prefix}{rx.name} ({rx.target}): {rx.dose}")
        for cue in rx.cues:
            print(f"        {cue}")
    for title, lines in (
        ("What moves you on", item.move_on),
        ("What steps you back", item.step_back),
        ("Running", item.load_advice),
        ("Avoid", item.avoid),
        ("Cautions", item.cautions),
    ):
        if lines:
            print(f"  {title}:")
            for line in lines:
                print(f"    - {line}")
    print()


@app.command()
def export(
    out: Annotated[
        Path, typer.Option("--out", help="The zip file to write (mode 0600).", dir_okay=False)
    ],
    athlete: AthleteOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    """Download an athlete's data: a zip with JSON and CSV of activities, pain reports,
    findings, suggestions and deliveries (the page's "download my data")."""
    from strava_rehab.services import export as exports

    ctx = context()
    athlete_id = one_athlete(ctx, athlete)
    size = exports.write_export(ctx, athlete_id, out, force=force)
    say(f"Wrote the data of athlete {athlete_id} to {out} ({size:,} bytes, readable only by you).")
