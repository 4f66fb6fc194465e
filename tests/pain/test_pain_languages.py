"""The languages a note is read in: the setting, its check at load, and the vocabulary files."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.pain.pain_support import english_data, write_toml

from strava_rehab.content import (
    CONTENT_DIR_ENV,
    available_languages,
    content_dir,
    default_vocabulary_path,
    load_vocabularies,
    load_vocabulary,
)
from strava_rehab.content.knowledge import pain_languages_with_hash
from strava_rehab.pain import VocabularyError
from strava_rehab.settings import ConfigError, Settings, load_settings


def test_german_and_spanish_ship_beside_english() -> None:
    assert {"de", "en", "es"} <= set(available_languages(content_dir()))
    vocabularies = load_vocabularies()
    assert {v.language for v in vocabularies.values()} >= {"de", "en", "es"}
    for language in ("de", "es"):
        assert set(vocabularies[language].region_ids) == set(vocabularies["en"].region_ids)


def test_the_default_reads_english_and_detects_the_others() -> None:
    settings = Settings()
    assert settings.pain_languages == ["en"] and settings.pain_detect_languages
    languages, _ = pain_languages_with_hash(settings)
    assert languages.preferred == ("en",) and {"de", "es"} <= set(languages.vocabularies)


def test_pain_language_is_kept_as_an_alias() -> None:
    assert Settings(pain_language="de").pain_languages == ["de"]
    with pytest.raises(ValueError, match="disagree"):
        Settings(pain_language="de", pain_languages=["es"])


def test_an_unknown_language_is_an_error_at_load_listing_the_available_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STRAVA_REHAB_PAIN_LANGUAGES", '["de", "tlh"]')
    with pytest.raises(
        ConfigError, match=r"pain_languages.*'tlh'.*available languages: de, en, es"
    ):
        load_settings()


def test_a_changed_language_setting_changes_the_hash() -> None:
    _, english_hash = pain_languages_with_hash(Settings())
    _, german_hash = pain_languages_with_hash(Settings(pain_languages=["de", "en"]))
    assert english_hash != german_hash


def _broken_german(data: dict[str, Any]) -> dict[str, Any]:
    data["language"] = "de"
    data["regions"]["shin"]["synonyms"].append("")
    data["text"]["spelling_variants"] = {"ü": []}
    data["text"]["compound_links"] = ["s-"]
    return data


def test_a_new_language_file_is_validated_with_the_same_errors(tmp_path: Path) -> None:
    path = write_toml(tmp_path / "pain-vocabulary.de.toml", _broken_german(english_data()))
    with pytest.raises(VocabularyError) as error:
        load_vocabulary(path)
    message = str(error.value)
    assert f"{path}: regions.shin.synonyms[" in message and "empty string" in message
    assert f"{path}: text.spelling_variants.ü: no spellings" in message
    assert f"{path}: text.compound_links[0]: 's-' must be letters only" in message


def test_a_file_must_say_the_language_its_name_says(tmp_path: Path) -> None:
    shutil.copy(default_vocabulary_path("en"), tmp_path / "pain-vocabulary.de.toml")
    with pytest.raises(VocabularyError, match=r"language: 'en' does not match the file name"):
        load_vocabulary(tmp_path / "pain-vocabulary.de.toml")


def test_every_broken_file_is_reported_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for language in ("de", "es"):
        data = english_data()
        data["language"] = language
        data["regions"]["nose"] = {"synonyms": ["nose"]}
        write_toml(tmp_path / f"pain-vocabulary.{language}.toml", data)
    shutil.copy(default_vocabulary_path("en"), tmp_path / "pain-vocabulary.en.toml")
    monkeypatch.setenv(CONTENT_DIR_ENV, str(tmp_path))
    with pytest.raises(VocabularyError) as error:
        load_vocabularies()
    assert "pain-vocabulary.de.toml: regions.nose" in str(error.value)
    assert "pain-vocabulary.es.toml: regions.nose" in str(error.value)
