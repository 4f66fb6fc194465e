"""Syncing from Strava, listing what is stored, and the built-in sandbox."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Annotated, Any

import typer

from strava_rehab.cli import UserError, app, context, log_level, quiet
from strava_rehab.cli.options import AthleteOpt, JsonOpt, UnitsOpt, check_limit, unit_system
from strava_rehab.cli.output import emit_json, listing, say, setup_logging
from strava_rehab.text.units import distance_unit, distance_value

# --- syncing -------------------------------------------------------------------------------------


@app.command()
def sync(
    athlete: AthleteOpt = None,
    full: Annotated[
        bool, typer.Option("--full", help="Backfill history again and reconcile.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Sync runs from Strava (the first sync backfills history)."""
    from strava_rehab.cli.progress import sync_progress  # rich's progress bars
    from strava_rehab.services import connect as athletes
    from strava_rehab.services.sync import sync_athlete

    ctx = context()
    ids = athletes.resolve_athlete(ctx, athlete)
    if not ids:
        raise UserError("no athlete is connected; run: strava-rehab connect")
    reports = []
    with sync_progress(quiet=quiet()) as on_progress:
        for athlete_id in ids:
            reports.append(sync_athlete(ctx, athlete_id, full=full, on_progress=on_progress))
    if as_json:
        emit_json(
            [
                {
                    "athlete_id": r.athlete_id,
                    "created": r.created,
                    "updated": r.updated,
                    "deleted": r.deleted,
                    "details": r.details,
                    "api_calls": r.api_calls,
                    "complete": r.complete,
                    "resume_at": r.resume_at,
                    "error": r.error,
                }
                for r in reports
            ]
        )
    else:
        for r in reports:
            say(r.summary())
    if any(r.error and r.resume_at is None for r in reports):
        raise typer.Exit(1)


@app.command()
def activities(
    athlete: AthleteOpt = None,
    limit: Annotated[
        int, typer.Option(help="How many, newest first (0 = all).", callback=check_limit)
    ] = 30,
    units: UnitsOpt = "metric",
    as_json: JsonOpt = False,
) -> None:
    """List stored activities, newest first."""
    from strava_rehab.services import connect as athletes
    from strava_rehab.services import reports

    system = unit_system(units)
    ctx = context()
    ids = athletes.resolve_athlete(ctx, athlete)
    rows = reports.activities(ctx, ids, limit)
    data: list[dict[str, Any]] = [
        {
            "activity_id": r.id,
            "athlete_id": r.athlete_id,
            "local_date": r.local_date,
            "start_utc": r.start_utc,
            "name": r.name,
            "sport_type": r.sport_type,
            "counted": r.counted,
            "distance_km": round(r.distance_m / 1000, 2),
            "moving_time_s": r.moving_time_s,
            "manual": r.manual,
            "trainer": r.trainer,
            "private": r.private,
            "has_detail": r.detail_hash is not None,
        }
        for r in rows
    ]
    listing(
        as_json,
        data,
        "Activities",
        {
            "id": lambda d: d["activity_id"],
            "date": lambda d: d["local_date"],
            "type": lambda d: d["sport_type"],
            distance_unit(system): lambda d: f"{distance_value(d['distance_km'], system):.2f}",
            "name": lambda d: d["name"][:40],
            "flags": _flags,
        },
    )


def _flags(d: Mapping[str, Any]) -> str:
    return " ".join(
        f
        for f, on in (
            ("not-counted", not d["counted"]),
            ("manual", d["manual"]),
            ("treadmill", d["trainer"]),
            ("private", d["private"]),
        )
        if on
    )


# --- sandbox -------------------------------------------------------------------------------------


@app.command()
def sandbox(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 = any free port).")] = 8765,
    client_id: Annotated[int, typer.Option(help="The app's client id.")] = 12345,
    client_secret: Annotated[
        str, typer.Option(help="The app's client secret.", envvar="STRAVA_CLIENT_SECRET")
    ] = "sandbox-secret",  # noqa: S107 - the sandbox's well-known fake secret
) -> None:
    """Run the built-in Strava sandbox: try the product without a Strava account."""
    from strava_rehab.listen import check_free
    from strava_rehab.sandbox import SandboxConfig, run_sandbox

    setup_logging(log_level(logging.INFO))
    check_free(host, port)
    try:
        config = SandboxConfig(
            host=host, port=port, client_id=client_id, client_secret=client_secret
        )
    except ValueError as exc:
        raise UserError(str(exc)) from None
    run_sandbox(config)
