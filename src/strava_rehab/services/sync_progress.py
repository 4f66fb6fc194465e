"""How far a sync pass has got, for whoever shows it (a progress bar, log lines, a web page)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class SyncStep:
    """One step of a pass: a page listed, or one activity's detail read.

    ``total`` is known for details (counted before the first is read), never for pages (Strava
    says nothing of how many there are until an empty one comes back).
    """

    athlete_id: int
    stage: Literal["pages", "details"]
    done: int
    total: int | None
    listed: int | None  # pages: activities listed so far in this pass


SyncProgress = Callable[[SyncStep], None]
