"""The sandbox's sense of time: a source clock plus an offset that tests can push forward."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from .config import ClockSource


def _real_now() -> datetime:
    return datetime.now(UTC)


class SandboxClock:
    """Token expiry, rate windows and seed dates all read this clock, never the system one."""

    def __init__(self, source: ClockSource = None) -> None:
        if source is None:
            self._source: Callable[[], datetime] = _real_now
        elif isinstance(source, datetime):
            if source.utcoffset() is None:
                raise ValueError("a fixed sandbox time must be timezone-aware")
            fixed = source.astimezone(UTC)
            self._source = lambda: fixed
        else:
            self._source = source
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        current = self._source()
        if current.utcoffset() is None:
            raise ValueError("the sandbox clock source returned a naive datetime; return UTC")
        with self._lock:
            return current.astimezone(UTC) + self._offset

    def epoch(self) -> int:
        return int(self.now().timestamp())

    def advance(self, seconds: float) -> datetime:
        # Going backwards would resurrect expired tokens and confuse rate windows.
        if seconds < 0:
            raise ValueError(f"time only moves forward; got advance of {seconds} s")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()
