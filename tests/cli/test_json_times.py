"""Every ``--json`` output writes every datetime as ISO 8601 with an offset.

The commands are found by walking the CLI for a ``--json`` option, so a new command is walked
without being listed here. They run on a database seeded through the sandbox: connected, synced,
a worker cycle done (pain read, suggestions made and delivered, the health file written).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import typer.main

from strava_rehab.cli import _register, app, main
from strava_rehab.sandbox import Sandbox, SandboxConfig
from strava_rehab.serialize import dumps, iso_datetime, jsonable

SECRET = "json-times-client-secret-7"
KEY = "Yq5wn0Wk2ib2n1tXbUQd1C9P1sgmVpX0F6fQ9wq2xjU="  # a valid Fernet key, only for this test
# Anything that looks like a date followed by a time, whatever the separator.
DATETIME_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def json_commands() -> list[list[str]]:
    """The path of every command that takes --json, e.g. ["pain", "list"]."""
    _register()
    found: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:
        # Duck-typed: typer vendors its own click, so click.Group is not its base.
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
        elif any("--json" in getattr(p, "opts", []) for p in command.params):
            found.append(path)

    walk(typer.main.get_command(app), [])
    return found


def datetimes_in(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from datetimes_in(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from datetimes_in(item, f"{where}[{index}]")
    elif isinstance(value, str) and DATETIME_LIKE.search(value):
        yield where, value


def problem(text: str) -> str | None:
    """Why ``text`` is not an ISO 8601 datetime with an offset (None when it is)."""
    if " " in text.strip() or "T" not in text:
        return "not ISO 8601 (a space, or no T)"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return "does not parse"
    return None if parsed.tzinfo is not None else "naive (no offset)"


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(port=0, client_secret=SECRET)) as sandbox:
        for key, value in {
            "STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"),
            "STRAVA_REHAB_STRAVA_URL": sandbox.url,
            "STRAVA_CLIENT_ID": "12345",
            "STRAVA_CLIENT_SECRET": SECRET,
            "STRAVA_REHAB_SECRET_KEY": KEY,
        }.items():
            monkeypatch.setenv(key, value)
        yield sandbox


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out, err = capsys.readouterr()
    code = int(exit_.value.code or 0)
    assert code == 0, (args, err)
    return code, out


def test_the_walk_finds_the_json_commands() -> None:
    commands = {" ".join(c) for c in json_commands()}
    assert {"athletes", "activities", "analyze", "suggestions", "status", "pain list"} <= commands


def test_every_json_command_writes_datetimes_with_an_offset(
    capsys: pytest.CaptureFixture[str], seeded: Sandbox
) -> None:
    params: dict[str, str | int] = {
        "client_id": 12345,
        "redirect_uri": "http://localhost/cb",
        "response_type": "code",
        "scope": "read,activity:read_all,activity:write",
        "state": "s",
    }
    authorize = requests.get(
        f"{seeded.url}/oauth/authorize", params=params, allow_redirects=False, timeout=5
    ).headers["Location"]
    cli(capsys, "connect", "--code", authorize)
    cli(capsys, "worker", "--once")  # sync, read pain, suggest, deliver, write the health file

    seen: dict[str, int] = {}
    bad: list[str] = []
    for command in json_commands():
        args = [*command, "--json"]
        if command == ["activities"]:
            args += ["--limit", "0"]
        _, out = cli(capsys, *args)
        found = list(datetimes_in(json.loads(out)))
        seen[" ".join(command)] = len(found)
        bad += [
            f"{' '.join(command)}{where}: {text!r}: {why}"
            for where, text in found
            if (why := problem(text))
        ]
    assert bad == []
    # The walk saw real datetimes: the sync times, the activities' starts, the health file.
    assert seen["athletes"] >= 1 and seen["activities"] >= 1 and seen["status"] >= 1


def test_the_serializer_writes_one_form_for_every_datetime() -> None:
    from datetime import UTC, date, timedelta, timezone

    from pydantic import BaseModel

    class Row(BaseModel):
        at: datetime

    aware = datetime(2026, 12, 1, 17, 47, 28, tzinfo=UTC)
    berlin = aware.astimezone(timezone(timedelta(hours=1)))
    assert iso_datetime(aware) == "2026-12-01T17:47:28+00:00"
    assert iso_datetime(aware.replace(tzinfo=None)) == "2026-12-01T17:47:28+00:00"  # stored UTC
    assert jsonable({"a": berlin, "d": date(2026, 12, 1), "m": Row(at=aware)}) == {
        "a": "2026-12-01T18:47:28+01:00",
        "d": "2026-12-01",
        "m": {"at": "2026-12-01T17:47:28+00:00"},  # not pydantic's "Z"
    }
    assert dumps([aware], compact=True) == '["2026-12-01T17:47:28+00:00"]'
