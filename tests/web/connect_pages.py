"""The connect pages (``/``, ``/connect``'s refusals, the callback's errors) in fixed states.

Recorded into ``golden/`` from the English code before it became translatable: with no
language chosen the pages stay the same byte for byte. No Strava is needed for any of them.
Re-record (only when a page is meant to change): ``python -m tests.web.connect_pages``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from strava_rehab.context import open_context
from strava_rehab.settings import load_settings
from strava_rehab.web import create_app

GOLDEN = Path(__file__).parent / "golden"
# path -> the settings it needs; every page answers without Strava.
PAGES: dict[str, tuple[str, dict[str, Any]]] = {
    "home": ("/", {}),
    "home_invite_only": ("/", {"connect_invitation_code": "an-invitation-code-1"}),
    "connect_not_invited": ("/connect", {"connect_invitation_code": "an-invitation-code-1"}),
    "callback_denied": ("/connect/callback?error=access_denied", {}),
    "callback_no_code": ("/connect/callback", {}),
    "callback_too_long": ("/connect/callback?code=" + "x" * 300 + "&state=s", {}),
}


@contextmanager
def client(data_dir: Path, **overrides: Any) -> Iterator[TestClient]:
    settings = load_settings(data_dir=data_dir, client_id=1, client_secret="s3cret", **overrides)
    ctx = open_context(settings)
    try:
        with TestClient(create_app(ctx), base_url="http://127.0.0.1:8000") as http:
            yield http
    finally:
        ctx.close()


def fetch(data_dir: Path, name: str, headers: dict[str, str] | None = None) -> str:
    path, overrides = PAGES[name]
    with client(data_dir, **overrides) as http:
        return str(http.get(path, headers=headers or {}, follow_redirects=False).text)


def record() -> None:
    GOLDEN.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in PAGES:
            (GOLDEN / f"{name}.html").write_text(fetch(Path(tmp) / name, name), encoding="utf-8")


if __name__ == "__main__":
    record()
