"""The one JSON serializer of every machine-readable output: the CLI's ``--json`` and the web API.

Every datetime leaves as ISO 8601 with its offset (``2026-12-01T17:47:28+00:00``): never
``str(datetime)``'s space, never pydantic's ``Z`` beside another field's ``+00:00``, never naive.
A naive datetime can only be UTC here (the database stores UTC), so it is written as UTC rather
than as a time a reader would take for local.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from enum import Enum
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel, SecretStr


def iso_datetime(value: datetime) -> str:
    """``2026-12-01T17:47:28+00:00``: the offset always, the microseconds only if there are any."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.isoformat()


def jsonable(value: Any) -> Any:
    """``value`` with every datetime, date, model and set turned into plain JSON types."""
    if isinstance(value, datetime):  # before date: a datetime is a date
        return iso_datetime(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, BaseModel):
        # Python mode, not "json": pydantic's json mode writes UTC as "Z" and naive as naive.
        return jsonable(value.model_dump())
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((jsonable(v) for v in value), key=str)
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, SecretStr):
        return str(value)  # masked: "**********"
    if isinstance(value, PurePath):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def dumps(value: Any, *, compact: bool = False) -> str:
    """Indented for people (the CLI), or compact on the wire (the web API)."""
    if compact:
        return json.dumps(jsonable(value), ensure_ascii=False, separators=(",", ":"))
    return json.dumps(jsonable(value), indent=2, ensure_ascii=False)
