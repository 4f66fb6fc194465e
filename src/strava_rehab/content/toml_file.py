"""The one TOML reader: every content and settings file is read here, every failure worded once."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from strava_rehab.errors import UserFacingError


class TomlFileError(UserFacingError):
    """A file that cannot be read as TOML; the message is ``<file>: <what is wrong>``."""

    def __init__(self, path: Path, what: str) -> None:
        self.path = path
        self.what = what
        super().__init__(f"{path}: {what}")


def read_toml(path: Path, *, missing: str = "file not found") -> dict[str, Any]:
    """The parsed file; ``missing`` words the problem of a file that is not there."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TomlFileError(path, missing) from None
    except PermissionError:
        raise TomlFileError(path, "not readable (permission denied)") from None
    except IsADirectoryError:
        raise TomlFileError(path, "is a directory, expected a TOML file") from None
    except OSError as exc:
        raise TomlFileError(path, f"cannot read: {exc}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise TomlFileError(path, f"not UTF-8 text ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise TomlFileError(path, f"not valid TOML: {exc}") from None
