"""Database failures a user can fix, told in one line: which database, what is wrong, what to do.

The URL is shown with its password masked; the driver's own message is reduced to its first line.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from strava_rehab.db.engine import at_head, current_revision, head_revision
from strava_rehab.errors import UserFacingError
from strava_rehab.redact import mask_url


class DatabaseError(UserFacingError):
    """The database cannot be used as it is; the message says what to do. Exit code 1."""


class SchemaNotMigrated(DatabaseError):
    """The schema is missing or older than this version expects."""


def schema_not_migrated(url: str, current: str | None, head: str | None) -> SchemaNotMigrated:
    state = "has no schema yet" if current is None else f"is at revision {current}, not {head}"
    return SchemaNotMigrated(
        f"the database {mask_url(url)} {state}: run `strava-rehab db upgrade` first"
    )


def require_current_schema(engine: Engine, url: str) -> None:
    """SchemaNotMigrated unless the schema is at head (the shared mode migrates explicitly)."""
    if at_head(engine):  # the common case, answered without loading Alembic
        return
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        raise schema_not_migrated(url, current, head)


def _driver_message(exc: DBAPIError) -> str:
    original = exc.orig if exc.orig is not None else exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    text = lines[0] if lines else type(original).__name__
    # psycopg: "connection failed: connection to server at ... failed: FATAL:  database ..."
    return " ".join(text.split())


def _sqlstate(exc: DBAPIError) -> str | None:
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return str(state) if state else None


def describe(exc: DBAPIError, url: str) -> str | None:
    """A one-line explanation for a failure a user can fix, or None for a bug (keep the trace)."""
    where = mask_url(url)
    message = _driver_message(exc)
    lowered = message.lower()
    state = _sqlstate(exc) or ""
    if "readonly database" in lowered or "read-only" in lowered or state == "25006":
        return (
            f"the database {where} is read-only ({message}): check the permissions of the file "
            "and its directory, or the database user's rights"
        )
    if "no such table" in lowered or state == "42P01":
        return f"the database {where} has no schema yet ({message}): run `strava-rehab db upgrade`"
    if state.startswith("08") or state in ("3D000", "28000", "28P01", "57P03"):
        return f"cannot connect to the database {where}: {message}"
    if "connection" in lowered and ("failed" in lowered or "refused" in lowered):
        return f"cannot connect to the database {where}: {message}"
    if "unable to open database file" in lowered or "disk i/o error" in lowered:
        return f"cannot open the database {where}: {message} (check the path and its permissions)"
    if "database or disk is full" in lowered:
        return f"the database {where} cannot grow: the disk is full"
    return None
