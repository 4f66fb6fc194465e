"""A seeded population of runners for scale experiments, and the day of uploads ahead of them.

Everything is a pure function of the spec's ``seed``, the athlete's index and the local date:
athlete ``i`` of a 200-athlete population is the same runner as athlete ``i`` of a 50-athlete
one, and the plan for a given date never depends on which window (history or schedule) asks.

Each athlete has habits: a time zone, one to a few usual upload times (early morning, lunch,
evening) with a personal jitter, an easy distance and pace, a weekly long-run day, and maybe a
recent mileage spike. A day's runs are uploaded around those times; the activity starts
``elapsed_time`` plus a few minutes of watch sync earlier.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .activities import _default_name
from .athletes import check_timezone
from .scopes import parse_scopes

JSON = dict[str, Any]

# (IANA zone, city, country, (lat, lng)): a spread of offsets, half-hours and DST rules included.
PLACES: tuple[tuple[str, str, str, tuple[float, float]], ...] = (
    ("Europe/Berlin", "Berlin", "Germany", (52.5145, 13.3501)),
    ("Europe/London", "London", "United Kingdom", (51.5074, -0.1278)),
    ("America/New_York", "New York", "United States", (40.7812, -73.9665)),
    ("America/Chicago", "Chicago", "United States", (41.8781, -87.6298)),
    ("America/Los_Angeles", "Los Angeles", "United States", (34.0522, -118.2437)),
    ("America/Sao_Paulo", "São Paulo", "Brazil", (-23.5505, -46.6333)),
    ("Asia/Tokyo", "Tokyo", "Japan", (35.6762, 139.6503)),
    ("Asia/Kolkata", "Bengaluru", "India", (12.9716, 77.5946)),
    ("Asia/Singapore", "Singapore", "Singapore", (1.3521, 103.8198)),
    ("Australia/Sydney", "Sydney", "Australia", (-33.8688, 151.2093)),
    ("Pacific/Auckland", "Auckland", "New Zealand", (-36.8485, 174.7633)),
    ("Africa/Johannesburg", "Johannesburg", "South Africa", (-26.2041, 28.0473)),
    ("Europe/Madrid", "Madrid", "Spain", (40.4168, -3.7038)),
    ("America/Denver", "Denver", "United States", (39.7392, -104.9903)),
)
DEFAULT_TIMEZONES = tuple(place[0] for place in PLACES)
_PLACE_OF = {place[0]: place for place in PLACES}

_FIRST_NAMES = (
    "Anna", "Ben", "Chloe", "Diego", "Elif", "Finn", "Grace", "Hiro", "Ines", "Jonas",
    "Kira", "Liam", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sami", "Tara",
)  # fmt: skip
_LAST_NAMES = (
    "Alvarez", "Berg", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ito",
    "Jensen", "Kowalski", "Lopez", "Müller", "Nakamura", "Okafor", "Patel", "Rossi", "Silva",
)  # fmt: skip
_SIDES = ("left", "right")
_PARTS = ("shin", "knee", "achilles", "calf", "hip", "foot", "hamstring", "ankle")
_FEELINGS = ("sore", "tight", "aching", "a bit sore", "twinge in the", "niggle,")
_PLAIN_NOTES = (
    "Easy run, felt good.",
    "Legs heavy at first, fine after 2 km.",
    "Windy loop 🌬️",
    "Nice and relaxed with music.",
    "Tempo bit in the middle, all good 🔥",
)
_TITLES = ("Recovery jog", "Sunrise miles ☀️", "After-work loop", "Tempo Tuesday", "Easy one")

SCHEDULE_KINDS = ("upload", "note", "title", "delete", "deauth")
MAX_ATHLETES = 20_000
MAX_RUNS_PER_DAY = 6


@dataclass(frozen=True)
class PopulationSpec:
    """What to seed. Rates are probabilities per run (per athlete for ``deauth_rate``)."""

    athletes: int = 10
    seed: int = 1
    history_days: int = 42  # full local days of past uploads before today
    schedule_days: float = 1.0  # future uploads from now, for advance_time to deliver
    runs_per_day: float = 2.0  # exact for integers; 1.5 = one run, plus a second half the days
    pain_rate: float = 0.1  # runs whose description carries a pain note ("left shin sore 4/10")
    late_note_rate: float = 0.0  # scheduled runs whose note is typed later (no webhook)
    title_update_rate: float = 0.0  # scheduled runs renamed later (an "update" webhook)
    delete_rate: float = 0.0  # scheduled runs deleted later (a "delete" webhook)
    deauth_rate: float = 0.0  # athletes who remove the app during the schedule
    spike_rate: float = 0.25  # athletes whose last 7 days run ~45 % longer
    authorize: bool = True  # issue each athlete a token pair for the app, no browser
    scope: str = "read,activity:read_all,activity:write"
    long_history_years: int = 0  # the first athlete also gets this many years of older runs
    timezones: tuple[str, ...] = DEFAULT_TIMEZONES
    first_athlete_id: int = 100_001

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not 1 <= self.athletes <= MAX_ATHLETES:
            problems.append(f"athletes must be 1..{MAX_ATHLETES}, got {self.athletes}")
        if not 0 <= self.history_days <= 3660:
            problems.append(f"history_days must be 0..3660, got {self.history_days}")
        if not 0 <= self.schedule_days <= 60:
            problems.append(f"schedule_days must be 0..60, got {self.schedule_days}")
        if not 0 <= self.runs_per_day <= MAX_RUNS_PER_DAY:
            problems.append(f"runs_per_day must be 0..{MAX_RUNS_PER_DAY}, got {self.runs_per_day}")
        for name in (
            "pain_rate",
            "late_note_rate",
            "title_update_rate",
            "delete_rate",
            "deauth_rate",
            "spike_rate",
        ):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                problems.append(f"{name} must be between 0 and 1, got {value}")
        if not 0 <= self.long_history_years <= 20:
            problems.append(f"long_history_years must be 0..20, got {self.long_history_years}")
        if self.first_athlete_id <= 0:
            problems.append(f"first_athlete_id must be positive, got {self.first_athlete_id}")
        if not self.timezones:
            problems.append("timezones must not be empty")
        for zone in self.timezones:
            try:
                check_timezone(zone)
            except ValueError as error:
                problems.append(str(error))
        try:
            parse_scopes(self.scope)
        except ValueError as error:
            problems.append(str(error))
        if problems:
            raise ValueError("invalid PopulationSpec: " + "; ".join(problems))

    @classmethod
    def from_json(cls, data: JSON) -> PopulationSpec:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"unknown population field(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        values = dict(data)
        if "timezones" in values:
            raw = values["timezones"]
            if not isinstance(raw, list | tuple) or not all(isinstance(z, str) for z in raw):
                raise ValueError("timezones must be a list of IANA names")
            values["timezones"] = tuple(raw)
        for name in ("athletes", "seed", "history_days", "long_history_years", "first_athlete_id"):
            if name in values and (
                isinstance(values[name], bool) or not isinstance(values[name], int)
            ):
                raise ValueError(f"{name} must be an integer, got {values[name]!r}")
        return cls(**values)

    def as_json(self) -> JSON:
        data = asdict(self)
        data["timezones"] = list(self.timezones)
        return data


@dataclass(frozen=True)
class Habits:
    """One athlete's training habits (all derived from the population seed and the index)."""

    index: int
    athlete_id: int
    firstname: str
    lastname: str
    timezone: str
    city: str
    country: str
    sex: str
    home: tuple[float, float]
    upload_minutes: tuple[int, ...]  # usual upload times, minutes after local midnight
    jitter_min: float  # standard deviation of an upload around its usual time
    easy_km: float
    pace_s_per_km: float
    long_run_weekday: int  # 0 = Monday
    spike: bool
    deauth_at_fraction: float | None  # where in the first schedule window they deauthorize

    def as_json(self) -> JSON:
        return {
            "upload_times": [f"{m // 60:02d}:{m % 60:02d}" for m in self.upload_minutes],
            "jitter_min": self.jitter_min,
            "easy_km": self.easy_km,
            "pace_s_per_km": self.pace_s_per_km,
            "long_run_weekday": self.long_run_weekday,
            "spike": self.spike,
            "deauthorizes": self.deauth_at_fraction is not None,
        }


