"""A small in-memory rate limiter for the pages a stranger can hit (``/connect``).

Token buckets per client address, refilled continuously; the table remembers at most
``max_clients`` addresses (least recently seen forgotten first), so a flood from many addresses
costs bounded memory. One more bucket, ten times larger, is shared by every client, so many
addresses together cannot fill the database with pending OAuth states either.

Per process: with several ``serve`` processes each has its own, which only loosens the bound.
Behind a reverse proxy the client address comes from ``X-Forwarded-For`` (uvicorn's
``--forwarded-allow-ips``), or every visitor would share the proxy's bucket.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

Bucket = tuple[float, float]  # (tokens, when last refilled)


def _take(bucket: Bucket | None, capacity: float, now: float) -> tuple[Bucket, float]:
    """The bucket after one attempt, and 0 if it went or the seconds until it may."""
    per_s = capacity / 60.0
    tokens, last = bucket if bucket is not None else (capacity, now)
    tokens = min(capacity, tokens + max(0.0, now - last) * per_s)
    if tokens >= 1.0:
        return (tokens - 1.0, now), 0.0
    return (tokens, now), (1.0 - tokens) / per_s


class Throttle:
    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float],
        *,
        max_clients: int = 10_000,
        overall_factor: int = 10,
    ) -> None:
        self.capacity = float(per_minute)
        self.overall_capacity = float(per_minute * overall_factor)
        self.max_clients = max_clients
        self._clock = clock
        self._lock = threading.Lock()
        self._clients: OrderedDict[str, Bucket] = OrderedDict()
        self._overall: Bucket | None = None

    def wait_s(self, client: str) -> float:
        """0 if ``client`` may go now (and it is counted), else the seconds until it may."""
        now = self._clock()
        with self._lock:
            bucket, wait = _take(self._clients.get(client), self.capacity, now)
            if wait == 0.0:
                self._overall, wait = _take(self._overall, self.overall_capacity, now)
                if wait > 0.0:  # refused by the shared bucket: the client's token is not spent
                    bucket = (bucket[0] + 1.0, bucket[1])
            self._clients[client] = bucket
            self._clients.move_to_end(client)
            while len(self._clients) > self.max_clients:
                self._clients.popitem(last=False)
            return wait

    def __len__(self) -> int:
        return len(self._clients)
