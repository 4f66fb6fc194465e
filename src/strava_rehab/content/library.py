"""Reading the rehab library from ``config/``: four TOML files, then validated and cross-checked.

The files are read here; ``strava_rehab.rehab.library_files.library_from_data`` checks the data,
so the rules never touch a file. All problems are reported at once (``file: entry: what``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from strava_rehab.content.locate import content_dir
from strava_rehab.content.toml_file import TomlFileError, read_toml
from strava_rehab.rehab.library import Library
from strava_rehab.rehab.library_files import LIBRARY_FILES, library_from_data


def load_library(directory: Path | None = None) -> Library:
    """Load and check the library; ``None`` reads the product's content directory."""
    folder = content_dir() if directory is None else directory
    problems: list[str] = []
    data: dict[str, Any] = {}
    for name in LIBRARY_FILES:
        try:
            data[name] = read_toml(
                folder / name, missing="file missing (the rehab library needs it)"
            )
        except TomlFileError as exc:
            problems.append(str(exc))
            data[name] = None
    return library_from_data(data, str(folder), problems)
