""" "Download my data": the athlete's rows as the export zip, for the page and the CLI.

The JSON files hold every column of every row we keep about the athlete's activities, pain
reports, findings, suggestions and deliveries (dates as ISO strings), so they match the database
exactly; tokens are not part of it (they are ours, not the runner's data, and never leave the
vault).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from strava_rehab.context import AppContext
from strava_rehab.dashboard.export import build_export
from strava_rehab.db import gateway
from strava_rehab.errors import UserFacingError


class ExportError(UserFacingError):
    """The export cannot be written where asked; the message says what to do."""


def export_zip(ctx: AppContext, athlete_id: int) -> bytes:
    records = gateway.athlete_records(ctx.db, athlete_id)
    return build_export(
        activities=records["activities"],
        pain_reports=records["pain_reports"],
        findings=records["findings"],
        suggestions=records["suggestions"],
        deliveries=records["deliveries"],
        athlete_id=athlete_id,
        generated_on=ctx.clock().date().isoformat(),
    )


def export_filename(ctx: AppContext, athlete_id: int) -> str:
    return f"strava-rehab-{athlete_id}-{ctx.clock().date().isoformat()}.zip"


def write_export(ctx: AppContext, athlete_id: int, out: Path, *, force: bool = False) -> int:
    """Write the zip to ``out`` (mode 0600: it is health data); returns its size in bytes.

    An existing file is replaced only with ``force`` (atomically); without it nothing is
    overwritten, not even a file that appears while the export is being built.
    """
    if out.is_dir():
        raise ExportError(f"{out} is a directory; name the file to write, e.g. {out}/export.zip")
    if out.exists() and not force:
        raise ExportError(f"{out} already exists; choose another name or add --force to replace it")
    folder = out.parent if str(out.parent) else Path()
    if not folder.is_dir():
        raise ExportError(f"{folder} does not exist; create the folder first")
    payload = export_zip(ctx, athlete_id)
    if force:
        _replace(out, folder, payload)
    else:
        _create(out, payload)
    return len(payload)


def _create(out: Path, payload: bytes) -> None:
    """A new file only (O_EXCL): a file that appeared meanwhile is not overwritten."""
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ExportError(
            f"{out} already exists; choose another name or add --force to replace it"
        ) from None
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
    except OSError as exc:
        with contextlib.suppress(OSError):
            out.unlink()
        raise ExportError(f"cannot write {out}: {exc.strerror}") from None


def _replace(out: Path, folder: Path, payload: bytes) -> None:
    """Atomically: a reader never sees half a zip, and a failed write keeps the old file."""
    try:
        # mkstemp creates the file with mode 0600, before a byte of data is in it.
        fd, temp = tempfile.mkstemp(prefix=".strava-rehab-export-", dir=folder)
    except OSError as exc:
        raise ExportError(f"cannot write in {folder}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise ExportError(f"cannot write {out}: {exc.strerror}") from None
