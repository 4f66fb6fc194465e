"""Reading the rehab library from ``config/``: four TOML files, then validated and cross-checked.

The files are read here; ``strava_rehab.rehab.library_files.library_from_data`` checks the data,
so the rules never touch a file. All problems are reported at once (``file: entry: what``).

A language other than English reads the same four files, then lays the language's overlays over
them (``exercises.de.toml``, ``protocols.de.toml``, ``rules.de.toml``): the same ids, text fields
only. Ids, numbers, doses' sets and reps, sources and phase rules stay in the English files, so a
translation can never change what is suggested, only how it reads. What an overlay does not
translate stays English; an id or a field it names that the English file lacks is an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from strava_rehab.content.locate import content_dir
from strava_rehab.content.toml_file import TomlFileError, read_toml
from strava_rehab.errors import problem
from strava_rehab.rehab.library import Library
from strava_rehab.rehab.library_files import (
    EXERCISES_FILE,
    LIBRARY_FILES,
    PROTOCOLS_FILE,
    RULES_FILE,
    library_from_data,
)

# The files a language may overlay, and what their top-level tables hold (for the error).
OVERLAID = {EXERCISES_FILE: "exercise", PROTOCOLS_FILE: "protocol", RULES_FILE: "rule"}
# Fields that are ids, numbers or rules, never text: a translation must not touch them (a table
# of that name is fine: rules.toml's [regions] holds the regions' words, protocols' ``regions``
# their ids).
_NOT_TEXT = frozenset(
    {
        "kind",
        "basis",
        "source",
        "sources",
        "regions",
        "region",
        "prevention_protocol",
        "pain_monitoring_sources",
        "spike_source",
        "protocol",
        "flags",
        "exercises",
        "options",
        "exit_when",
        "id",
        "step",
        "from_week",
        "morning_symptom",
    }
)


# Tables of ids (their values name protocols and regions, not text).
_ID_TABLES = frozenset({"region_protocols", "bone_stress"})


def overlay_path(folder: Path, name: str, language: str) -> Path:
    stem, _, suffix = name.rpartition(".")
    return folder / f"{stem}.{language}.{suffix}"


def load_library(directory: Path | None = None, language: str = "en") -> Library:
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
    if language != "en":
        for name, what in OVERLAID.items():
            path = overlay_path(folder, name, language)
            if data[name] is None or not path.is_file():
                continue  # no overlay: that file's text stays English
            try:
                translated = read_toml(path)
            except TomlFileError as exc:
                problems.append(str(exc))
                continue
            data[name] = apply_overlay(data[name], translated, path, name, what, problems)
    return library_from_data(data, str(folder), problems)


def apply_overlay(
    base: dict[str, Any],
    overlay: dict[str, Any],
    path: Path,
    base_name: str,
    what: str,
    problems: list[str],
) -> dict[str, Any]:
    """``base`` with the overlay's text laid over it; each problem as ``file: entry: what``."""
    merged = _merge(base, overlay, (), path, base_name, what, problems)
    assert isinstance(merged, dict)
    return merged


def _name(location: tuple[str, ...]) -> str:
    return ".".join(location) or "(top level)"


def _merge(
    base: Any,
    over: Any,
    location: tuple[str, ...],
    path: Path,
    base_name: str,
    what: str,
    problems: list[str],
) -> Any:
    here = _name(location)
    if isinstance(base, dict):
        if not isinstance(over, dict):
            problems.append(problem(path, here, "expected a table, as in " + base_name))
            return base
        out = dict(base)
        for key, value in over.items():
            entry = (*location, key)
            if key == "doses" and "exercises" in base:
                out = _phase_doses(out, value, entry, path, problems)
            elif key not in base:
                if len(location) == 1 and location[0] in {"exercises", "protocols"}:
                    problems.append(
                        problem(path, _name(entry), f"no {what} {key!r} in {base_name}")
                    )
                else:
                    problems.append(
                        problem(path, _name(entry), f"unknown field {key!r} (not in {base_name})")
                    )
            elif key in _ID_TABLES or (key in _NOT_TEXT and not isinstance(base[key], dict)):
                problems.append(
                    problem(
                        path,
                        _name(entry),
                        f"not translatable: ids and rules stay in {base_name}",
                    )
                )
            else:
                out[key] = _merge(base[key], value, entry, path, base_name, what, problems)
        return out
    if isinstance(base, str):
        if not isinstance(over, str) or not over.strip():
            problems.append(problem(path, here, "expected a non-empty text"))
            return base
        return over
    if isinstance(base, list) and all(isinstance(item, str) for item in base):
        if not (
            isinstance(over, list)
            and over
            and all(isinstance(item, str) and item.strip() for item in over)
        ):
            problems.append(problem(path, here, "expected a non-empty list of texts"))
            return base
        return over
    if isinstance(base, list):
        # A list of tables (phases, dose steps): translated position by position.
        if not isinstance(over, list) or len(over) != len(base):
            problems.append(
                problem(path, here, f"expected a list of {len(base)} tables, as in {base_name}")
            )
            return base
        return [
            _merge(item, other, (*location[:-1], f"{location[-1]}[{index}]"), path, base_name,
                   what, problems)
            for index, (item, other) in enumerate(zip(base, over, strict=True))
        ]  # fmt: skip
    problems.append(problem(path, here, f"not translatable: numbers stay in {base_name}"))
    return base


def _phase_doses(
    phase: dict[str, Any], doses: Any, location: tuple[str, ...], path: Path, problems: list[str]
) -> dict[str, Any]:
    """``doses = { exercise_id = "text" }``: the text of a phase's own dose for an exercise."""
    if not isinstance(doses, dict):
        problems.append(problem(path, _name(location), "expected a table of exercise id = text"))
        return phase
    out = dict(phase)
    for key in ("exercises", "options"):
        out[key] = [dict(item) if isinstance(item, dict) else item for item in phase.get(key, [])]
    for exercise_id, text in doses.items():
        entry = _name((*location, exercise_id))
        items = [
            item
            for key in ("exercises", "options")
            for item in out[key]
            if isinstance(item, dict) and item.get("id") == exercise_id and "dose" in item
        ]
        if not items:
            problems.append(
                problem(path, entry, "this phase gives that exercise no dose of its own")
            )
        elif not isinstance(text, str) or not text.strip():
            problems.append(problem(path, entry, "expected a non-empty text"))
        else:
            for item in items:
                item["dose"] = {**item["dose"], "text": text}
    return out
