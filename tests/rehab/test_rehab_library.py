"""The exercise library: validated on load, complete, honest about its sources."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.rehab.rehab_builders import library, pain, situation

from strava_rehab.content import content_dir, load_library
from strava_rehab.rehab import LibraryError, decide
from strava_rehab.rehab.library import CONVENTION_LABEL


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A private copy of the shipped library to break."""
    target = tmp_path / "config"
    target.mkdir()
    for name in ("sources.toml", "exercises.toml", "protocols.toml", "rules.toml"):
        shutil.copy(content_dir() / name, target / name)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found in {path.name}: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(directory: Path) -> str:
    with pytest.raises(LibraryError) as caught:
        load_library(directory)
    return str(caught.value)


def test_shipped_library_loads() -> None:
    lib = load_library()
    assert lib.exercises
    assert lib.protocols
    assert lib is not None
    assert lib.rules.disclaimer


def test_typo_in_a_protocol_exercise_names_file_and_entry(copy: Path) -> None:
    _edit(copy / "protocols.toml", '"hip_extension",', '"hip_extensoin",')
    message = _problems(copy)
    assert "protocols.toml: protocols.shin_splints.phases[0].exercises[1]" in message
    assert "unknown exercise 'hip_extensoin'" in message


def test_unknown_key_is_reported_as_a_typo(copy: Path) -> None:
    _edit(copy / "exercises.toml", 'name = "Clamshell"', 'name = "Clamshell"\ncuez = ["x"]')
    message = _problems(copy)
    assert "exercises.toml: exercises.clamshell.cuez: unknown key" in message


def test_missing_source_key(copy: Path) -> None:
    _edit(copy / "exercises.toml", 'source = "fredericson2000"\n', "")
    message = _problems(copy)
    assert "exercises.toml: exercises.pelvic_drop.source: missing required key" in message


def test_source_that_does_not_exist(copy: Path) -> None:
    _edit(copy / "exercises.toml", 'source = "fredericson2000"', 'source = "fredrickson2000"')
    message = _problems(copy)
    assert "exercises.pelvic_drop.source: unknown source 'fredrickson2000'" in message


def test_bad_dose_is_rejected(copy: Path) -> None:
    _edit(
        copy / "exercises.toml",
        'sets = 3\nreps = 15\nfrequency = "daily"',
        'sets = 0\nreps = 15\nfrequency = "daily"',
    )
    message = _problems(copy)
    assert "exercises.toml: exercises.towel_toe_curl.dose.sets" in message


def test_dose_without_reps_or_hold(copy: Path) -> None:
    _edit(
        copy / "exercises.toml",
        'sets = 3\nreps = 15\nfrequency = "daily"',
        'sets = 3\nfrequency = "daily"',
    )
    message = _problems(copy)
    assert "exercises.towel_toe_curl.dose" in message
    assert "reps or hold_s" in message


def test_caution_protocol_cannot_get_exercises(copy: Path) -> None:
    _edit(
        copy / "protocols.toml",
        'sources = ["george2024", "warden2014"]',
        'sources = ["george2024", "warden2014"]\n\n[[protocols.bone_stress_injury.phases]]\n'
        'name = "Hop"\ngoal = "hop"\nentry = "x x x"\nexit = "x x x"\nexercises = ["squat"]',
    )
    message = _problems(copy)
    assert "protocols.bone_stress_injury" in message
    assert "caution protocol has no phases" in message


def test_rules_pointing_at_a_missing_protocol(copy: Path) -> None:
    _edit(copy / "rules.toml", 'shin = "shin_splints"', 'shin = "shin_splint"')
    assert "rules.toml: region_protocols.shin: unknown protocol 'shin_splint'" in _problems(copy)


def test_bad_finding_template(copy: Path) -> None:
    _edit(copy / "rules.toml", "({reference_distance}).", "({referense_distance}).")
    assert "rules.toml: findings.session_spike.reason" in _problems(copy)


def test_broken_toml_names_the_file(copy: Path) -> None:
    _edit(copy / "sources.toml", "[sources.farrar2001]", "[sources.farrar2001")
    message = _problems(copy)
    assert "sources.toml: not valid TOML" in message


def test_missing_file(copy: Path) -> None:
    (copy / "rules.toml").unlink()
    assert "rules.toml: file missing" in _problems(copy)


