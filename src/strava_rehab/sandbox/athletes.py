"""Athletes as Strava serves them (SummaryAthlete / DetailedAthlete)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .activities import format_utc

JSON = dict[str, Any]


@dataclass
class AthleteRecord:
    athlete_id: int
    firstname: str
    lastname: str
    timezone: str
    city: str = "Berlin"
    state: str = "Berlin"
    country: str = "Germany"
    sex: str = "F"
    created_at: datetime | None = None
    updated_at: datetime | None = None
    shoes: list[JSON] = field(default_factory=list)
    bikes: list[JSON] = field(default_factory=list)
    # "meters" or "feet", as the athlete set it in Strava (a US runner: "feet").
    measurement_preference: str = "meters"

    def username(self) -> str:
        return f"{self.firstname}_{self.lastname}".lower().replace(" ", "_")

    def summary_payload(self) -> JSON:
        return {
            "id": self.athlete_id,
            "username": self.username(),
            "resource_state": 2,
            "firstname": self.firstname,
            "lastname": self.lastname,
            "bio": None,
            "city": self.city,
            "state": self.state,
            "country": self.country,
            "sex": self.sex,
            "premium": True,
            "summit": True,
            "created_at": None if self.created_at is None else format_utc(self.created_at),
            "updated_at": None if self.updated_at is None else format_utc(self.updated_at),
            "badge_type_id": 1,
            "weight": None,
            # Strava's placeholder avatar for athletes without a photo.
            "profile_medium": "avatar/athlete/medium.png",
            "profile": "avatar/athlete/large.png",
            "friend": None,
            "follower": None,
        }

    def detailed_payload(self) -> JSON:
        payload = self.summary_payload()
        payload.update(
            {
                "resource_state": 3,
                "follower_count": 12,
                "friend_count": 15,
                "mutual_friend_count": 0,
                "athlete_type": 1,
                "date_preference": "%d/%m/%Y",
                "measurement_preference": self.measurement_preference,
                "clubs": [],
                "ftp": None,
                "bikes": [dict(bike) for bike in self.bikes],
                "shoes": [dict(shoe) for shoe in self.shoes],
            }
        )
        return payload


MEASUREMENT_PREFERENCES = ("meters", "feet")


def check_measurement_preference(value: str) -> str:
    if value not in MEASUREMENT_PREFERENCES:
        raise ValueError(
            f"unknown measurement_preference {value!r}; use one of "
            + ", ".join(MEASUREMENT_PREFERENCES)
        )
    return value


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {name!r}; use an IANA name such as Europe/Berlin"
        ) from None
    return name
