"""Reading the library from ``config/``: four TOML files, validated, cross-checked.

Every problem names the file and the entry (``protocols.shin_splints.phases[1].exercises[2]``),
and all problems are reported at once, so a clinic editing the library fixes them in one pass.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from strava_rehab.errors import UserFacingError, problem
from strava_rehab.rehab.library import Exercise, Library, PhaseExercise, Protocol, Rules, Source

SOURCES_FILE = "sources.toml"
EXERCISES_FILE = "exercises.toml"
PROTOCOLS_FILE = "protocols.toml"
RULES_FILE = "rules.toml"

# The fields a finding template may use (see ``load_findings.finding_reason``).
_TEMPLATE_FIELDS = {"value", "reference", "distance", "reference_distance", "ratio", "pct"}


_Model = TypeVar("_Model", bound=BaseModel)


class LibraryError(UserFacingError, ValueError):
    """The library data is wrong; ``problems`` lists each one as "file: entry: what"."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("the rehab library is invalid:\n" + "\n".join(problems))


class _SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sources: dict[str, Source]


class _ExercisesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    exercises: dict[str, Exercise]


class _ProtocolsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    protocols: dict[str, Protocol]


LIBRARY_FILES = (SOURCES_FILE, EXERCISES_FILE, PROTOCOLS_FILE, RULES_FILE)


def library_from_data(
    data: Mapping[str, Any], folder: str, problems: list[str] | None = None
) -> Library:
    """Validate and cross-check already-read files.

    ``data[name]`` is the parsed TOML of ``<folder>/<name>``, or None if it could not be read
    (its problem is then already in ``problems``).
    """
    problems = [] if problems is None else problems
    sources = _read(data.get(SOURCES_FILE), f"{folder}/{SOURCES_FILE}", _SourcesFile, problems)
    exercises = _read(
        data.get(EXERCISES_FILE), f"{folder}/{EXERCISES_FILE}", _ExercisesFile, problems
    )
    protocols = _read(
        data.get(PROTOCOLS_FILE), f"{folder}/{PROTOCOLS_FILE}", _ProtocolsFile, problems
    )
    rules = _read(data.get(RULES_FILE), f"{folder}/{RULES_FILE}", Rules, problems)
    if problems or sources is None or exercises is None or protocols is None or rules is None:
        raise LibraryError(problems)
    problems.extend(
        _cross_check(folder, sources.sources, exercises.exercises, protocols.protocols, rules)
    )
    if problems:
        raise LibraryError(problems)
    return Library(
        sources=sources.sources,
        exercises=exercises.exercises,
        protocols=protocols.protocols,
        rules=rules,
    )


def _read(raw: Any, path: str, model: type[_Model], problems: list[str]) -> _Model | None:
    if raw is None:
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems.extend(problem(path, err["loc"], _what(err)) for err in exc.errors())
        return None


def _what(err: Mapping[str, Any]) -> str:
    kind = err.get("type")
    if kind == "extra_forbidden":
        return "unknown key (a typo?)"
    if kind == "missing":
        return "missing required key"
    return str(err.get("msg", "invalid value"))


def _cross_check(
    folder: str,
    sources: Mapping[str, Source],
    exercises: Mapping[str, Exercise],
    protocols: Mapping[str, Protocol],
    rules: Rules,
) -> list[str]:
    ex_file, pr_file, ru_file = (
        f"{folder}/{EXERCISES_FILE}",
        f"{folder}/{PROTOCOLS_FILE}",
        f"{folder}/{RULES_FILE}",
    )
    out: list[str] = []
    for ex_id, exercise in exercises.items():
        if exercise.source not in sources:
            out.append(f"{ex_file}: exercises.{ex_id}.source: unknown source '{exercise.source}'")
    for pr_id, protocol in protocols.items():
        where = f"{pr_file}: protocols.{pr_id}"
        for i, source_id in enumerate(protocol.sources):
            if source_id not in sources:
                out.append(f"{where}.sources[{i}]: unknown source '{source_id}'")
        for i, region in enumerate(protocol.regions):
            if region not in rules.regions:
                out.append(f"{where}.regions[{i}]: unknown region '{region}'")
        for p, phase in enumerate(protocol.phases):
            out.extend(
                _unknown_exercises(f"{where}.phases[{p}].exercises", phase.exercises, exercises)
            )
            out.extend(_unknown_exercises(f"{where}.phases[{p}].options", phase.options, exercises))
    out.extend(_check_rules(ru_file, sources, protocols, rules))
    return out


def _unknown_exercises(
    where: str, items: Iterable[PhaseExercise], exercises: Mapping[str, Exercise]
) -> list[str]:
    return [
        f"{where}[{i}]: unknown exercise '{item.id}'"
        for i, item in enumerate(items)
        if item.id not in exercises
    ]


def _check_rules(
    path: str, sources: Mapping[str, Source], protocols: Mapping[str, Protocol], rules: Rules
) -> list[str]:
    out: list[str] = []

    def need_protocol(where: str, pr_id: str, kind: str) -> None:
        found = protocols.get(pr_id)
        if found is None:
            out.append(f"{path}: {where}: unknown protocol '{pr_id}'")
        elif found.kind != kind:
            out.append(f"{path}: {where}: protocol '{pr_id}' is a {found.kind}, not a {kind}")

    for region, pr_id in rules.region_protocols.items():
        if region not in rules.regions:
            out.append(f"{path}: region_protocols.{region}: unknown region '{region}'")
        need_protocol(f"region_protocols.{region}", pr_id, "rehab")
    need_protocol("prevention_protocol", rules.prevention_protocol, "prevention")
    need_protocol("bone_stress.protocol", rules.bone_stress.protocol, "caution")
    for i, region in enumerate(rules.bone_stress.regions):
        if region not in rules.regions:
            out.append(f"{path}: bone_stress.regions[{i}]: unknown region '{region}'")
    for i, flag in enumerate(rules.bone_stress.flags):
        if flag not in rules.red_flags:
            out.append(f"{path}: bone_stress.flags[{i}]: unknown red flag '{flag}'")
    for i, rule in enumerate(rules.worsening):
        if rule.region not in rules.regions:
            out.append(f"{path}: worsening[{i}].region: unknown region '{rule.region}'")
    for i, source_id in enumerate(rules.pain_monitoring_sources):
        if source_id not in sources:
            out.append(f"{path}: pain_monitoring_sources[{i}]: unknown source '{source_id}'")
    for kind, text in rules.findings.items():
        bad = _template_problem(text.reason)
        if bad:
            out.append(f"{path}: findings.{kind}.reason: {bad}")
    if "default" not in rules.band_advice:
        out.append(f"{path}: band_advice: needs a 'default' entry for bands without their own")
    return out


def _template_problem(template: str) -> str | None:
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
        template.format(
            value=1.0,
            reference=1.0,
            distance="1.0 km",
            reference_distance="1.0 km",
            ratio=1.0,
            pct=1.0,
        )
    except (ValueError, IndexError, KeyError) as exc:
        return f"bad template: {exc}"
    unknown = fields - _TEMPLATE_FIELDS
    if unknown:
        return f"unknown template field(s) {sorted(unknown)}; use {sorted(_TEMPLATE_FIELDS)}"
    return None