@dataclass(slots=True)
class PlannedRun:
    """One upload: when it reaches Strava, the activity's fields, and what happens later."""

    athlete_id: int
    upload_at: datetime  # UTC
    start: datetime  # UTC: upload_at less elapsed time and a few minutes of watch sync
    fields: JSON  # check_fields input (start aside): distance, times, description...
    late_note: tuple[datetime, str] | None = None
    title_update: tuple[datetime, str] | None = None
    delete_at: datetime | None = None


@dataclass
class Population:
    spec: PopulationSpec
    habits: list[Habits]
    seeded_at: datetime
    schedule_until: datetime
    initial_tokens: dict[int, JSON] = field(default_factory=dict)


def _mix(*parts: int) -> int:
    """A deterministic 64-bit seed from integers (no hash randomisation, cheap to compute)."""
    value = 0x9E3779B97F4A7C15
    for part in parts:
        value = ((value ^ (part & 0xFFFFFFFFFFFFFFFF)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        value ^= value >> 31
    return value


def _slot_centres(rng: random.Random, count: int) -> tuple[int, ...]:
    morning = rng.randint(5 * 60 + 30, 8 * 60 + 30)
    lunch = rng.randint(12 * 60, 13 * 60)
    evening = rng.randint(17 * 60, 20 * 60 + 30)
    if count <= 0:
        return ()
    if count == 1:
        return (morning,) if rng.random() < 0.6 else (evening,)
    if count == 2:
        return (morning, evening)
    if count == 3:
        return (morning, lunch, evening)
    step = (21 * 60 - morning) // (count - 1)
    return tuple(morning + k * step for k in range(count))


def make_habits(spec: PopulationSpec, index: int) -> Habits:
    rng = random.Random(_mix(spec.seed, index, 1))
    zone = spec.timezones[rng.randrange(len(spec.timezones))]
    place = _PLACE_OF.get(zone, (zone, "Springfield", "Nowhere", (0.0, 0.0)))
    firstname = _FIRST_NAMES[rng.randrange(len(_FIRST_NAMES))]
    lastname = _LAST_NAMES[rng.randrange(len(_LAST_NAMES))]
    sex = "F" if rng.random() < 0.5 else "M"
    slots = _slot_centres(rng, math.ceil(spec.runs_per_day))
    jitter = round(rng.uniform(8, 30), 1)
    easy_km = round(rng.uniform(5, 11), 2)
    pace = round(rng.uniform(285, 390), 1)
    long_day = rng.randrange(7)
    spike = rng.random() < spec.spike_rate
    deauth_draw, deauth_at = rng.random(), rng.uniform(0.1, 0.9)
    return Habits(
        index=index,
        athlete_id=spec.first_athlete_id + index,
        firstname=firstname,
        lastname=f"{lastname}-{index}",
        timezone=zone,
        city=place[1],
        country=place[2],
        sex=sex,
        home=place[3],
        upload_minutes=slots,
        jitter_min=jitter,
        easy_km=easy_km,
        pace_s_per_km=pace,
        long_run_weekday=long_day,
        spike=spike,
        deauth_at_fraction=deauth_at if deauth_draw < spec.deauth_rate else None,
    )


# Strava's automatic titles by local hour, as activities._default_name makes them for runs.
_TITLE_BY_HOUR = tuple(_default_name("Run", hour) for hour in range(24))


@functools.lru_cache(maxsize=4096)
def _local_midnight(zone_name: str, day: date) -> tuple[datetime, datetime | None]:
    """(naive local midnight, its UTC instant if the day has one offset throughout, else None).

    Shared by every athlete in the zone: one conversion per zone and day, not per run.
    """
    zone = ZoneInfo(zone_name)
    midnight = datetime(day.year, day.month, day.day)  # noqa: DTZ001 - a local wall clock
    utc_offset = zone.utcoffset(midnight)
    if utc_offset != zone.utcoffset(midnight + timedelta(hours=23, minutes=59)):
        return midnight, None
    return midnight, midnight.replace(tzinfo=UTC) - (utc_offset or timedelta())


def pain_note(draws: tuple[float, float, float, float]) -> str:
    """ "Left shin sore 4/10" and friends, from four uniform draws."""
    side = _SIDES[int(draws[0] * len(_SIDES))]
    part = _PARTS[int(draws[1] * len(_PARTS))]
    feeling = _FEELINGS[int(draws[2] * len(_FEELINGS))]
    score = 2 + int(draws[3] * 6)
    if feeling.endswith(("the", ",")):
        return f"{feeling.capitalize()} {side} {part} {score}/10"
    return f"{side.capitalize()} {part} {feeling} {score}/10"


def plan_day(spec: PopulationSpec, habits: Habits, day: date, spike_from: date) -> list[PlannedRun]:
    """The runs ``habits`` uploads on local date ``day`` (pure: same inputs, same runs)."""
    rng = random.Random(_mix(spec.seed, habits.index, day.toordinal()))
    # Raw uniform draws, a fixed number per run whatever the rates, so changing one rate
    # moves nothing else (and seeding 1,000 athletes stays fast).
    draw = rng.random
    whole = int(spec.runs_per_day)
    count = whole + (1 if draw() < spec.runs_per_day - whole else 0)
    slots = list(habits.upload_minutes)
    chosen = sorted(rng.sample(slots, count)) if count < len(slots) else slots[:count]
    midnight, base = _local_midnight(habits.timezone, day)
    runs: list[PlannedRun] = []
    for position, centre in enumerate(chosen):
        d = [draw() for _ in range(24)]
        # Irwin-Hall: three uniforms make a bell curve with standard deviation jitter_min.
        offset = max(-90.0, min(90.0, (d[21] + d[22] + d[23] - 1.5) * 2 * habits.jitter_min))
        minute = int(max(0.0, min(24 * 60 - 1.0, centre + offset)))
        since_midnight = timedelta(minutes=minute, seconds=int(d[0] * 60))
        if base is not None:
            upload_at = base + since_midnight
        else:
            zone = ZoneInfo(habits.timezone)
            upload_at = (midnight + since_midnight).replace(tzinfo=zone).astimezone(UTC)
        km = habits.easy_km * (0.8 + 0.4 * d[1])
        long_run = position == 0 and day.weekday() == habits.long_run_weekday
        if long_run:
            km *= 1.7
        if habits.spike and day >= spike_from:
            km *= 1.45
        moving = round(km * habits.pace_s_per_km * (0.95 + 0.1 * d[2]))
        elapsed = moving + 30 + int(d[3] * 370)
        start = upload_at - timedelta(seconds=elapsed + 60 + int(d[4] * 840))
        description: str | None = None
        if d[10] < spec.pain_rate:
            description = pain_note((d[5], d[6], d[7], d[8]))
        elif d[11] < 0.3:
            description = _PLAIN_NOTES[int(d[9] * len(_PLAIN_NOTES))]
        heartrate = 135 + 23 * d[12]
        start_minute = minute - (elapsed + 900) // 60
        run_fields: JSON = {
            "name": "Long Run" if long_run else _TITLE_BY_HOUR[max(0, start_minute) // 60],
            "sport_type": "Run",
            "distance": round(km * 1000, 1),
            "moving_time": moving,
            "elapsed_time": elapsed,
            "total_elevation_gain": round(km * 4.0, 1),
            "workout_type": 2 if long_run else 0,
            "description": description,
            "average_heartrate": round(heartrate, 1),
            "max_heartrate": int(heartrate) + 20,
            "start_latlng": [
                round(habits.home[0] - 0.02 + 0.04 * d[13], 6),
                round(habits.home[1] - 0.02 + 0.04 * d[14], 6),
            ],
            "location_country": habits.country,
        }
        late_note = None
        if description is None and d[15] < spec.late_note_rate:
            text = (
                pain_note((d[5], d[6], d[7], d[8]))
                if d[16] < 0.5
                else _PLAIN_NOTES[int(d[9] * len(_PLAIN_NOTES))]
            )
            late_note = (upload_at + timedelta(minutes=20 + 160 * d[17]), text)
        title_update = None
        if d[18] < spec.title_update_rate:
            title = _TITLES[int(d[19] * len(_TITLES))]
            title_update = (upload_at + timedelta(minutes=5 + 55 * d[19]), title)
        delete_at = None
        if d[20] < spec.delete_rate:
            delete_at = upload_at + timedelta(
                minutes=10 + 110 * d[20] / max(spec.delete_rate, 1e-9)
            )
        runs.append(
            PlannedRun(
                habits.athlete_id, upload_at, start, run_fields, late_note, title_update, delete_at
            )
        )
    return runs


# What activities.new_activity_fields fills in for a device-recorded run, less what every
# planned run sets itself: merged with one dict display, which keeps seeding 1,000 athletes fast.
_RUN_DEFAULTS: JSON = {
    "private_note": None,
    "private": False,
    "trainer": False,
    "commute": False,
    "manual": False,
    "flagged": False,
    "hide_from_home": False,
    "has_heartrate": True,
    "perceived_exertion": None,
    "gear_id": None,
    "device_name": "Garmin Forerunner 265",
    "average_cadence": 84.0,
    "max_speed": None,
    "kudos_count": 0,
    "comment_count": 0,
    "achievement_count": 0,
    "pr_count": 0,
}


def population_run_fields(given: JSON, upload_id: int) -> JSON:
    """Same result as ``new_activity_fields(start, tz, given, upload_id)`` for a planned run."""
    return {
        **_RUN_DEFAULTS,
        "calories": round(given["distance"] / 1000 * 62.0, 1),
        "external_id": f"garmin_ping_{upload_id}",
        "upload_id": upload_id,
        **given,
    }


def plan_between(
    spec: PopulationSpec, habits: Habits, start: datetime, end: datetime, spike_from: date
) -> list[PlannedRun]:
    """Every run whose upload falls in ``[start, end)``, oldest first."""
    zone = ZoneInfo(habits.timezone)
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    runs: list[PlannedRun] = []
    day = first
    while day <= last:
        runs.extend(
            r for r in plan_day(spec, habits, day, spike_from) if start <= r.upload_at < end
        )
        day += timedelta(days=1)
    return runs


def spike_start(habits: Habits, now: datetime) -> date:
    """The spike covers the 7 local days ending today (and continues into the schedule)."""
    return now.astimezone(ZoneInfo(habits.timezone)).date() - timedelta(days=6)


def history_start(spec: PopulationSpec, habits: Habits, now: datetime) -> datetime:
    """Local midnight ``history_days`` days ago (years more for the long-history athlete)."""
    zone = ZoneInfo(habits.timezone)
    days = spec.history_days
    if habits.index == 0 and spec.long_history_years:
        days += round(365.25 * spec.long_history_years)
    first = now.astimezone(zone).date() - timedelta(days=days)
    return datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
