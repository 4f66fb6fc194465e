"""Rehab and prevention suggestions: the exercise library as data, the rules, and the text.

Education, not diagnosis: every suggestion carries a one-line disclaimer, and red flags send the
runner to a clinician with no exercises at all.
"""

from typing import TYPE_CHECKING

from strava_rehab.lazy import lazy_exports

if TYPE_CHECKING:
    from strava_rehab.rehab.decisions import decide
    from strava_rehab.rehab.library import Library
    from strava_rehab.rehab.library_files import LibraryError, library_from_data
    from strava_rehab.rehab.policy import RehabPolicy
    from strava_rehab.rehab.render import render_private, render_public
    from strava_rehab.rehab.situation import (
        Decision,
        PainEntry,
        Prescription,
        ProtocolState,
        Situation,
    )
else:  # imported on first use: see ``strava_rehab.lazy``
    __getattr__ = lazy_exports(
        __name__,
        {
            "decisions": ("decide",),
            "library": ("Library",),
            "library_files": ("LibraryError", "library_from_data"),
            "policy": ("RehabPolicy",),
            "render": ("render_private", "render_public"),
            "situation": ("Decision", "PainEntry", "Prescription", "ProtocolState", "Situation"),
        },
    )

__all__ = [
    "Decision",
    "Library",
    "LibraryError",
    "PainEntry",
    "Prescription",
    "ProtocolState",
    "RehabPolicy",
    "Situation",
    "decide",
    "library_from_data",
    "render_private",
    "render_public",
]
