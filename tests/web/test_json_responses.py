"""The web app's JSON answers go through the CLI's serializer: datetimes with their offset."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from strava_rehab.web.app import JSONResponse


def test_a_json_answer_writes_datetimes_as_iso_8601_with_the_offset() -> None:
    at = datetime(2026, 12, 1, 17, 47, 28, tzinfo=UTC)
    body = bytes(JSONResponse({"at": at, "naive": at.replace(tzinfo=None), "ok": True}).body)
    assert json.loads(body) == {
        "at": "2026-12-01T17:47:28+00:00",
        "naive": "2026-12-01T17:47:28+00:00",
        "ok": True,
    }
    assert b" " not in body  # compact on the wire, as before
