"""Test instrumentation: when each token refresh was in flight, per athlete.

``RefreshProbe(sandbox)`` (before ``start()``) wraps the sandbox's request dispatch and records
the start and end of every ``POST /oauth/token`` with ``grant_type=refresh_token``, holding each
one open a little (``hold_s``) so that two overlapping refreshes cannot slip past unseen.
``overlaps()`` lists the pairs of refreshes of one athlete that were in flight at the same time.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass

from strava_rehab.sandbox.messages import Drop, Request, Response
from strava_rehab.sandbox.sandbox import Sandbox


@dataclass(frozen=True)
class Refresh:
    athlete_id: int
    started: float
    ended: float


class RefreshProbe:
    def __init__(self, sandbox: Sandbox, hold_s: float = 0.05) -> None:
        self._sandbox = sandbox
        self._inner = sandbox._dispatch
        self._hold_s = hold_s
        self._lock = threading.Lock()
        self.refreshes: list[Refresh] = []
        # The HTTP server takes the dispatch function when it starts: install before that.
        sandbox._dispatch = self._dispatch  # type: ignore[method-assign]

    def _athlete_of(self, refresh_token: str) -> int | None:
        world = self._sandbox._world
        with world.lock:
            grant = world.tokens._grants_by_refresh.get(refresh_token)
            return grant.athlete_id if grant else None

    def _dispatch(self, request: Request) -> Response | Drop:
        is_refresh = (
            request.method == "POST"
            and request.path.endswith("/oauth/token")
            and request.param("grant_type") == "refresh_token"
        )
        if not is_refresh:
            return self._inner(request)
        athlete_id = self._athlete_of(str(request.param("refresh_token") or ""))
        started = time.monotonic()
        time.sleep(self._hold_s)
        try:
            return self._inner(request)
        finally:
            if athlete_id is not None:
                with self._lock:
                    self.refreshes.append(Refresh(athlete_id, started, time.monotonic()))

    def overlaps(self) -> list[tuple[Refresh, Refresh]]:
        found = []
        with self._lock:
            by_start = sorted(self.refreshes, key=lambda r: (r.athlete_id, r.started))
        for a, b in itertools.pairwise(by_start):
            if a.athlete_id == b.athlete_id and b.started < a.ended:
                found.append((a, b))
        return found
