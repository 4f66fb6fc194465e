"""Every distance the runner reads goes through ``format_distance``: one place to swap units.

The analysis works in kilometres; the dashboard shows kilometres until the units issue lands.
Charts, tables, summaries and templates (the ``distance`` filter) all call this function, so a
later ``units`` setting changes one signature instead of every caller.
"""

from __future__ import annotations

from datetime import date

UNIT_LABEL = "km"


def format_distance(km: float, *, decimals: int = 1) -> str:
    """ "12.3 km"; ``decimals=0`` for axis ticks ("20 km")."""
    return f"{km:.{decimals}f} {UNIT_LABEL}"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(day: date, *, year: bool = True) -> str:
    """ "2 Jun 2025" (or "2 Jun"): fixed English month names, no locale lookup."""
    text = f"{day.day} {_MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def format_score(score: float | None) -> str:
    return "no score" if score is None else f"{score:g}/10"
