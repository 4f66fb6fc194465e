"""A real headless Chromium for page tests, driven by playwright for Python.

The browser is Debian's ``chromium`` (``.ci/run`` installs it with apt when missing); playwright's
own browser download is never used, since this project needs no network at test time. Set
``STRAVA_REHAB_CHROMIUM`` to use another binary. Tests skip, saying why, only where no browser can
be had.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM_ENV = "STRAVA_REHAB_CHROMIUM"
# Screenshots land here so a person can look at what the pages show (named in the README).
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Without these, Chromium reaches for Google's hosts at every start, which this network refuses.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    explicit = os.environ.get(CHROMIUM_ENV)
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


# Per module, not per session: a live sync_playwright keeps an asyncio loop running in this
# thread, and a later test that calls asyncio.run (procrastinate's worker) would then fail.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        pytest.skip("playwright is not installed: pip install -e '.[dev]'")
    executable = chromium_path()
    if executable is None:
        pytest.skip(
            f"no Chromium found: install Debian's chromium (.ci/run does) or set {CHROMIUM_ENV}"
        )
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def screenshots() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
