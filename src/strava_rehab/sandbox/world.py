"""Everything the sandbox knows, behind one lock: athletes, activities, tokens, limits, faults.

Methods whose names start with ``_`` expect the caller to hold ``lock``; public ones take it.
"""

from __future__ import annotations

import bisect
import copy
import gc
import heapq
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .activities import (
    WEBHOOK_UPDATE_KEYS,
    ActivityRecord,
    check_fields,
    detail_payload,
    new_activity_fields,
)
from .athletes import AthleteRecord, check_measurement_preference, check_timezone
from .clock import SandboxClock
from .config import SandboxConfig
from .deliveries import DeliveryWorker
from .faults import InjectedFault
from .population import (
    Habits,
    PlannedRun,
    Population,
    PopulationSpec,
    history_start,
    make_habits,
    plan_between,
    population_run_fields,
    spike_start,
)
from .rate_limits import RateLimiter
from .schedule import Schedule, ScheduledEvent
from .seed import FIRST_ACTIVITY_ID, seed_athlete, seed_records
from .tokens import TokenStore

JSON = dict[str, Any]


class UnknownObject(LookupError):
    """An athlete or activity id the sandbox has never heard of."""


@dataclass
class Subscription:
    subscription_id: int
    callback_url: str
    verify_token: str
    created_at: datetime
    updated_at: datetime


