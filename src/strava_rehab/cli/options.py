"""Options and argument helpers shared by the commands."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, cast

import typer

from strava_rehab.cli import UserError
from strava_rehab.text.units import UNIT_SYSTEMS, UnitSystem

if TYPE_CHECKING:
    from strava_rehab.context import AppContext

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]
AthleteOpt = Annotated[
    int | None, typer.Option("--athlete", help="Strava athlete id (default: every connected one).")
]


def check_units(value: str) -> str:
    if value not in UNIT_SYSTEMS:
        raise UserError(f"--units {value!r}: give one of {', '.join(UNIT_SYSTEMS)}")
    return value


def unit_system(value: str) -> UnitSystem:
    return cast(UnitSystem, check_units(value))


UnitsOpt = Annotated[
    str,
    typer.Option(
        "--units",
        help="Distances in tables: metric (km) or imperial (mi). JSON stays in kilometres.",
        callback=check_units,
    ),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Show what would be written; change nothing.")
]


def latest_day() -> date:
    """The latest day a runner can mean by "today": theirs, or UTC's if that is later."""
    return max(datetime.now(UTC).astimezone().date(), datetime.now(UTC).date())


def parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--date {value!r}: expected YYYY-MM-DD, e.g. {latest_day()}") from None
    if day > latest_day():
        raise UserError(
            f"--date {value}: is in the future; give today ({latest_day()}) or an earlier day"
        )
    return day


def check_date(value: str | None) -> str | None:
    """A typer callback: a bad or future --date is refused before anything runs."""
    parse_date(value)
    return value


def check_limit(value: int) -> int:
    if value < 0:
        raise UserError(f"--limit {value}: give 0 (all) or a positive count")
    return value


def check_region(value: str) -> str:
    from strava_rehab.cli import settings
    from strava_rehab.services.pain_log import region_of

    region_of(settings(), value)
    return value


def one_athlete(ctx: AppContext, athlete: int | None) -> int:
    """The athlete a per-athlete report is about: the one named, or the only one connected."""
    from strava_rehab.services import connect as athletes

    ids = athletes.resolve_athlete(ctx, athlete)
    if not ids:
        raise UserError("no athlete is connected; run: strava-rehab connect")
    if len(ids) > 1:
        raise UserError(f"{len(ids)} athletes are connected; name one with --athlete ID")
    return ids[0]
