"""Loading and validating the pain vocabulary: every kind of typo names the file and the entry."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.pain.pain_support import english_data, write_toml

from strava_rehab.content import CONTENT_DIR_ENV, default_vocabulary_path, load_vocabulary
from strava_rehab.pain import (
    REGION_IDS,
    VocabularyError,
    parse_pain,
)


def test_the_shipped_vocabulary_loads_and_knows_every_region() -> None:
    path = default_vocabulary_path()
    assert path.name == "pain-vocabulary.en.toml"
    vocabulary = load_vocabulary(path)
    assert vocabulary.language == "en"
    assert vocabulary.region_ids == REGION_IDS


def test_the_spec_example_message(tmp_path: Path) -> None:
    data = english_data()
    data["regions"]["shin"]["synonyms"][2] = ""
    path = write_toml(tmp_path / "pain-vocabulary.en.toml", data)
    with pytest.raises(VocabularyError) as caught:
        load_vocabulary(path)
    assert str(caught.value) == f"{path}: regions.shin.synonyms[2]: empty string"


# An edit breaks the data and returns the index it appended at (for "{i}" in the message).
Edit = Callable[[dict[str, Any]], int | None]


def _set(*keys: str | int, value: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        target: Any = data
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return edit


def _append(*keys: str, value: Any) -> Edit:
    def edit(data: dict[str, Any]) -> int:
        target: Any = data
        for key in keys:
            target = target[key]
        target.append(value)
        return len(target) - 1

    return edit


def _delete(*keys: str) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        target: Any = data
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]

    return edit


def _rename_region(old: str, new: str) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        data["regions"][new] = data["regions"].pop(old)

    return edit


TYPOS: list[tuple[str, Edit, str]] = [
    (
        "unknown top-level key",
        _set("sympotms", value=[]),
        "sympotms: unknown key",
    ),
    (
        "unknown nested key",
        _set("regions", "shin", "synonym", value=["shin"]),
        "regions.shin.synonym: unknown key",
    ),
    (
        "unknown timing value",
        _set("timing", "at_brunch", value={"phrases": ["brunch"]}),
        "timing.at_brunch: unknown key",
    ),
    (
        "region id not in the allowed list",
        _rename_region("shin", "shinn"),
        "regions.shinn: unknown region id",
    ),
    (
        "empty synonym",
        _append("regions", "calf", "synonyms", value="  "),
        "regions.calf.synonyms[{i}]: empty string",
    ),
    (
        "duplicate synonym across regions",
        _append("regions", "achilles", "synonyms", value="Heel"),
        "regions.achilles.synonyms[{i}]: 'Heel' is already a body word at "
        "regions.plantar_heel.synonyms[0]",
    ),
    (
        "synonym that is also an unplaced body word",
        _append("unplaced_body_words", value="knee"),
        "unplaced_body_words[{i}]: 'knee' is already a body word at regions.knee_front.synonyms[0]",
    ),
    (
        "bad type: a string where a list belongs",
        _set("regions", "shin", "synonyms", value="shin"),
        "regions.shin.synonyms: input should be a valid list, got 'shin'",
    ),
    (
        "bad type: a number in a list of words",
        _set("regions", "shin", "synonyms", 0, value=3),
        "regions.shin.synonyms[0]: input should be a valid string, got 3",
    ),
    (
        "bad type: a word where a number belongs",
        _set("symptoms", 0, "estimate", value="high"),
        "symptoms[0].estimate: input should be a valid number, got 'high'",
    ),
    (
        "estimate off the 0-10 scale",
        _set("symptoms", 0, "estimate", value=12),
        "symptoms[0].estimate: input should be less than or equal to 10, got 12",
    ),
    (
        "missing section",
        _delete("negation"),
        "negation: missing",
    ),
    (
        "unknown red-flag id",
        _set("red_flags", "nightpain", value=["night pain"]),
        "red_flags.nightpain: unknown red-flag id",
    ),
    (
        "unknown red-flag id on a timing",
        _set("timing", "at_night", "red_flag", value="night"),
        "timing.at_night.red_flag: unknown red-flag id 'night'",
    ),
    (
        "number slot outside a timing phrase",
        _append("trend", "worse", value="worse after {n}k"),
        "trend.worse[{i}]: the number slot {n} is only allowed in timing phrases",
    ),
    (
        "duplicate timing phrase",
        _append("timing", "during", "phrases", value="after"),
        "timing.after.phrases[0]: 'after' is already a timing phrase at timing.during.phrases[{i}]",
    ),
    (
        "a clause break of two words",
        _append("text", "clause_breaks", value="and then"),
        "text.clause_breaks[{i}]: 'and then' must be a single word or mark",
    ),
    (
        "a region with no synonyms",
        _set("regions", "ankle", "synonyms", value=[]),
        "regions.ankle.synonyms: no synonyms",
    ),
    (
        "bad language code",
        _set("language", value="English"),
        "language: 'English' is not a language code",
    ),
]


@pytest.mark.parametrize(
    ("edit", "expected"), [(e, m) for _, e, m in TYPOS], ids=[t[0] for t in TYPOS]
)
def test_each_typo_names_file_and_entry(tmp_path: Path, edit: Edit, expected: str) -> None:
    data = english_data()
    index = edit(data)
    expected = expected.replace("{i}", str(index))
    path = write_toml(tmp_path / "pain-vocabulary.en.toml", data)
    with pytest.raises(VocabularyError) as caught:
        load_vocabulary(path)
    message = str(caught.value)
    assert f"{path}: {expected}" in message


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    data = english_data()
    data["regions"]["shin"]["synonyms"][0] = ""
    data["regions"]["calf"]["synonyms"][0] = ""
    path = write_toml(tmp_path / "vocab.toml", data)
    with pytest.raises(VocabularyError) as caught:
        load_vocabulary(path)
    lines = str(caught.value).splitlines()
    assert f"{path}: regions.calf.synonyms[0]: empty string" in lines
    assert f"{path}: regions.shin.synonyms[0]: empty string" in lines


def test_broken_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "pain-vocabulary.en.toml"
    path.write_text('language = "en"\n[regions.shin\n', encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"pain-vocabulary\.en\.toml: not valid TOML.*line 2"):
        load_vocabulary(path)


def test_a_missing_file_is_a_vocabulary_error(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(VocabularyError, match=r"nowhere\.toml: cannot read"):
        load_vocabulary(path)


def test_a_missing_language_lists_the_languages_there_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(default_vocabulary_path("en"), tmp_path / "pain-vocabulary.en.toml")
    shutil.copy(default_vocabulary_path("en"), tmp_path / "pain-vocabulary.de.toml")
    monkeypatch.setenv(CONTENT_DIR_ENV, str(tmp_path))
    assert default_vocabulary_path("de") == tmp_path / "pain-vocabulary.de.toml"
    with pytest.raises(VocabularyError, match=r"'fr'.*available languages: de, en"):
        default_vocabulary_path("fr")


def test_a_language_code_cannot_walk_out_of_the_content_directory() -> None:
    with pytest.raises(VocabularyError, match="not a language code"):
        default_vocabulary_path("../../etc/passwd")


def _spanish(data: dict[str, Any]) -> dict[str, Any]:
    """A toy second language built from the English file's shape: no code change needed."""
    data["language"] = "es"
    data["regions"] = {
        "knee_front": {"synonyms": ["rodilla"]},
        "shin": {"synonyms": ["espinilla", "tibia"]},
    }
    data["unplaced_body_words"] = ["pie"]
    data["sides"] = {"left": ["izquierda", "izquierdo"], "right": ["derecha", "derecho"]}
    data["side_letters"] = {"left": ["I"], "right": ["D"]}
    data["symptoms"] = [{"words": ["dolor", "molestia"], "estimate": 3}]
    data["negation"]["cues"] = ["sin", "no"]
    data["negation"]["phrases"] = ["sin dolor"]
    data["negation"]["all_clear"] = ["bien"]
    data["text"]["clause_breaks"] = [",", "y", "pero"]
    data["text"]["fillers"] = ["la", "el", "mi", "de"]
    data["timing"] = {"after": {"phrases": ["después"]}}
    data["trend"] = {"worse": ["peor"]}
    data["scores"]["labels"] = ["dolor"]
    data["scores"]["labels_out_of_100"] = []
    data["scores"]["out_of"] = ["de"]
    data["red_flags"] = {"swelling": ["hinchada", "hinchazón"]}
    return data


def test_another_language_is_only_a_data_file(tmp_path: Path) -> None:
    path = write_toml(tmp_path / "pain-vocabulary.es.toml", _spanish(english_data()))
    spanish = load_vocabulary(path)
    reports = parse_pain("rodilla izquierda dolor 3/10 después, tibia sin dolor", spanish)
    assert [(r.region, r.side, r.score, r.timing, r.negated) for r in reports] == [
        ("knee_front", "left", 3.0, "after", False),
        ("shin", None, None, None, True),
    ]
