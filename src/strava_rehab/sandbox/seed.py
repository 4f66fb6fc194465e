"""The seeded runner: about six months of believable training ending in a clear mileage spike.

Everything is generated from a fixed random seed relative to ``now`` so tests can recompute
what they expect. Weeks are 7-day blocks of *local* dates ending yesterday; the last day of
each block (today, today-7, ...) is always a rest day from running, so "the last 7 days" and
"the 7 days before" contain the same runs whatever the time of day ``now`` falls on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .activities import ActivityRecord, check_fields, detail_payload, new_activity_fields
from .athletes import AthleteRecord

JSON = dict[str, Any]

SEED_ATHLETE_ID = 1001
SEED_TIMEZONE = "Europe/Berlin"
FIRST_ACTIVITY_ID = 14_000_000_000
FIRST_UPLOAD_ID = 15_000_000_000
SHOE_ID = "g10010001"
BIKE_ID = "b10010001"
_RANDOM_SEED = 20_260_401
_WEEKS = 26
_HOME = (52.5145, 13.3501)  # Tiergarten, Berlin

# Runner-written descriptions: line breaks, emoji (outside the BMP too) and trailing spaces,
# so a write-back can be checked byte for byte.
_OWN_DESCRIPTIONS = (
    "Morning shakeout ☀️\n\nLegs heavy for 2 km, then fine.",
    "Long one along the Spree 🏃‍♀️💨\nTwo gels, no issues.\n— felt strong",
    "Rainy loop 🌧️  \nShoes soaked, mood great.  ",
    "Progression run: last 3 km at HM pace 🔥\n\n\nSplits on the watch.",
    "Easy with Jana 👯‍♀️ chatted the whole way\ttab-separated notes\tok",
)
_PAIN_DESCRIPTION = "Easy river loop.\nLeft shin a bit sore 3/10 from km 6, eased off. 🦵"
_PAIN_NOTE = "left shin a bit sore 3/10 — ice + calf raises tonight"


@dataclass
class _Plan:
    day: date
    at: time
    fields: JSON


def seed_athlete(now: datetime) -> AthleteRecord:
    return AthleteRecord(
        athlete_id=SEED_ATHLETE_ID,
        firstname="Maren",
        lastname="Sandvik",
        timezone=SEED_TIMEZONE,
        city="Berlin",
        state="Berlin",
        country="Germany",
        sex="F",
        created_at=datetime(2019, 3, 14, 7, 12, 44, tzinfo=UTC),
        updated_at=now.astimezone(UTC).replace(microsecond=0),
        shoes=[
            {
                "id": SHOE_ID,
                "primary": True,
                "name": "Novablast 4",
                "resource_state": 2,
                "distance": 0.0,
            }
        ],
        bikes=[
            {
                "id": BIKE_ID,
                "primary": True,
                "name": "Commuter",
                "resource_state": 2,
                "distance": 0.0,
            }
        ],
    )


def _run(rng: random.Random, distance_km: float, *, long_run: bool) -> JSON:
    pace = rng.uniform(340, 380) if long_run else rng.uniform(325, 370)
    distance = round(distance_km * 1000, 1)
    moving = round(distance_km * pace)
    return {
        "sport_type": "Run",
        "distance": distance,
        "moving_time": moving,
        "elapsed_time": moving + rng.randint(30, 300),
        "total_elevation_gain": round(distance_km * rng.uniform(2.0, 7.0), 1),
        "workout_type": 2 if long_run else 0,
        "gear_id": SHOE_ID,
        "average_heartrate": round(rng.uniform(138, 152), 1),
        "max_heartrate": rng.randint(165, 182),
        "average_cadence": round(rng.uniform(82, 87), 1),
        "kudos_count": rng.randint(0, 14),
        "calories": round(distance_km * rng.uniform(60, 68), 1),
        "start_latlng": [
            round(_HOME[0] + rng.uniform(-0.01, 0.01), 6),
            round(_HOME[1] + rng.uniform(-0.01, 0.01), 6),
        ],
        "location_country": "Germany",
    }


def _morning(rng: random.Random) -> time:
    return time(rng.randint(6, 7), rng.randint(0, 59), rng.randint(0, 59))


def _evening(rng: random.Random) -> time:
    return time(rng.randint(18, 19), rng.randint(0, 59), rng.randint(0, 59))


def _week_plans(
    rng: random.Random, block_start: date, volume_km: float, long_km: float, k: int
) -> list[_Plan]:
    easy_total = max(volume_km - long_km, 15.0)
    count = 4 if easy_total / 4 >= 5.5 else 3
    long_slot = rng.choice([4, 5])
    slots = sorted(rng.sample([s for s in range(6) if s != long_slot], count))
    plans = [
        _Plan(
            block_start + timedelta(days=long_slot),
            time(rng.randint(8, 9), rng.randint(0, 59), rng.randint(0, 59)),
            {**_run(rng, long_km, long_run=True), "name": "Long Run"},
        )
    ]
    for slot in slots:
        km = min(12.0, max(5.0, easy_total / count * rng.uniform(0.85, 1.15)))
        at = _morning(rng) if rng.random() < 0.65 else _evening(rng)
        plans.append(_Plan(block_start + timedelta(days=slot), at, _run(rng, km, long_run=False)))
    free = [s for s in range(6) if s != long_slot and s not in slots]
    if free and k % 2 == 0:
        km = rng.uniform(25, 45)
        moving = round(km / rng.uniform(23, 28) * 3600)
        plans.append(
            _Plan(
                block_start + timedelta(days=free[0]),
                time(rng.randint(10, 16), rng.randint(0, 59)),
                {
                    "sport_type": "Ride",
                    "distance": round(km * 1000, 1),
                    "moving_time": moving,
                    "elapsed_time": moving + rng.randint(120, 900),
                    "total_elevation_gain": round(km * rng.uniform(3, 6), 1),
                    "gear_id": BIKE_ID,
                    "start_latlng": [_HOME[0], _HOME[1]],
                    "location_country": "Germany",
                    "kudos_count": rng.randint(0, 6),
                },
            )
        )
    if k % 3 == 1:
        km = rng.uniform(3, 6)
        moving = round(km * rng.uniform(660, 780))
        plans.append(
            _Plan(
                block_start + timedelta(days=6),
                time(rng.randint(14, 16), rng.randint(0, 59)),
                {
                    "sport_type": "Walk",
                    "distance": round(km * 1000, 1),
                    "moving_time": moving,
                    "elapsed_time": moving + rng.randint(60, 600),
                    "start_latlng": [_HOME[0], _HOME[1]],
                    "location_country": "Germany",
                },
            )
        )
    return plans


def _runs_of(plans: list[_Plan]) -> list[_Plan]:
    return [p for p in plans if p.fields["sport_type"] == "Run"]


def _plan_history(rng: random.Random, today: date) -> list[_Plan]:
    plans: list[_Plan] = []
    week_sums: dict[int, float] = {}
    for k in range(_WEEKS - 1, 0, -1):
        block_start = today - timedelta(days=7 * k + 6)
        # A gentle build from ~38 to ~48 km/week with mild cutbacks: no week jumps > ~20 %.
        volume = 38 + (_WEEKS - 1 - k) * 10 / (_WEEKS - 2)
        if k % 4 == 3 and k > 5:
            volume *= 0.92
        volume *= rng.uniform(0.96, 1.04)
        long_km = rng.uniform(16, 22) if k > 5 else rng.uniform(16, 18)
        week = _week_plans(rng, block_start, volume, long_km, k)
        week_sums[k] = sum(p.fields["distance"] for p in _runs_of(week)) / 1000
        plans.extend(week)
    # The spike: the last 7 days run ~42 % more than the week before, including a long run
    # ~36 % longer than anything in the 30 days before it.
    block_start = today - timedelta(days=6)
    spike_day = block_start + timedelta(days=4)
    window_start = spike_day - timedelta(days=30)
    recent_longest = max(
        p.fields["distance"] for p in _runs_of(plans) if window_start <= p.day < spike_day
    )
    spike_km = round(recent_longest * 1.36 / 1000, 2)
    easy_each = (week_sums[1] * 1.42 - spike_km) / 4
    plans.append(
        _Plan(
            spike_day,
            time(8, 41, 5),
            {
                **_run(rng, spike_km, long_run=True),
                "name": "Longest run ever?! 🏔️",
                "description": "Felt amazing, kept going past the usual turnaround.\nLegs toast.",
            },
        )
    )
    for slot in (0, 1, 3, 5):
        km = min(12.0, max(5.0, easy_each * rng.uniform(0.97, 1.03)))
        plans.append(
            _Plan(block_start + timedelta(days=slot), _morning(rng), _run(rng, km, long_run=False))
        )
    return plans


def _decorate(plans: list[_Plan], today: date) -> None:
    """Give specific runs the traits tests and the demo rely on."""

    def easy_runs_in_block(k: int) -> list[_Plan]:
        first = today - timedelta(days=7 * k + 6)
        return sorted(
            (
                p
                for p in _runs_of(plans)
                if first <= p.day <= first + timedelta(days=6) and p.fields["workout_type"] == 0
            ),
            key=lambda p: (p.day, p.at),
        )

    # Late-evening runs: local date and UTC date differ from the wall clock's point of view.
    for k, at in ((20, time(23, 27, 12)), (9, time(23, 34, 40))):
        run = easy_runs_in_block(k)[-1]
        run.at = at
        run.fields["name"] = "Midnight-ish run 🌙"
    pain_run = easy_runs_in_block(3)[1]
    pain_run.fields.update(
        {"description": _PAIN_DESCRIPTION, "private_note": _PAIN_NOTE, "perceived_exertion": 4}
    )
    private_run = easy_runs_in_block(2)[0]
    private_run.fields.update({"private": True, "name": "Solo recovery jog"})
    treadmill = easy_runs_in_block(5)[0]
    for key in ("start_latlng", "average_cadence", "average_heartrate", "max_heartrate"):
        treadmill.fields.pop(key, None)
    treadmill.fields.update(
        {
            "name": "Treadmill 8k",
            "distance": 8000.0,
            "moving_time": 2760,
            "elapsed_time": 2760,
            "total_elevation_gain": 0.0,
            "manual": True,
            "trainer": True,
            "has_heartrate": False,
        }
    )
    for k, text in zip((24, 17, 12, 7, 4), _OWN_DESCRIPTIONS, strict=True):
        easy_runs_in_block(k)[-1].fields["description"] = text


def seed_records(now: datetime) -> tuple[AthleteRecord, list[ActivityRecord]]:
    """The seeded athlete and activity records, oldest first (pure: depends only on ``now``)."""
    if now.utcoffset() is None:
        raise ValueError("seed_history needs an aware datetime for now")
    tz = ZoneInfo(SEED_TIMEZONE)
    today = now.astimezone(tz).date()
    rng = random.Random(_RANDOM_SEED)
    plans = _plan_history(rng, today)
    _decorate(plans, today)
    athlete = seed_athlete(now)
    records: list[ActivityRecord] = []
    activity_id = FIRST_ACTIVITY_ID
    upload_id = FIRST_UPLOAD_ID
    for plan in sorted(plans, key=lambda p: (p.day, p.at)):
        start = datetime.combine(plan.day, plan.at, tzinfo=tz).astimezone(UTC)
        activity_id += rng.randint(40_000, 900_000)
        upload_id += rng.randint(40_000, 900_000)
        _, given = check_fields(plan.fields, SEED_TIMEZONE)
        manual = bool(given.get("manual", False))
        fields = new_activity_fields(start, SEED_TIMEZONE, given, None if manual else upload_id)
        records.append(ActivityRecord(activity_id, SEED_ATHLETE_ID, SEED_TIMEZONE, start, fields))
    run_metres = sum(r.fields["distance"] for r in records if r.fields["sport_type"] == "Run")
    athlete.shoes[0]["distance"] = round(run_metres, 1)
    ride_metres = sum(r.fields["distance"] for r in records if r.fields["sport_type"] == "Ride")
    athlete.bikes[0]["distance"] = round(ride_metres, 1)
    return athlete, records


def seed_history(now: datetime) -> tuple[JSON, list[JSON]]:
    """The seeded runner as Strava payloads: (DetailedAthlete, DetailedActivities oldest first)."""
    athlete, records = seed_records(now)
    return athlete.detailed_payload(), [detail_payload(r) for r in records]
