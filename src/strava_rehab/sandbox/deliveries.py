"""Webhook event delivery: a background worker POSTing events the way Strava does.

Each event gets up to ``attempts`` POSTs (Strava: 3 in total), each with a short timeout, with a
pause between attempts; anything but a 200 counts as a failure.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field
from typing import Any

import requests

JSON = dict[str, Any]
LOG = logging.getLogger("strava_rehab.sandbox")


@dataclass
class Delivery:
    callback_url: str
    event: JSON
    attempts: list[str] = field(default_factory=list)  # "200", "500", "timeout", ...
    delivered: bool = False
    finished: bool = False

    def as_json(self) -> JSON:
        return {
            "callback_url": self.callback_url,
            "event": dict(self.event),
            "attempts": list(self.attempts),
            "delivered": self.delivered,
            "finished": self.finished,
        }


class DeliveryWorker:
    def __init__(self, attempts: int, timeout_s: float, backoff_s: float) -> None:
        self._attempts = attempts
        self._timeout_s = timeout_s
        self._backoff_s = backoff_s
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._pending = 0
        self._done = threading.Condition()
        self._stopping = threading.Event()
        self._log: list[Delivery] = []
        self._thread: threading.Thread | None = None
        self._session = requests.Session()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="sandbox-webhook-delivery", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout=self._timeout_s * 2 + 1)
            self._thread = None
        self._session.close()

    def submit(self, callback_url: str, event: JSON) -> None:
        delivery = Delivery(callback_url, event)
        with self._done:
            self._pending += 1
            self._log.append(delivery)
        self._queue.put(delivery)

    def wait(self, timeout: float) -> bool:
        with self._done:
            return self._done.wait_for(lambda: self._pending == 0, timeout=timeout)

    def log(self) -> list[JSON]:
        with self._done:
            return [d.as_json() for d in self._log]

    def _attempt(self, delivery: Delivery) -> bool:
        try:
            response = self._session.post(
                delivery.callback_url, json=delivery.event, timeout=self._timeout_s
            )
        except requests.Timeout:
            outcome = "timeout"
        except requests.RequestException as error:
            outcome = f"error: {type(error).__name__}"
        else:
            outcome = str(response.status_code)
        with self._done:
            delivery.attempts.append(outcome)
        return outcome == "200"

    def _run(self) -> None:
        while True:
            delivery = self._queue.get()
            if delivery is None:
                return
            delivered = False
            for attempt in range(self._attempts):
                if self._stopping.is_set():
                    break
                if attempt and self._stopping.wait(self._backoff_s):
                    break
                delivered = self._attempt(delivery)
                if delivered:
                    break
            if not delivered:
                LOG.info(
                    "webhook %s %s for %s not delivered after %s",
                    delivery.event.get("object_type"),
                    delivery.event.get("aspect_type"),
                    delivery.event.get("object_id"),
                    delivery.attempts,
                )
            with self._done:
                delivery.delivered = delivered
                delivery.finished = True
                self._pending -= 1
                self._done.notify_all()
