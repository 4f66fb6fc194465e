"""Connecting and disconnecting athletes."""

from __future__ import annotations

import webbrowser
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from strava_rehab.cli import UserError, app, context
from strava_rehab.cli.options import AthleteOpt, DryRunOpt, JsonOpt
from strava_rehab.cli.output import listing, local_time, say

if TYPE_CHECKING:
    from strava_rehab.services.connect import ConnectResult

# --- connecting ----------------------------------------------------------------------------------


def _report_connect(result: ConnectResult) -> None:
    verb = "Reconnected" if result.reconnected else "Connected"
    say(f"{verb} {result.name} (athlete {result.athlete_id}).")
    say(f"Granted scopes: {', '.join(result.granted) or 'none'}")
    for scope, effect in result.missing.items():
        say(f"  missing {scope}: {effect}. Reconnect and tick it to enable.")


@app.command()
def connect(
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the authorize URL instead of opening it.")
    ] = False,
    code: Annotated[
        str | None,
        typer.Option(
            "--code",
            help="Exchange a code pasted by hand (headless servers): the code, or better the whole "
            "URL Strava sent you back to, which also tells the granted scopes.",
        ),
    ] = None,
    port: Annotated[int, typer.Option(help="Loopback callback port (0 = any free port).")] = 0,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the browser.")] = 300.0,
) -> None:
    """Connect a Strava account (scopes read, activity:read_all, activity:write)."""
    from strava_rehab.services import connect as athletes

    ctx = context()
    if code is not None:
        bare, scope = athletes.parse_pasted_code(code)
        if scope is None:
            say("The granted scopes are unknown from a bare code; assuming those requested.")
        result = athletes.complete_connect(ctx, bare, scope or ctx.settings.scopes, None)
    else:

        def open_url(url: str) -> None:
            if no_browser or not webbrowser.open(url):
                say("Open this URL in a browser and authorize strava-rehab:")
                print(url, flush=True)
            else:
                say("Opened Strava in your browser; waiting for you to authorize...")

        result = athletes.connect_with_loopback(ctx, open_url, port=port, timeout_s=timeout)
    _report_connect(result)


@app.command()
def disconnect(
    athlete: AthleteOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    remove_blocks: Annotated[
        bool | None,
        typer.Option(
            "--remove-blocks/--keep-blocks",
            help="Remove our text from the runs' Strava descriptions first, or leave it there "
            "(asked on a terminal; default: remove).",
        ),
    ] = None,
    dry_run: DryRunOpt = False,
) -> None:
    """Deauthorize at Strava and delete everything stored about the athlete."""
    from strava_rehab.cli.output import is_terminal
    from strava_rehab.services import connect as athletes
    from strava_rehab.services import reports, runner_page

    ctx = context()
    ids = athletes.resolve_athlete(ctx, athlete)
    if athlete is None and len(ids) > 1:
        raise UserError(f"{len(ids)} athletes are connected; name one with --athlete ID")
    if not ids:
        raise UserError("no athlete is connected")
    blocks = runner_page.delete_summary(ctx, ids[0]).blocks_on_strava
    if dry_run:
        count = reports.activity_count(ctx, ids[0])
        say(
            f"Would deauthorize athlete {ids[0]} at Strava and delete their data "
            f"({count} activities, with their pain reports, findings and suggestions)."
        )
        if blocks:
            verb = "keep" if remove_blocks is False else "first remove"
            say(f"Would {verb} our text on {blocks} run{'s' if blocks != 1 else ''} on Strava.")
        return
    if remove_blocks is None:
        remove_blocks = True
        if blocks and not yes and is_terminal():
            remove_blocks = typer.confirm(
                f"Remove our text from {blocks} run description{'s' if blocks != 1 else ''} "
                "on Strava first? (No leaves it there.)",
                default=True,
            )
            if not remove_blocks:
                say(
                    f"Then our text stays in {blocks} run description(s) on Strava after you "
                    "disconnect, and strava-rehab can no longer remove it for you."
                )
    if not yes and not typer.confirm(f"Disconnect athlete {ids[0]} and delete all their data?"):
        raise typer.Abort()
    report = runner_page.disconnect(ctx, ids[0], remove_blocks=remove_blocks)
    if report.blocks.removed:
        say(f"Removed our text from {len(report.blocks.removed)} run(s) on Strava.")
    if report.blocks.kept:
        say(
            f"Our text stays on {len(report.blocks.kept)} run(s) on Strava, and strava-rehab can "
            "no longer change them; edit it out by hand (https://www.strava.com/activities/ID):"
        )
        for run, why in sorted(report.blocks.kept.items()):
            say(f"  {run}: {why}")
    if report.note:
        say(report.note)
    say(f"Disconnected athlete {ids[0]} and deleted their data.")


@app.command("athletes")
def list_athletes(as_json: JsonOpt = False) -> None:
    """List connected athletes, their scopes and sync state."""
    from strava_rehab.services import reports

    ctx = context()
    rows = reports.athletes_overview(ctx)
    listing(
        as_json,
        rows,
        "Athletes",
        {
            "id": lambda r: r["athlete_id"],
            "name": lambda r: r["name"],
            "status": lambda r: r["status"],
            "scopes": lambda r: ",".join(r["scopes"]),
            # In the athlete's own zone (where they last ran), labelled; UTC before any run.
            "last sync": lambda r: local_time(r["last_sync_at"], _zone(r["timezone"])),
            "note": lambda r: r["message"] or r["last_error"],
        },
    )


def _zone(key: str | None) -> ZoneInfo | None:
    return ZoneInfo(key) if key else None
