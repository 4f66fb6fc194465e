"""The command line stays quick to start: ``--help`` and a quiet ``worker --once`` import only
what they use. The heavy libraries (the web stack, apprise, stravalib and pint, the job queues,
the PostgreSQL dialect) load inside the commands that need them.

What is imported is checked, not how long it takes: timings are in ``benchmarks/bench_cli.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Not one of these is needed to list the commands or parse an option.
NOT_FOR_HELP = (
    "fastapi",
    "uvicorn",
    "starlette",
    "apprise",
    "stravalib",
    "pint",
    "procrastinate",
    "apscheduler",
    "jinja2",
    "sqlalchemy.dialects.postgresql",
)
# One cycle of the embedded worker with no athlete and no notification channel: no web app, no
# job queue, no scheduler, no Strava payload to parse and no apprise; and no Alembic, whether
# the database is new (created at head) or current (its revision read with one query); no
# post-run pass (nothing to decide: its rules, renderers and pain reader stay unloaded) and no
# PostgreSQL dialect on SQLite.
NOT_FOR_WORKER_ONCE = (
    "alembic",
    "sqlalchemy.dialects.postgresql",
    "strava_rehab.services.suggest",
    "strava_rehab.rehab.decisions",
    "strava_rehab.rehab.render",
    "strava_rehab.pain.note",
    "strava_rehab.load.analysis",
    "fastapi",
    "uvicorn",
    "starlette",
    "procrastinate",
    "apprise",
    "apscheduler",
    "stravalib",
    "pint",
)


def run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        env={**os.environ, "SILENCE_TOKEN_WARNINGS": "true"},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def imported_by(stderr: str) -> set[str]:
    """The module names in ``python -X importtime`` output."""
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1].strip()
            if name != "package":  # the header line
                names.add(name)
    return names


def loaded(names: set[str], heavy: tuple[str, ...]) -> list[str]:
    return sorted(h for h in heavy if h in names)


def test_the_command_tree_imports_no_heavy_library() -> None:
    # The tree typer builds for --help and completion: every command module, registered.
    code = (
        "import json, sys, typer.main, strava_rehab.cli as cli; cli._register(); "
        "typer.main.get_command(cli.app); "
        "print(json.dumps(sorted(sys.modules)))"
    )
    result = run(["-c", code])
    assert result.returncode == 0, result.stderr
    modules = set(json.loads(result.stdout))
    assert "strava_rehab.cli.admin" in modules  # the commands were registered
    assert loaded(modules, NOT_FOR_HELP) == []


def test_help_imports_no_heavy_library() -> None:
    result = run(["-X", "importtime", "-m", "strava_rehab", "--help"])
    assert result.returncode == 0, result.stderr
    assert "worker" in result.stdout and "--install-completion" in result.stdout
    names = imported_by(result.stderr)
    # What it measures: the command modules (importlib's imports are not listed themselves,
    # but what they import is) and the rendered help.
    assert {"strava_rehab.cli.options", "typer.rich_utils"} <= names
    assert loaded(names, NOT_FOR_HELP) == []


def test_quiet_worker_once_imports_no_web_queue_or_notifier(
    isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRAVA_REHAB_DATA_DIR", str(tmp_path / "data"))
    for database in ("new", "current"):
        result = run(["-X", "importtime", "-m", "strava_rehab", "-q", "worker", "--once"])
        assert result.returncode == 0, result.stderr
        assert "inbox: 0 processed" in result.stdout  # the cycle ran
        assert (tmp_path / "data" / "strava-rehab.db").exists()
        names = imported_by(result.stderr)
        assert "strava_rehab.services.jobs" in names
        assert loaded(names, NOT_FOR_WORKER_ONCE) == [], database


def test_config_check_validates_without_the_database_layer(
    isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRAVA_REHAB_DATA_DIR", str(tmp_path / "data"))
    result = run(["-X", "importtime", "-m", "strava_rehab", "config", "check"])
    assert result.returncode == 0, result.stderr
    assert "configuration ok" in result.stdout
    names = imported_by(result.stderr)
    assert "apscheduler.triggers.cron" in names  # the cron expressions were checked
    assert loaded(names, ("sqlalchemy", "alembic", "stravalib", "fastapi", "apprise")) == []
    assert not (tmp_path / "data").exists()  # and no database was created for it