def test_content_dir_setting_is_honoured(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _edit(copy / "protocols.toml", '"hip_extension",', '"hip_extensoin",')
    monkeypatch.setenv("STRAVA_REHAB_CONTENT_DIR", str(copy))
    with pytest.raises(LibraryError, match="hip_extensoin"):
        load_library()


def test_every_exercise_has_a_resolvable_source() -> None:
    lib = library()
    for ex_id, exercise in lib.exercises.items():
        assert exercise.source in lib.sources, ex_id
        assert len(lib.cite(exercise.source)) > 20


def test_every_protocol_exercise_exists_and_every_protocol_cites() -> None:
    lib = library()
    for pr_id, protocol in lib.protocols.items():
        assert protocol.sources, pr_id
        for phase in protocol.phases:
            for item in (*phase.exercises, *phase.options):
                assert item.id in lib.exercises, (pr_id, item.id)


def test_convention_doses_say_so() -> None:
    for exercise in library().exercises.values():
        text = exercise.dose.describe()
        assert (CONVENTION_LABEL in text) is (exercise.dose.basis == "convention")


def test_high_hamstring_has_no_stretch_and_says_not_to_stretch() -> None:
    lib = library()
    protocol = lib.protocols["high_hamstring_tendinopathy"]
    for phase in protocol.phases:
        for item in phase.exercises:
            exercise = lib.exercises[item.id]
            assert exercise.kind != "stretch", item.id
            assert "stretch" not in exercise.name.lower(), item.id
    assert any("no stretching" in line.lower() for line in protocol.avoid)
    decision = decide(situation([pain("high_hamstring", 3)]), lib)
    assert any("no stretching" in line.lower() for line in decision.avoid)


def test_bone_stress_is_caution_only() -> None:
    protocol = library().protocols["bone_stress_injury"]
    assert protocol.kind == "caution"
    assert protocol.phases == ()
    advice = " ".join(protocol.load_advice).lower()
    assert "stop running" in advice
    assert "clinician" in advice
    assert "walk-run" in advice
    assert any("george" in source for source in protocol.sources)


def _ids(protocol_id: str) -> set[str]:
    protocol = library().protocols[protocol_id]
    return {item.id for phase in protocol.phases for item in (*phase.exercises, *phase.options)}


@pytest.mark.parametrize(
    ("protocol_id", "expected"),
    [
        (
            "plantar_fasciitis",
            {"plantar_fascia_stretch", "wall_calf_stretch", "high_load_heel_raise"},
        ),
        (
            "shin_splints",
            {
                "side_lying_hip_abduction",
                "hip_extension",
                "hip_thrust",
                "towel_toe_curl",
                "wall_calf_stretch",
                "plantar_fascia_stretch",
                "single_leg_heel_raise",
                "squat",
                "star_excursion_reach",
            },
        ),
        (
            "high_hamstring_tendinopathy",
            {
                "hamstring_isometric",
                "eccentric_heel_slide",
                "glute_bridge",
                "single_leg_hip_lift",
                "eccentric_deadlift",
                "squat",
            },
        ),
        (
            "achilles_tendinopathy",
            {"eccentric_heel_drop_straight", "eccentric_heel_drop_bent", "hsr_heel_raise"},
        ),
        (
            "patellofemoral_pain",
            {"side_lying_hip_abduction", "clamshell", "glute_bridge", "wall_sit", "step_down"},
        ),
        ("it_band_syndrome", {"side_lying_hip_abduction", "pelvic_drop"}),
        ("prevention", {"single_leg_heel_raise", "side_lying_hip_abduction", "single_leg_squat"}),
    ],
)
def test_the_articles_named_exercises_are_present(protocol_id: str, expected: set[str]) -> None:
    assert expected <= _ids(protocol_id)


def test_rathleff_heel_raise_progression_and_tempo() -> None:
    lib = library()
    raise_ = lib.exercises["high_load_heel_raise"]
    assert "3 s up / 2 s hold / 3 s down" in raise_.dose.text
    doses = []
    protocol = lib.protocols["plantar_fasciitis"]
    schedule = protocol.dose_schedules["high_load_heel_raise"]
    assert [step.from_week for step in schedule.steps] == [1, 3, 5]
    assert schedule.source == "rathleff2015"
    for phase in protocol.phases:
        item = next(i for i in phase.exercises if i.id == "high_load_heel_raise")
        assert item.step is not None
        dose = schedule.steps[item.step - 1].dose
        doses.append((dose.sets, dose.reps, dose.frequency, dose.basis))
    assert doses == [
        (3, 12, "every second day", "study"),
        (4, 10, "every second day", "study"),
        (5, 8, "every second day", "study"),
    ]


def test_alfredson_and_beyer_doses() -> None:
    lib = library()
    for ex_id in ("eccentric_heel_drop_straight", "eccentric_heel_drop_bent"):
        dose = lib.exercises[ex_id].dose
        assert (dose.sets, dose.reps) == (3, 15)
        assert "twice daily" in dose.frequency
        assert "12 weeks" in dose.frequency
    assert "3 times a week" in lib.exercises["hsr_heel_raise"].dose.frequency


def test_the_spec_regions_map_to_their_protocols() -> None:
    mapping = library().rules.region_protocols
    assert mapping["shin"] == "shin_splints"
    assert mapping["plantar_heel"] == "plantar_fasciitis"
    assert mapping["high_hamstring"] == "high_hamstring_tendinopathy"
    assert mapping["achilles"] == "achilles_tendinopathy"
    assert mapping["knee_front"] == "patellofemoral_pain"
    assert mapping["knee_outer"] == "it_band_syndrome"


def test_seed_article_rules_are_in_the_general_advice() -> None:
    # Rest is kept for pain above the limit, unsettled or rising (rest_advice), issue 10.
    rules = library().rules
    advice = " ".join([*rules.general_advice, *rules.rest_advice]).lower()
    assert "rest" in advice
    assert "swelling" in advice
    assert "light soreness" in advice
    assert "diagnosis" in advice
