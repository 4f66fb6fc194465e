"""Options and argument helpers shared by the commands."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from strava_rehab.cli import UserError
from strava_rehab.context import AppContext
from strava_rehab.services import connect as athletes

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]
AthleteOpt = Annotated[
    int | None, typer.Option("--athlete", help="Strava athlete id (default: every connected one).")
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Show what would be written; change nothing.")
]


def parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--date {value!r}: expected YYYY-MM-DD") from None


def one_athlete(ctx: AppContext, athlete: int | None) -> int:
    """The athlete a per-athlete report is about: the one named, or the only one connected."""
    ids = athletes.resolve_athlete(ctx, athlete)
    if not ids:
        raise UserError("no athlete is connected; run: strava-rehab connect")
    if len(ids) > 1:
        raise UserError(f"{len(ids)} athletes are connected; name one with --athlete ID")
    return ids[0]
