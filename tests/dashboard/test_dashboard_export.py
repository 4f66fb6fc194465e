"""The "download my data" zip: JSON round-trips, CSV is readable, bytes are deterministic."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date
from typing import Any

import pytest

from strava_rehab.dashboard.export import KINDS, ExportError, build_export, read_export

DATA: dict[str, list[dict[str, Any]]] = {
    "activities": [
        {"activity_id": 106, "local_date": "2025-06-02", "distance_m": 14000.0, "manual": False},
        {"activity_id": 105, "local_date": "2025-05-30", "distance_m": 5000.0, "name": "Ünïcode"},
    ],
    "pain_reports": [
        {
            "activity_id": 106,
            "region": "shin",
            "score": 4.0,
            "red_flags": [],
            "text": '=HYPERLINK("x") left shin, sore\n4/10',
        }
    ],
    "findings": [{"activity_id": 106, "kind": "session_spike", "band": "moderate", "ratio": 1.4}],
    "suggestions": [{"activity_id": 106, "protocol": "shin_splints", "phase": 1, "meta": {"a": 1}}],
    "deliveries": [],
}


def _zip() -> bytes:
    return build_export(**DATA, athlete_id=7, generated_on="2025-06-02")


def test_json_round_trips_to_the_same_data() -> None:
    back = read_export(_zip())
    for kind in KINDS:
        assert back[kind] == DATA[kind]
    manifest = back["manifest"]
    assert manifest["athlete_id"] == 7
    assert manifest["generated_on"] == "2025-06-02"
    assert [(f["kind"], f["rows"]) for f in manifest["files"]] == [
        (kind, len(DATA[kind])) for kind in KINDS
    ]


def test_one_json_and_one_csv_per_kind_plus_manifest_with_fixed_timestamps() -> None:
    with zipfile.ZipFile(io.BytesIO(_zip())) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert names[0] == "manifest.json"
        assert sorted(names[1:]) == sorted(f"{k}.{ext}" for k in KINDS for ext in ("json", "csv"))
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_deterministic_bytes() -> None:
    assert _zip() == _zip()
    assert _zip() != build_export(**DATA, athlete_id=8, generated_on="2025-06-02")


def test_csv_has_every_column_and_neutralises_formulas() -> None:
    with zipfile.ZipFile(io.BytesIO(_zip())) as archive:
        activities = list(csv.DictReader(io.StringIO(archive.read("activities.csv").decode())))
        pain = list(csv.DictReader(io.StringIO(archive.read("pain_reports.csv").decode())))
        suggestions = list(csv.DictReader(io.StringIO(archive.read("suggestions.csv").decode())))
        deliveries = archive.read("deliveries.csv").decode()
    assert list(activities[0]) == ["activity_id", "local_date", "distance_m", "manual", "name"]
    assert activities[0]["manual"] == "false" and activities[0]["name"] == ""
    assert activities[1]["name"] == "Ünïcode"
    assert pain[0]["text"] == '\'=HYPERLINK("x") left shin, sore\n4/10'
    assert pain[0]["red_flags"] == "[]"
    assert json.loads(suggestions[0]["meta"]) == {"a": 1}
    assert deliveries == "\r\n"  # an empty header row: the kind was exported, with no rows


def test_rows_must_be_json_safe() -> None:
    with pytest.raises(ExportError, match=r"activities\[0\].*ISO"):
        build_export(
            activities=[{"local_date": date(2025, 6, 2)}],
            pain_reports=[],
            findings=[],
            suggestions=[],
            deliveries=[],
        )
    with pytest.raises(ExportError, match="findings"):
        build_export(
            activities=[],
            pain_reports=[],
            findings=[{"ratio": float("nan")}],
            suggestions=[],
            deliveries=[],
        )
