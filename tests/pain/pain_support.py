"""Shared helpers for the pain-parser tests: the English vocabulary and a tiny TOML writer."""

from __future__ import annotations

import functools
import json
import tomllib
from pathlib import Path
from typing import Any

from strava_rehab.content import default_vocabulary_path, load_vocabulary
from strava_rehab.pain import Vocabulary


@functools.cache
def english() -> Vocabulary:
    """The shipped English vocabulary, loaded once per test process."""
    return load_vocabulary(default_vocabulary_path("en"))


def english_data() -> dict[str, Any]:
    """The shipped English vocabulary as plain TOML data, to break on purpose."""
    return tomllib.loads(default_vocabulary_path("en").read_text(encoding="utf-8"))


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def write_toml(path: Path, data: dict[str, Any]) -> Path:
    """Write ``data`` as TOML, one top-level key per line (inline tables all the way down)."""
    lines = [f"{json.dumps(key)} = {_value(value)}" for key, value in data.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
