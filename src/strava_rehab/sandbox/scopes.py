"""Strava OAuth scopes: parsing what an app asks for and what the runner grants."""

from __future__ import annotations

from collections.abc import Iterable

# Strava's own order, which is also how it writes granted scopes back in the redirect.
KNOWN_SCOPES = (
    "read",
    "read_all",
    "profile:read_all",
    "profile:write",
    "activity:read",
    "activity:read_all",
    "activity:write",
)


def parse_scopes(raw: str) -> frozenset[str]:
    """Split a comma (or space) separated scope list; unknown names raise ValueError."""
    names = {part.strip() for part in raw.replace(" ", ",").split(",") if part.strip()}
    unknown = sorted(names - set(KNOWN_SCOPES))
    if unknown:
        raise ValueError(
            f"unknown scope(s) {', '.join(unknown)}; known scopes: {', '.join(KNOWN_SCOPES)}"
        )
    return frozenset(names)


def format_scopes(scopes: Iterable[str]) -> str:
    chosen = set(scopes)
    return ",".join(name for name in KNOWN_SCOPES if name in chosen)


def can_list_activities(scopes: frozenset[str]) -> bool:
    return "activity:read" in scopes or "activity:read_all" in scopes


def can_see_private(scopes: frozenset[str]) -> bool:
    return "activity:read_all" in scopes
