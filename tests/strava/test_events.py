"""A webhook body is hostile until validated: every field bounded, nothing nested, one error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strava_rehab.strava.events import (
    MAX_ID,
    InvalidEvent,
    nesting_depth,
    parse_event,
    parse_event_body,
)

EVENT: dict[str, Any] = {
    "aspect_type": "update",
    "event_time": 1_764_000_000,
    "object_id": 42,
    "object_type": "activity",
    "owner_id": 7,
    "subscription_id": 1,
    "updates": {"title": "Evening loop", "private": "true"},
}


def body(**changes: Any) -> bytes:
    return json.dumps({**EVENT, **changes}).encode()


def test_a_strava_event_passes_and_booleans_in_updates_become_strings() -> None:
    event = parse_event_body(body(updates={"authorized": False, "private": True}))
    assert event.updates == {"authorized": "false", "private": "true"}
    assert parse_event_body(body(object_id=MAX_ID)).object_id == MAX_ID


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"object_id": 2**63}, "object_id"),
        ({"object_id": 2**64 + 1}, "object_id"),
        ({"owner_id": 0}, "owner_id"),
        ({"subscription_id": -1}, "subscription_id"),
        ({"object_id": "42"}, "object_id"),
        ({"object_id": True}, "object_id"),
        ({"object_id": 42.0}, "object_id"),
        ({"aspect_type": "destroy"}, "aspect_type"),
        ({"object_type": "route"}, "object_type"),
        ({"event_time": -1}, "event_time"),
        ({"event_time": 10**12}, "event_time"),
        ({"updates": {f"k{'x' * i}": "v" for i in range(11)}}, "updates"),
        ({"updates": {"title": "x" * 1025}}, "updates"),
        ({"updates": {"x" * 41: "v"}}, "updates"),
        ({"updates": {"has space": "v"}}, "updates"),
        ({"updates": {"title": ["a"]}}, "nested deeper"),
        ({"updates": {"title": None}}, "updates"),
        ({"updates": {"count": 2**70}}, "updates"),
        ({"updates": []}, "updates"),
    ],
)
def test_every_field_is_bounded(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidEvent, match=field):
        parse_event_body(body(**changes))


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 5000 + b"]" * 5000,
        b'{"updates": {"a": {"b": {}}}}',
        b'{"updates": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    ],
)
def test_nesting_deeper_than_an_event_is_refused_before_decoding(raw: bytes) -> None:
    with pytest.raises(InvalidEvent, match="nested deeper"):
        parse_event_body(raw)


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"\xff\xfe", b'{"object_id": NaN}', b'{"object_id": ' + b"9" * 5000 + b"}"],
)
def test_what_is_not_json_says_so(raw: bytes) -> None:
    with pytest.raises(InvalidEvent, match="not JSON"):
        parse_event_body(raw)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    assert nesting_depth(body(updates={"title": '[[[{{{ "\\"[[['})) == 2
    assert parse_event_body(body(updates={"title": "[[[[[[[[[[[["})).updates["title"] == "[" * 12


def test_the_error_names_every_wrong_field() -> None:
    with pytest.raises(InvalidEvent) as error:
        parse_event({**EVENT, "object_id": 2**64, "aspect_type": "x"})
    assert "object_id" in str(error.value) and "aspect_type" in str(error.value)


SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
NEAR_EVENTS = st.fixed_dictionaries(
    {},
    optional={
        key: SCALARS | st.just(value) | st.dictionaries(st.text(max_size=5), SCALARS, max_size=3)
        for key, value in EVENT.items()
    },
)


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=300)
    | NEAR_EVENTS.map(lambda v: json.dumps(v).encode())
    | st.recursive(SCALARS, lambda c: st.lists(c) | st.dictionaries(st.text(), c)).map(
        lambda v: json.dumps(v).encode()
    )
)
def test_no_body_raises_anything_but_invalid_event(raw: bytes) -> None:
    try:
        event = parse_event_body(raw)
    except InvalidEvent:
        return
    assert 1 <= event.object_id <= MAX_ID and all(
        isinstance(v, str) for v in event.updates.values()
    )
