"""Strava push events: the model, and the validation a body gets before anything trusts it.

Strava's webhook is unsigned and its URL is the only secret, so a body is hostile until it has
passed here: it is small (the web app caps its size), nested at most two levels (the event and
its ``updates``), and every field is bounded: ids are positive 64-bit integers (the columns are
BIGINT), the types come from Strava's enums, ``updates`` is a short flat map of short strings and
``event_time`` lies between Strava's founding and 2100. Whatever fails is one
:class:`InvalidEvent` whose message names the field, never a 500.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
)

from strava_rehab.errors import UserFacingError, entry_path

MAX_ID = 2**63 - 1  # BIGINT: a larger id cannot be stored, so it is not a Strava id
EARLIEST_EVENT = 1_230_768_000  # 2009-01-01, before Strava's first upload
LATEST_EVENT = 4_102_444_800  # 2100-01-01
MAX_DEPTH = 2  # {"updates": {...}}
MAX_UPDATES = 10
MAX_UPDATE_KEY = 40
MAX_UPDATE_VALUE = 1024

StravaId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


def _as_text(value: Any) -> Any:
    """Strava sends strings (``"private": "true"``); a bare boolean or integer means the same."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) <= MAX_ID:
        return str(value)
    return value  # anything else must already be a string, or it fails as one


UpdateKey = Annotated[str, Field(min_length=1, max_length=MAX_UPDATE_KEY, pattern=r"^[A-Za-z_]+$")]
UpdateText = Annotated[StrictStr, BeforeValidator(_as_text), Field(max_length=MAX_UPDATE_VALUE)]


class EventPayload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    object_type: Literal["activity", "athlete"]
    object_id: StravaId
    aspect_type: Literal["create", "update", "delete"]
    owner_id: StravaId
    subscription_id: StravaId
    event_time: Annotated[StrictInt, Field(ge=EARLIEST_EVENT, le=LATEST_EVENT)]
    updates: dict[UpdateKey, UpdateText] = Field(default_factory=dict, max_length=MAX_UPDATES)


class InvalidEvent(UserFacingError, ValueError):
    """The body is not a Strava event; the message says which field is wrong."""


def parse_event(body: Any) -> EventPayload:
    """Validate an already-decoded body."""
    try:
        return EventPayload.model_validate(body)
    except ValidationError as exc:
        fields = ", ".join(
            f"{entry_path(e['loc']) if e['loc'] else 'body'}: {e['msg']}"
            for e in exc.errors(include_input=False, include_url=False)
        )
        raise InvalidEvent(f"not a Strava event ({fields})") from None


def nesting_depth(raw: bytes) -> int:
    """How deep objects and arrays nest in a JSON text, without parsing it (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x7B, 0x5B):  # { [
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x7D, 0x5D):  # } ]
            depth -= 1
    return deepest


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_event_body(raw: bytes) -> EventPayload:
    """Decode and validate a raw request body: JSON, nested at most two levels, a Strava event.

    The depth is checked before decoding, so a body like ``[[[[...]]]]`` never reaches the
    recursive decoder; numbers too long to convert and ``NaN`` are refused as not JSON.
    """
    if nesting_depth(raw) > MAX_DEPTH:
        raise InvalidEvent(f"not a Strava event (body: nested deeper than {MAX_DEPTH} levels)")
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidEvent("body is not JSON") from None
    return parse_event(body)
