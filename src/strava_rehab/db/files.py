"""The SQLite files hold Strava tokens and health notes: only their owner may read them.

The data directory is created 0700, and the database, its -wal and -shm files 0600. SQLite
creates the -wal and -shm files later, copying the database file's mode; they are tightened again
on every new connection, in case an older install or another tool created them wider.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

from strava_rehab.errors import UserFacingError

DIR_MODE = 0o700
FILE_MODE = 0o600
SIDE_FILES = ("-wal", "-shm", "-journal")


class DataDirError(UserFacingError):
    """The data directory or the database file cannot be created; the message says where."""


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for memory databases and ``file:`` URIs."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if (
        parsed.database == ":memory:"
        or parsed.query.get("uri")
        or parsed.database.startswith("file:")
    ):
        return None
    return Path(parsed.database).expanduser()


def prepare_private_file(path: Path) -> None:
    """Create the directory (0700) and an empty database file (0600) if they do not exist yet."""
    directory = path.parent
    try:
        if not directory.exists():
            directory.mkdir(parents=True, mode=DIR_MODE)
            directory.chmod(DIR_MODE)  # mkdir's mode is narrowed by the umask, never widened
        if not path.exists():
            # O_EXCL: if another process won the race, its file (already 0600) is kept.
            with contextlib.suppress(FileExistsError):
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except OSError as exc:
        what = "data directory" if not directory.is_dir() else "database file"
        where = directory if what == "data directory" else path
        raise DataDirError(
            f"cannot create the {what} {where}: {exc.strerror or exc} "
            "(check data_dir / database_url and the permissions of the parent directory)"
        ) from None


def restrict_files(path: Path) -> None:
    """Take group and other permissions off the database and its side files (owner's only)."""
    for candidate in (path, *(path.with_name(path.name + suffix) for suffix in SIDE_FILES)):
        try:
            mode = candidate.stat().st_mode
            if stat.S_IMODE(mode) & 0o077:
                candidate.chmod(stat.S_IMODE(mode) & ~0o077)
        except OSError:
            continue  # absent, or not ours to change: nothing to do here
