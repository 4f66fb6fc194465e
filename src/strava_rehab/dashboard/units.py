"""Every distance and date the runner reads on the page goes through this module.

Distances: ``format_distance`` in the athlete's unit system, converted by
``strava_rehab.text.units`` (the analysis stays in kilometres). Dates: English keeps its fixed
"2 Jun 2025" (no locale lookup, so the English page never changes with the machine's locale);
other languages get Babel's date format for that language ("2. Juni 2025").
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_skeleton

from strava_rehab.text.units import UnitSystem, distance


def format_distance(km: float, *, system: UnitSystem = "metric", decimals: int = 1) -> str:
    """ "12.3 km" (or "7.6 mi"); ``decimals=0`` for axis ticks ("20 km")."""
    return distance(km, system, decimals=decimals)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(day: date, *, year: bool = True, language: str = "en") -> str:
    """ "2 Jun 2025" (or "2 Jun"); in German "2. Juni 2025" (or "2. Juni")."""
    if language == "en":
        text = f"{day.day} {_MONTHS[day.month - 1]}"
        return f"{text} {day.year}" if year else text
    return str(format_skeleton("yMMMMd" if year else "MMMMd", day, locale=language))


def format_score(score: float | None, *, no_score: str = "no score") -> str:
    return no_score if score is None else f"{score:g}/10"
