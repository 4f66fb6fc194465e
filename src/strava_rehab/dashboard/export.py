""" "Download my data": one zip with a JSON and a CSV file per kind of record, plus a manifest.

The web layer (and ``strava-rehab export``) loads the athlete's rows as JSON-safe dicts (ISO
dates as strings); this module only packs them. The zip is deterministic: fixed member order,
fixed timestamps and permissions, no clock, so the same data always gives the same bytes.

The JSON files are the faithful copy (``read_export`` gives back exactly what went in). The CSV
files are for spreadsheets: nested values are written as JSON, ``None`` as an empty cell, and a
text cell that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return) gets a leading apostrophe (OWASP's CSV-injection advice).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

EXPORT_FORMAT = 1
KINDS = ("activities", "pain_reports", "findings", "suggestions", "deliveries")
MANIFEST = "manifest.json"
# 1980-01-01 00:00:00, the earliest time a zip entry can carry.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Record = Mapping[str, Any]


class ExportError(ValueError):
    """A record cannot be exported as given; the message names the kind and the row."""


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _check(kind: str, rows: Sequence[Record]) -> list[dict[str, Any]]:
    checked: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping) or not all(isinstance(key, str) for key in row):
            raise ExportError(f"{kind}[{index}] is not a dict with string keys")
        try:
            json.dumps(row, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise ExportError(
                f"{kind}[{index}] is not JSON-safe ({error}); convert dates to ISO strings"
            ) from error
        checked.append(dict(row))
    return checked


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def to_csv(rows: Sequence[Record]) -> str:
    """CSV with a header of every key, in order of first appearance."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue()


def _member(archive: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3  # Unix, so the permissions above are read as such
    archive.writestr(info, text.encode("utf-8"))


def build_export(
    *,
    activities: Sequence[Record],
    pain_reports: Sequence[Record],
    findings: Sequence[Record],
    suggestions: Sequence[Record],
    deliveries: Sequence[Record],
    athlete_id: int | None = None,
    generated_on: str | None = None,
) -> bytes:
    """The zip, as bytes. ``generated_on`` (an ISO date the caller supplies) goes in the manifest.

    Members: ``manifest.json``, then ``<kind>.json`` and ``<kind>.csv`` for each kind in
    ``KINDS`` order (also when a kind has no rows: the runner sees it was exported).
    """
    data = {
        "activities": _check("activities", activities),
        "pain_reports": _check("pain_reports", pain_reports),
        "findings": _check("findings", findings),
        "suggestions": _check("suggestions", suggestions),
        "deliveries": _check("deliveries", deliveries),
    }
    manifest = {
        "format": EXPORT_FORMAT,
        "producer": "strava-rehab",
        "athlete_id": athlete_id,
        "generated_on": generated_on,
        "files": [
            {"kind": kind, "json": f"{kind}.json", "csv": f"{kind}.csv", "rows": len(data[kind])}
            for kind in KINDS
        ],
        "notes": [
            "The JSON files are the complete copy; the CSV files hold the same rows for "
            "spreadsheets (nested values as JSON, text that looks like a formula starts with ')."
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _member(archive, MANIFEST, _json(manifest))
        for kind in KINDS:
            _member(archive, f"{kind}.json", _json(data[kind]))
            _member(archive, f"{kind}.csv", to_csv(data[kind]))
    return buffer.getvalue()


def read_export(payload: bytes) -> dict[str, Any]:
    """The manifest and every kind's rows, read back from the JSON members of an export."""
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        out: dict[str, Any] = {"manifest": manifest}
        for entry in manifest["files"]:
            out[entry["kind"]] = json.loads(archive.read(entry["json"]))
    return out
