"""The pure core (load, pain, rehab) and text rendering read no file, clock or environment.

Walks the source of those packages and fails on any import of a module that does I/O, or a
call that reads the clock or opens a file, so the layering cannot erode unnoticed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import strava_rehab

PACKAGE = Path(strava_rehab.__file__).parent
PURE = ("load", "pain", "rehab", "text")
# Modules that read files, the clock, the environment, the network or the database.
FORBIDDEN_MODULES = {
    "os",
    "sys",
    "pathlib",
    "io",
    "shutil",
    "glob",
    "tempfile",
    "tomllib",
    "json",
    "time",
    "socket",
    "subprocess",
    "sqlite3",
    "sqlalchemy",
    "alembic",
    "requests",
    "httpx",
    "urllib",
    "stravalib",
    "apprise",
    "apscheduler",
    "fastapi",
    "uvicorn",
    "zoneinfo",
}
# The product's own impure layers: the core may import only itself, ``strava_rehab.errors`` and
# ``strava_rehab.lazy`` (its packages' exports load on first use: code, not data).
ALLOWED_OWN = {
    "strava_rehab.errors",
    "strava_rehab.lazy",
    *(f"strava_rehab.{name}" for name in PURE),
}
FORBIDDEN_CALLS = {"open", "now", "utcnow", "today", "getenv", "read_text", "read_bytes"}


def _files() -> list[Path]:
    return sorted(p for name in PURE for p in (PACKAGE / name).rglob("*.py"))


def problems_in(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in FORBIDDEN_CALLS:
                found.append(f"line {node.lineno}: calls {name}()")
            continue
        else:
            continue
        for module in names:
            top = module.split(".")[0]
            if top in FORBIDDEN_MODULES:
                found.append(f"line {node.lineno}: imports {module}")
            elif top == "strava_rehab" and not any(
                module == own or module.startswith(own + ".") for own in ALLOWED_OWN
            ):
                found.append(f"line {node.lineno}: imports {module} (an impure layer)")
    return found


def test_the_pure_packages_exist() -> None:
    assert len(_files()) > 20


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_pure_module_reads_no_file_clock_or_environment(path: Path) -> None:
    assert problems_in(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "import os",
        "from pathlib import Path",
        "import tomllib",
        "from datetime import datetime\nx = datetime.now()",
        "from datetime import date\nx = date.today()",
        "import time",
        "from sqlalchemy import select",
        "import requests",
        "x = open('f')",
        "from strava_rehab.content import content_dir",
        "from strava_rehab.db import gateway",
    ],
)
def test_the_check_catches_io(source: str) -> None:
    assert problems_in(source) != []
