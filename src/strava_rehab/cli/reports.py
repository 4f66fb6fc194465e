"""What the runner reads: the load analysis, the pain log and the suggestions."""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer

from strava_rehab.cli import app, context
from strava_rehab.cli.options import (
    AthleteOpt,
    JsonOpt,
    UnitsOpt,
    check_date,
    check_region,
    one_athlete,
    parse_date,
    unit_system,
)
from strava_rehab.cli.output import emit_json, listing, say, table
from strava_rehab.text.units import distance, distance_unit, distance_value

# --- analysis ------------------------------------------------------------------------------------


@app.command()
def analyze(
    athlete: AthleteOpt = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--date", help="Analyse as of this local date (YYYY-MM-DD).", callback=check_date
        ),
    ] = None,
    units: UnitsOpt = "metric",
    as_json: JsonOpt = False,
) -> None:
    """Mileage-spike analysis: recent days, current figures, findings and their evidence."""
    from strava_rehab.services import reports

    system = unit_system(units)
    unit = distance_unit(system)
    ctx = context()
    athlete_id = one_athlete(ctx, athlete)
    as_of = parse_date(on) or ctx.clock().date()
    report = reports.analysis(ctx, athlete_id, as_of)
    recent = [f for f in report.findings if (as_of - f.local_date).days < 42]
    if as_json:
        emit_json(
            {
                "athlete_id": athlete_id,
                "as_of": as_of,
                "metrics": report.metrics.model_dump(),
                "recent_days": [d.model_dump() for d in report.recent_days],
                "findings": [f.model_dump() for f in recent],
            }
        )
        return
    table(
        f"Last 14 days to {as_of}",
        ["date", unit, "runs"],
        [[d.local_date, f"{distance_value(d.km, system):.1f}", d.runs] for d in report.recent_days],
    )
    m = report.metrics

    def fmt(value: float | None, spec: str = ".2f") -> str:
        return "-" if value is None else format(value, spec)

    longest_km = m.longest_run_30d_km
    longest = f"- {unit}" if longest_km is None else distance(longest_km, system)

    table(
        "Current figures",
        ["figure", "value", "note"],
        [
            ["last 7 days", distance(m.last_7d_km, system), ""],
            ["previous 7 days", distance(m.previous_7d_km, system), ""],
            ["week-on-week", fmt(m.weekly_change, "+.0%"), "notice above +30% (weak evidence)"],
            ["longest run, 30 days", longest, "spike reference"],
            ["ACWR uncoupled", fmt(m.acwr_uncoupled), "context only; hidden < 28 days"],
            ["ACWR EWMA", fmt(m.acwr_ewma), "context only"],
            ["monotony", fmt(m.monotony), "informational (Foster)"],
            ["strain", fmt(m.strain, ".1f"), "informational (Foster)"],
        ],
    )
    if not recent:
        say("No findings in the last 6 weeks.")
        return
    # The first sentence carries this run's numbers; the rest is the evidence, said once per kind.
    table(
        "Findings, last 6 weeks",
        ["date", "finding", "band", "what happened"],
        [
            [f.local_date, f.kind.replace("_", " "), f.band, _first_sentence(f.explanation)]
            for f in recent
        ],
    )
    latest = {(f.kind, f.band): f for f in recent}
    for (kind, band), f in latest.items():
        evidence = f.explanation[len(_first_sentence(f.explanation)) :].strip()
        say(f"[bold]{kind.replace('_', ' ')} ({band})[/bold]: {evidence}")
        say(f"  source: {f.source}")


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.!?])(\s+[A-Z]|$)", text, flags=re.DOTALL)
    return match.group(1) if match else text


# --- pain ----------------------------------------------------------------------------------------

pain_app = typer.Typer(help="Log pain by hand and list what was logged.", no_args_is_help=True)
app.add_typer(pain_app, name="pain")


