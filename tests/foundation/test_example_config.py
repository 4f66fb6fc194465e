"""The example settings file documents every setting, with the defaults, and loads cleanly."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pydantic import BaseModel

from strava_rehab.content import content_dir
from strava_rehab.settings import Settings, load_settings

EXAMPLE = content_dir() / "strava-rehab.example.toml"


def documented_keys(text: str) -> set[str]:
    keys, section = set(), ""
    for line in text.splitlines():
        line = line.strip().lstrip("# ").strip()
        if match := re.fullmatch(r"\[([a-z_]+)\]", line):
            section = match.group(1) + "."
        elif match := re.match(r"([a-z0-9_]+) = ", line):
            keys.add(section + match.group(1))
    return keys


def all_settings() -> set[str]:
    keys = set()
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= {f"{name}.{sub}" for sub in annotation.model_fields}
        else:
            keys.add(name)
    return keys


def test_every_setting_is_documented() -> None:
    assert documented_keys(EXAMPLE.read_text()) == all_settings()


def test_example_loads_and_equals_the_defaults(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = isolated_env / "config" / "strava-rehab.toml"
    target.parent.mkdir()
    shutil.copy(EXAMPLE, target)
    from_file = load_settings()
    monkeypatch.chdir(isolated_env.parent)
    defaults = load_settings()
    assert from_file.model_dump() == defaults.model_dump()