class SandboxWorld:
    def __init__(self, config: SandboxConfig, clock: SandboxClock, deliveries: DeliveryWorker):
        self.lock = threading.RLock()
        self.config = config
        self.clock = clock
        self.deliveries = deliveries
        self.athletes: dict[int, AthleteRecord] = {}
        self.activities: dict[int, ActivityRecord] = {}
        # Per athlete, every activity Strava still indexes (tombstones included), oldest first.
        self.index: dict[int, list[ActivityRecord]] = {}
        # Per athlete, every activity ever created (purged tombstones too), by id.
        self.records_of: dict[int, dict[int, ActivityRecord]] = {}
        # Deleted records still in ``index``, soonest purge first: (deleted_at, id, record).
        self._tombstones: list[tuple[datetime, int, ActivityRecord]] = []
        self.tokens = TokenStore(config.token_lifetime_s, config.code_lifetime_s)
        self.limiter = RateLimiter(*config.initial_limits())
        self.schedule = Schedule()
        self.population: Population | None = None
        self.latency_s = config.latency_s
        self.refresh_latency_s = config.refresh_latency_s
        self.faults: list[InjectedFault] = []
        self.subscription: Subscription | None = None
        self.next_subscription_id = 1
        self.calls: list[JSON] = []
        self.inactive = False
        self.granted_scopes_override: frozenset[str] | None = None
        self.deny_authorization = False
        self.current_athlete_id: int | None = None
        self._next_activity_id = FIRST_ACTIVITY_ID
        self._next_athlete_id = 2001

    # --- athletes -------------------------------------------------------------------------

    def load_seed(self, seed_activities: bool) -> int:
        with self.lock:
            now = self.clock.now()
            if seed_activities:
                athlete, records = seed_records(now)
            else:
                athlete, records = seed_athlete(now), []
            self._register_athlete(athlete)
            for record in records:
                self._insert(record)
            if self.current_athlete_id is None:
                self.current_athlete_id = athlete.athlete_id
            return athlete.athlete_id

    def _register_athlete(self, athlete: AthleteRecord) -> None:
        if athlete.athlete_id in self.athletes:
            raise ValueError(f"athlete {athlete.athlete_id} already exists")
        self.athletes[athlete.athlete_id] = athlete
        self.index.setdefault(athlete.athlete_id, [])
        self.records_of.setdefault(athlete.athlete_id, {})

    def add_athlete(
        self,
        firstname: str,
        lastname: str,
        *,
        athlete_id: int | None = None,
        timezone: str = "Europe/Berlin",
        city: str = "Berlin",
        state: str = "Berlin",
        country: str = "Germany",
        sex: str = "M",
        measurement_preference: str = "meters",
    ) -> AthleteRecord:
        if not firstname or not lastname:
            raise ValueError("an athlete needs a firstname and a lastname")
        check_timezone(timezone)
        check_measurement_preference(measurement_preference)
        with self.lock:
            if athlete_id is None:
                while self._next_athlete_id in self.athletes:
                    self._next_athlete_id += 1
                athlete_id = self._next_athlete_id
            elif athlete_id <= 0:
                raise ValueError(f"athlete_id must be positive, got {athlete_id}")
            now = self.clock.now().replace(microsecond=0)
            record = AthleteRecord(
                athlete_id, firstname, lastname, timezone, city, state, country, sex, now, now
            )
            record.measurement_preference = measurement_preference
            self._register_athlete(record)
            return record

    def athlete(self, athlete_id: int) -> AthleteRecord:
        with self.lock:
            found = self.athletes.get(athlete_id)
            if found is None:
                raise UnknownObject(f"no athlete {athlete_id} in the sandbox")
            return found

    # --- activities -----------------------------------------------------------------------

    def _insert(self, record: ActivityRecord) -> None:
        self.activities[record.activity_id] = record
        self.records_of.setdefault(record.athlete_id, {})[record.activity_id] = record
        entries = self.index.setdefault(record.athlete_id, [])
        bisect.insort(entries, record, key=ActivityRecord.sort_key)
        self._next_activity_id = max(self._next_activity_id, record.activity_id)

    def _insert_many(self, records: list[ActivityRecord]) -> None:
        """Bulk insert (seeding): one sort per athlete instead of one insort per record."""
        touched: set[int] = set()
        for record in records:
            self.activities[record.activity_id] = record
            self.records_of.setdefault(record.athlete_id, {})[record.activity_id] = record
            self.index.setdefault(record.athlete_id, []).append(record)
            touched.add(record.athlete_id)
            self._next_activity_id = max(self._next_activity_id, record.activity_id)
        for athlete_id in touched:
            self.index[athlete_id].sort(key=ActivityRecord.sort_key)

    def _allocate_activity_id(self) -> int:
        self._next_activity_id += 7_919
        return self._next_activity_id

    def activity(self, activity_id: int, *, include_deleted: bool = False) -> ActivityRecord:
        with self.lock:
            found = self.activities.get(activity_id)
            if found is None or (found.deleted_at is not None and not include_deleted):
                raise UnknownObject(f"no activity {activity_id} in the sandbox")
            return found

    def create_activity(
        self, athlete_id: int, values: Mapping[str, object], *, emit: bool = True
    ) -> JSON:
        with self.lock:
            athlete = self.athlete(athlete_id)
            now = self.clock.now()
            start, given = check_fields(values, athlete.timezone)
            start = (start or now).replace(microsecond=0)
            activity_id = self._allocate_activity_id()
            upload_id = activity_id + 1_000_000_000
            fields = new_activity_fields(start, athlete.timezone, given, upload_id)
            if fields["manual"] and "upload_id" not in given:
                fields["upload_id"] = None
            record = ActivityRecord(activity_id, athlete_id, athlete.timezone, start, fields)
            self._insert(record)
            self._purge_tombstones(now)
            if emit:
                self._emit_activity(record, "create", {})
            return detail_payload(record)

    def update_activity(self, activity_id: int, values: Mapping[str, object]) -> JSON:
        """Change any stored field, as the runner would on strava.com."""
        with self.lock:
            record = self.activity(activity_id)
            start, given = check_fields(values, record.timezone)
            self._apply(record, start, given)
            return detail_payload(record)

    def _apply(self, record: ActivityRecord, start: datetime | None, given: JSON) -> None:
        before = {key: record.fields[key] for key in ("name", "sport_type", "private")}
        if start is not None and start != record.start:
            entries = self.index[record.athlete_id]
            position = self._position(entries, record)
            if position >= 0:
                del entries[position]
            record.start = start.replace(microsecond=0)
            self._insert(record)
        record.fields.update(given)
        updates: dict[str, str] = {}
        for key, old in before.items():
            new = record.fields[key]
            if new == old:
                continue
            # Strava sends strings, booleans included ("true"/"false").
            updates[WEBHOOK_UPDATE_KEYS[key]] = (
                ("true" if new else "false") if key == "private" else str(new)
            )
        if updates:
            self._emit_activity(record, "update", updates)

    def apply_api_update(self, record: ActivityRecord, values: Mapping[str, object]) -> None:
        """PUT /activities/{id}: the UpdatableActivity subset; caller holds the lock."""
        _, given = check_fields(values, record.timezone)
        if given.get("gear_id") == "none":
            given["gear_id"] = None
        self._apply(record, None, given)

    def delete_activity(self, activity_id: int) -> None:
        with self.lock:
            record = self.activity(activity_id)
            now = self.clock.now()
            record.deleted_at = now
            heapq.heappush(self._tombstones, (now, record.activity_id, record))
            self._purge_tombstones(now)
            self._emit_activity(record, "delete", {})

    def _purge_tombstones(self, now: datetime) -> None:
        # Only on writes and clock moves, so a client paging through a stable list never
        # sees entries shift under it.
        # A heap of tombstones makes this O(purged · log n), not a scan of every athlete.
        horizon = now - timedelta(seconds=self.config.tombstone_retention_s)
        while self._tombstones and self._tombstones[0][0] <= horizon:
            _, _, record = heapq.heappop(self._tombstones)
            entries = self.index.get(record.athlete_id, [])
            position = self._position(entries, record)
            if position >= 0:
                del entries[position]

    @staticmethod
    def _position(entries: list[ActivityRecord], record: ActivityRecord) -> int:
        """Where ``record`` sits in a sorted index list (-1 if absent), by bisection."""
        key = record.sort_key()
        at = bisect.bisect_left(entries, key, key=ActivityRecord.sort_key)
        while at < len(entries) and entries[at].sort_key() == key:
            if entries[at] is record:
                return at
            at += 1
        return -1

    def advance_time(self, seconds: float) -> datetime:
        """Move time on, firing each scheduled event at its own due time on the way."""
        if seconds < 0:
            return self.clock.advance(seconds)  # raises with the usual message
        with self.lock:
            target = self.clock.now() + timedelta(seconds=seconds)
            self._fire_until(target)
            remaining = (target - self.clock.now()).total_seconds()
            now = self.clock.advance(max(0.0, remaining))
            self._purge_tombstones(now)
            return now

    # --- the schedule -----------------------------------------------------------------------

    def fire_due(self) -> int:
        """Fire whatever is due by now without moving the clock (a real-time clock moved)."""
        with self.lock:
            upcoming = self.schedule.next_due()
            if upcoming is None or upcoming > self.clock.now():
                return 0
            return self._fire_until(self.clock.now())

    def _fire_until(self, target: datetime) -> int:
        fired = 0
        while (event := self.schedule.pop_due(target)) is not None:
            ahead = (event.due - self.clock.now()).total_seconds()
            if ahead > 0:
                self.clock.advance(ahead)
            self._fire(event)
            fired += 1
        return fired

    def _fire(self, event: ScheduledEvent) -> None:
        activity_id = event.activity_id
        if event.upload_seq is not None:
            activity_id = self.schedule.uploaded.get(event.upload_seq)
        ok = True
        try:
            if event.kind == "upload":
                created = self.create_activity(event.athlete_id, event.fields)
                activity_id = int(created["id"])
                self.schedule.uploaded[event.seq] = activity_id
            elif event.kind == "deauth":
                self.revoke(event.athlete_id)
            elif activity_id is None:
                ok = False
            elif event.kind == "delete":
                self.delete_activity(activity_id)
            else:  # note (no webhook: a description edit) or title (an update webhook)
                self.update_activity(activity_id, event.fields)
        except (UnknownObject, ValueError):
            ok = False  # e.g. the activity was deleted meanwhile
        self.schedule.record(event, self.clock.now(), activity_id, ok)

    def add_scheduled(
        self,
        kind: str,
        athlete_id: int,
        due: datetime,
        fields: Mapping[str, object] | None = None,
        activity_id: int | None = None,
    ) -> ScheduledEvent:
        with self.lock:
            athlete = self.athlete(athlete_id)
            values = dict(fields or {})
            if kind == "upload":
                check_fields(values, athlete.timezone)  # fail now, not when it fires
            elif kind in ("note", "title", "delete"):
                if activity_id is None:
                    raise ValueError(f"a scheduled {kind} needs an activity_id")
                if self.activity(activity_id).athlete_id != athlete_id:
                    raise ValueError(f"activity {activity_id} is not athlete {athlete_id}'s")
                if kind != "delete":
                    check_fields(values, athlete.timezone)
            return self.schedule.add(kind, athlete_id, due, values, activity_id=activity_id)

    # --- populations --------------------------------------------------------------------------

    def seed_population(self, spec: PopulationSpec) -> Population:
        """Athletes, their history up to now and their schedule until now + schedule_days."""
        # ~100k new objects that all stay alive: the cyclic GC would rescan them again and
        # again (a third of the time at 1,000 athletes), so it pauses while they are built.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._seed_population(spec)
        finally:
            if was_enabled:
                gc.enable()

    def _seed_population(self, spec: PopulationSpec) -> Population:
        with self.lock:
            if self.population is not None:
                raise ValueError("this sandbox already has a population; start a new sandbox")
            now = self.clock.now().replace(microsecond=0)
            habits = [make_habits(spec, index) for index in range(spec.athletes)]
            clashes = [h.athlete_id for h in habits if h.athlete_id in self.athletes]
            if clashes:
                raise ValueError(
                    f"athlete ids {clashes[:5]} already exist; choose another first_athlete_id"
                )
            for h in habits:
                self._register_athlete(
                    AthleteRecord(
                        h.athlete_id,
                        h.firstname,
                        h.lastname,
                        h.timezone,
                        city=h.city,
                        state=h.city,
                        country=h.country,
                        sex=h.sex,
                        created_at=now - timedelta(days=800 + h.index % 365),
                        updated_at=now,
                    )
                )
            planned: list[tuple[Habits, PlannedRun]] = []
            for h in habits:
                spike_from = spike_start(h, now)
                start = history_start(spec, h, now)
                planned.extend((h, run) for run in plan_between(spec, h, start, now, spike_from))
            planned.sort(key=lambda pair: (pair[1].upload_at, pair[0].athlete_id))
            self._insert_many([self._history_record(h, run, now) for h, run in planned])
            until = now + timedelta(days=spec.schedule_days)
            population = Population(spec, habits, now, now)
            self.population = population
            self._schedule_population(population, until)
            for h in habits:
                if h.deauth_at_fraction is not None:
                    due = now + (until - now) * h.deauth_at_fraction
                    self.schedule.add("deauth", h.athlete_id, due.replace(microsecond=0))
            return population

    def _history_record(self, habits: Habits, run: PlannedRun, now: datetime) -> ActivityRecord:
        activity_id = self._allocate_activity_id()
        fields = population_run_fields(run.fields, activity_id + 1_000_000_000)
        if run.late_note is not None and run.late_note[0] <= now:
            fields["description"] = run.late_note[1]
        if run.title_update is not None and run.title_update[0] <= now:
            fields["name"] = run.title_update[1]
        record = ActivityRecord(activity_id, habits.athlete_id, habits.timezone, run.start, fields)
        if run.delete_at is not None and run.delete_at <= now:
            record.deleted_at = run.delete_at
            heapq.heappush(self._tombstones, (run.delete_at, activity_id, record))
        return record

    def _schedule_population(self, population: Population, until: datetime) -> int:
        spec, start = population.spec, population.schedule_until
        added = 0
        for h in population.habits:
            spike_from = spike_start(h, population.seeded_at)
            for run in plan_between(spec, h, start, until, spike_from):
                upload = self.schedule.add(
                    "upload", h.athlete_id, run.upload_at, {**run.fields, "start_date": run.start}
                )
                added += 1
                follow_ups: list[tuple[str, datetime, dict[str, object]]] = []
                if run.late_note is not None:
                    follow_ups.append(("note", run.late_note[0], {"description": run.late_note[1]}))
                if run.title_update is not None:
                    follow_ups.append(("title", run.title_update[0], {"name": run.title_update[1]}))
                if run.delete_at is not None:
                    follow_ups.append(("delete", run.delete_at, {}))
                for kind, due, values in follow_ups:
                    self.schedule.add(
                        kind,
                        h.athlete_id,
                        due.replace(microsecond=0),
                        values,
                        upload_seq=upload.seq,
                    )
                    added += 1
        population.schedule_until = until
        return added

    def extend_schedule(self, days: float) -> int:
        """Plan the population's next ``days`` days after the current schedule end."""
        if not 0 < days <= 60:
            raise ValueError(f"days must be in (0, 60], got {days}")
        with self.lock:
            if self.population is None:
                raise ValueError("no population to schedule; seed one first")
            until = self.population.schedule_until + timedelta(days=days)
            return self._schedule_population(self.population, until)

    def activities_of(self, athlete_id: int, include_deleted: bool) -> list[JSON]:
        with self.lock:
            self.athlete(athlete_id)
            records = sorted(
                (
                    r
                    for r in self.records_of.get(athlete_id, {}).values()
                    if include_deleted or r.deleted_at is None
                ),
                key=ActivityRecord.sort_key,
            )
            payloads = []
            for record in records:
                payload = detail_payload(record)
                if include_deleted:
                    payload["deleted"] = record.deleted_at is not None
                payloads.append(payload)
            return payloads

    # --- authorization and webhooks -------------------------------------------------------

    def revoke(self, athlete_id: int) -> bool:
        """The athlete removes the app: tokens die and, if they were live, a deauth event fires."""
        with self.lock:
            self.athlete(athlete_id)
            had_access = self.tokens.revoke_athlete(athlete_id)
            if had_access:
                self._emit("athlete", athlete_id, athlete_id, "update", {"authorized": "false"})
            return had_access

    def _emit_activity(self, record: ActivityRecord, aspect: str, updates: dict[str, str]) -> None:
        # Strava only tells an app about athletes who currently authorize it.
        if self.tokens.is_authorized(record.athlete_id):
            self._emit("activity", record.activity_id, record.athlete_id, aspect, updates)

    def _emit(
        self, object_type: str, object_id: int, owner_id: int, aspect: str, updates: dict[str, str]
    ) -> None:
        if self.subscription is None:
            return
        event = {
            "aspect_type": aspect,
            "event_time": self.clock.epoch(),
            "object_id": object_id,
            "object_type": object_type,
            "owner_id": owner_id,
            "subscription_id": self.subscription.subscription_id,
            "updates": dict(updates),
        }
        self.deliveries.submit(self.subscription.callback_url, copy.deepcopy(event))

    # --- faults and the call log ----------------------------------------------------------

    def take_fault(self, path: str) -> InjectedFault | None:
        with self.lock:
            for fault in self.faults:
                if path.startswith(fault.path_prefix) and fault.remaining > 0:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self.faults.remove(fault)
                    return fault
            return None

    def record_call(
        self, method: str, path: str, query: dict[str, str], status: int | None, note: str = ""
    ) -> None:
        with self.lock:
            entry: JSON = {
                "method": method,
                "path": path,
                "query": dict(query),
                "status": status,
                "time": self.clock.now().isoformat(),
            }
            if note:
                entry["note"] = note
            self.calls.append(entry)