@pain_app.command("log")
def pain_log(
    region: Annotated[
        str,
        typer.Argument(help="Body region, e.g. shin, heel, achilles, knee.", callback=check_region),
    ],
    score: Annotated[float, typer.Argument(help="Pain 0-10 (0 = none, 10 = worst imaginable).")],
    side: Annotated[str | None, typer.Option(help="left, right or both.")] = None,
    when: Annotated[
        str | None, typer.Option(help="during, after, next_morning, at_rest or at_night.")
    ] = None,
    on: Annotated[
        str | None,
        typer.Option("--date", help="Local date (default today).", callback=check_date),
    ] = None,
    note: Annotated[str, typer.Option(help="Free text, kept with the report.")] = "",
    athlete: AthleteOpt = None,
) -> None:
    """Log a pain report (it feeds the next suggestion for that day's run)."""
    from strava_rehab.services.pain_log import log_pain

    ctx = context()
    athlete_id = one_athlete(ctx, athlete)
    report = log_pain(
        ctx,
        athlete_id,
        region,
        score,
        side=side,
        timing=when,
        day=parse_date(on) or ctx.clock().date(),
        note=note,
    )
    say(f"Logged {report.region} {report.score:g}/10 for {parse_date(on) or ctx.clock().date()}.")
    if report.red_flags:
        say("Red flags noted: " + ", ".join(report.red_flags) + ". Please see a clinician.")


@pain_app.command("list")
def pain_list(athlete: AthleteOpt = None, as_json: JsonOpt = False) -> None:
    """List logged pain, newest first (from notes, descriptions and by hand)."""
    from strava_rehab.services import connect as athletes
    from strava_rehab.services import reports

    ctx = context()
    ids = athletes.resolve_athlete(ctx, athlete)
    data: list[dict[str, Any]] = [
        {
            "athlete_id": p.athlete_id,
            "activity_id": p.activity_id,
            "local_date": p.local_date,
            "source": p.source,
            "region": p.report.region,
            "side": p.report.side,
            "score": p.report.score,
            "timing": p.report.timing,
            "negated": p.report.negated,
            "trend": p.report.trend,
            "red_flags": list(p.report.red_flags),
            "unknown_terms": list(p.report.unknown_terms),
            "text": p.report.text,
        }
        for p in reports.pain_log(ctx, ids)
    ]
    listing(
        as_json,
        data,
        "Pain log",
        {
            "date": lambda d: d["local_date"],
            "region": lambda d: (d["region"] or "?") + (" (no pain)" if d["negated"] else ""),
            "side": lambda d: d["side"] or "",
            "score": lambda d: "" if d["score"] is None else f"{d['score']:g}",
            "when": lambda d: d["timing"] or "",
            "source": lambda d: d["source"],
            "text": lambda d: d["text"][:40],
        },
    )


# --- suggestions ---------------------------------------------------------------------------------


@app.command()
def suggestions(athlete: AthleteOpt = None, as_json: JsonOpt = False) -> None:
    """List the suggestions made, with why, the protocol and whether they were delivered."""
    from strava_rehab.services import connect as athletes
    from strava_rehab.services import reports

    ctx = context()
    ids = athletes.resolve_athlete(ctx, athlete)
    rows = reports.suggestions(ctx, ids)
    data: list[dict[str, Any]] = [
        {
            "activity_id": r.activity_id,
            "athlete_id": r.athlete_id,
            "local_date": r.local_date,
            "kind": r.kind,
            "reason": r.reason,
            "protocol": r.protocol_id,
            "phase": r.phase,
            "exercises": r.exercises,
            "delivered": bool(r.delivered_hash),
            "text": r.public_text,
        }
        for r in rows
    ]
    listing(
        as_json,
        data,
        "Suggestions",
        {
            "activity": lambda d: d["activity_id"],
            "date": lambda d: d["local_date"],
            "kind": lambda d: d["kind"],
            "protocol": lambda d: d["protocol"] or "",
            "phase": lambda d: d["phase"] or "",
            "delivered": lambda d: "yes" if d["delivered"] else "no",
            "why": lambda d: d["reason"],
        },
    )
