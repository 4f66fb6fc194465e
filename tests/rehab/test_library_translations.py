"""Translations of the library's content: overlays keyed by the English ids, text only,
validated on load; what they leave out stays English; ids, numbers and rules never change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from strava_rehab.content import content_dir, load_library
from strava_rehab.rehab import LibraryError
from strava_rehab.rehab.library import Library

TRANSLATED_PROTOCOLS = ("plantar_fasciitis", "shin_splints", "high_hamstring_tendinopathy")


@pytest.fixture(scope="module")
def english() -> Library:
    return load_library()


@pytest.fixture(scope="module")
def german() -> Library:
    return load_library(language="de")


def _used(library: Library, protocol_id: str) -> set[str]:
    protocol = library.protocols[protocol_id]
    return {item.id for phase in protocol.phases for item in (*phase.exercises, *phase.options)}


@pytest.mark.parametrize("protocol_id", TRANSLATED_PROTOCOLS)
def test_the_seed_articles_protocols_are_german_with_every_exercise(
    english: Library, german: Library, protocol_id: str
) -> None:
    en, de = english.protocols[protocol_id], german.protocols[protocol_id]
    assert de.name != en.name and de.condition != en.condition and de.summary != en.summary
    assert all(a != b for a, b in zip(de.load_advice, en.load_advice, strict=True))
    assert all(a != b for a, b in zip(de.cautions, en.cautions, strict=True))
    for de_phase, en_phase in zip(de.phases, en.phases, strict=True):
        assert de_phase.name != en_phase.name and de_phase.goal != en_phase.goal
        assert de_phase.exit != en_phase.exit
        for de_item, en_item in zip(de_phase.exercises, en_phase.exercises, strict=True):
            assert de_item.id == en_item.id  # the same exercises, in the same order
            if en_item.dose is not None:
                assert de_item.dose is not None and de_item.dose.text != en_item.dose.text
                assert (de_item.dose.sets, de_item.dose.reps) == (
                    en_item.dose.sets,
                    en_item.dose.reps,
                )
        assert de_phase.exit_when == en_phase.exit_when and de_phase.min_days == en_phase.min_days
    for schedule_id, schedule in de.dose_schedules.items():
        for de_step, en_step in zip(
            schedule.steps, en.dose_schedules[schedule_id].steps, strict=True
        ):
            assert de_step.dose.text != en_step.dose.text
            assert de_step.from_week == en_step.from_week
    for exercise_id in _used(english, protocol_id):
        de_ex, en_ex = german.exercises[exercise_id], english.exercises[exercise_id]
        assert de_ex.name != en_ex.name or exercise_id == "hip_thrust"  # "Hip Thrust" in German
        assert de_ex.target != en_ex.target
        assert all(a != b for a, b in zip(de_ex.cues, en_ex.cues, strict=True))
        assert de_ex.progression != en_ex.progression and de_ex.regression != en_ex.regression
        assert de_ex.dose.text != en_ex.dose.text
        assert (de_ex.dose.sets, de_ex.dose.reps, de_ex.dose.hold_s, de_ex.dose.basis) == (
            en_ex.dose.sets,
            en_ex.dose.reps,
            en_ex.dose.hold_s,
            en_ex.dose.basis,
        )
        assert de_ex.source == en_ex.source


def test_what_is_not_translated_stays_english(english: Library, german: Library) -> None:
    assert german.protocols["achilles_tendinopathy"] == english.protocols["achilles_tendinopathy"]
    assert german.exercises["clamshell"] == english.exercises["clamshell"]
    assert german.rules.region_protocols == english.rules.region_protocols
    assert german.region_name("shin") == "Schienbein"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    target.mkdir()
    for name in ("sources.toml", "exercises.toml", "protocols.toml", "rules.toml"):
        shutil.copy(content_dir() / name, target / name)
    return target


def _problems(directory: Path, overlay: str, text: str) -> str:
    (directory / overlay).write_text(text, encoding="utf-8")
    with pytest.raises(LibraryError) as caught:
        load_library(directory, language="de")
    return str(caught.value)


def test_an_unknown_exercise_names_file_and_entry(copy: Path) -> None:
    problems = _problems(copy, "exercises.de.toml", '[exercises.squatt]\nname = "Kniebeuge"\n')
    assert (
        f"{copy / 'exercises.de.toml'}: exercises.squatt: no exercise 'squatt' in exercises.toml"
        in problems
    )


def test_an_unknown_field_names_file_and_entry(copy: Path) -> None:
    problems = _problems(copy, "protocols.de.toml", '[protocols.shin_splints]\nnmae = "x"\n')
    assert (
        f"{copy / 'protocols.de.toml'}: protocols.shin_splints.nmae: unknown field 'nmae'"
        in problems
    )


@pytest.mark.parametrize(
    ("text", "entry", "what"),
    [
        ('[exercises.squat]\nsource = "koc2023"\n', "exercises.squat.source", "not translatable"),
        ("[exercises.squat.dose]\nsets = 9\n", "exercises.squat.dose.sets", "not translatable"),
        ('[exercises.squat]\ncues = ["", "b"]\n', "exercises.squat.cues", "list of texts"),
    ],
)
def test_ids_and_numbers_are_not_translatable(copy: Path, text: str, entry: str, what: str) -> None:
    problems = _problems(copy, "exercises.de.toml", text)
    assert f"{copy / 'exercises.de.toml'}: {entry}: " in problems and what in problems


def test_phases_are_translated_all_or_none(copy: Path) -> None:
    text = '[[protocols.shin_splints.phases]]\nname = "Nur eine"\n'
    problems = _problems(copy, "protocols.de.toml", text)
    assert "protocols.shin_splints.phases: expected a list of 3 tables" in problems


def test_a_phase_dose_for_an_exercise_without_one(copy: Path) -> None:
    text = (
        "[[protocols.high_hamstring_tendinopathy.phases]]\n"
        'doses = { hamstring_isometric = "5 × 45 s" }\n'
        + "[[protocols.high_hamstring_tendinopathy.phases]]\n"
        * 3
    )
    problems = _problems(copy, "protocols.de.toml", text)
    assert "phases[0].doses.hamstring_isometric: this phase gives that exercise no dose" in problems
