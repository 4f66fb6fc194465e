"""Where the product's content lives: the exercise library, the rules and the pain vocabulary.

Content is data (``config/*.toml``), not code. A source checkout reads the repository's ``config/``;
an installed wheel reads the copy hatch puts in ``<prefix>/share/strava-rehab/config``; and
``STRAVA_REHAB_CONTENT_DIR`` points anywhere else (a clinic's own library, a translation).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from strava_rehab.errors import UserFacingError

CONTENT_DIR_ENV = "STRAVA_REHAB_CONTENT_DIR"
# The example settings file marks a directory as ours: an unrelated ``config/`` is never used.
_MARKER = "strava-rehab.example.toml"


class ContentNotFoundError(UserFacingError, RuntimeError):
    """No content directory could be found; the message says where we looked."""


def content_dir() -> Path:
    """The directory holding the content files, by the precedence in the module docstring."""
    explicit = os.environ.get(CONTENT_DIR_ENV)
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_dir():
            raise ContentNotFoundError(f"{CONTENT_DIR_ENV}={explicit} is not a directory")
        return path
    candidates = [parent / "config" for parent in Path(__file__).resolve().parents]
    candidates.append(Path(sys.prefix) / "share" / "strava-rehab" / "config")
    for candidate in candidates:
        if (candidate / _MARKER).is_file():
            return candidate
    raise ContentNotFoundError(
        "cannot find the content directory (config/ with strava-rehab.example.toml); "
        f"set {CONTENT_DIR_ENV} to the directory holding the exercise library"
    )
