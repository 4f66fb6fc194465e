"""Future events for the sandbox clock to deliver: uploads, late notes, renames, deletes, deauths.

Pure bookkeeping (a heap by due time, then insertion order, so equal times stay deterministic);
the world fires the events and holds the lock.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .activities import format_utc

JSON = dict[str, Any]

KINDS = ("upload", "note", "title", "delete", "deauth")


@dataclass
class ScheduledEvent:
    kind: str
    athlete_id: int
    due: datetime
    seq: int
    fields: JSON = field(default_factory=dict)
    upload_seq: int | None = None  # follow-ups of a scheduled upload point at it
    activity_id: int | None = None  # follow-ups of an existing activity

    def as_json(self) -> JSON:
        shown = {k: format_utc(v) if isinstance(v, datetime) else v for k, v in self.fields.items()}
        return {
            "seq": self.seq,
            "kind": self.kind,
            "athlete_id": self.athlete_id,
            "due": format_utc(self.due),
            "fields": shown,
            "upload_seq": self.upload_seq,
            "activity_id": self.activity_id,
        }


class Schedule:
    def __init__(self) -> None:
        self._heap: list[tuple[datetime, int, ScheduledEvent]] = []
        self._next_seq = 1
        self.uploaded: dict[int, int] = {}  # upload seq -> activity id it created
        self.fired: list[JSON] = []
        self.fired_by_kind: Counter[str] = Counter()

    def add(
        self,
        kind: str,
        athlete_id: int,
        due: datetime,
        fields: JSON | None = None,
        *,
        upload_seq: int | None = None,
        activity_id: int | None = None,
    ) -> ScheduledEvent:
        if kind not in KINDS:
            raise ValueError(f"unknown schedule kind {kind!r}; use one of {', '.join(KINDS)}")
        event = ScheduledEvent(
            kind, athlete_id, due, self._next_seq, dict(fields or {}), upload_seq, activity_id
        )
        self._next_seq += 1
        heapq.heappush(self._heap, (due, event.seq, event))
        return event

    def next_due(self) -> datetime | None:
        return self._heap[0][0] if self._heap else None

    def pop_due(self, until: datetime) -> ScheduledEvent | None:
        if self._heap and self._heap[0][0] <= until:
            return heapq.heappop(self._heap)[2]
        return None

    def clear(self) -> int:
        dropped = len(self._heap)
        self._heap.clear()
        return dropped

    def pending(self) -> list[ScheduledEvent]:
        return [entry[2] for entry in sorted(self._heap)]

    def __len__(self) -> int:
        return len(self._heap)

    def record(
        self, event: ScheduledEvent, at: datetime, activity_id: int | None, ok: bool
    ) -> None:
        self.fired_by_kind[event.kind] += 1
        self.fired.append(
            {
                "seq": event.seq,
                "kind": event.kind,
                "athlete_id": event.athlete_id,
                "due": format_utc(event.due),
                "fired_at": format_utc(at),
                "activity_id": activity_id,
                "skipped": not ok,
            }
        )

    def summary(self) -> JSON:
        pending_by_kind = Counter(entry[2].kind for entry in self._heap)
        upcoming = self.next_due()
        return {
            "pending": len(self._heap),
            "pending_by_kind": dict(pending_by_kind),
            "next_due": None if upcoming is None else format_utc(upcoming),
            "fired": len(self.fired),
            "fired_by_kind": dict(self.fired_by_kind),
        }
