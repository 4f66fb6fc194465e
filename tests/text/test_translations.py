"""The catalogues: every runner-facing message has a German translation with the same
placeholders, the template is what the sources mark, and a broken catalogue is one clear error."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import strava_rehab
from strava_rehab.content.locate import content_dir
from strava_rehab.content.translations import (
    AVAILABLE_LANGUAGES,
    CatalogueError,
    UnknownLanguage,
    catalogue_path,
    check_catalogues,
    placeholders,
    translations,
)
from strava_rehab.errors import UserFacingError

CONFIG = content_dir()
TEMPLATE = CONFIG / "locale" / "messages.pot"
SOURCES = Path(strava_rehab.__file__).parent


def _messages(path: Path) -> dict[str, tuple[str, bool]]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {
        str(m.id): (str(m.string or ""), m.fuzzy) for m in catalog if m.id and isinstance(m.id, str)
    }


def test_the_template_holds_every_message_the_sources_mark() -> None:
    marked = {
        message
        for _, _, message, _, _ in extract_from_dir(
            str(SOURCES),
            # The web pages are the "web" domain (tests/web checks its catalogue).
            method_map=[
                ("dashboard/**.py", "ignore"),
                ("web/**.py", "ignore"),
                ("**.py", "python"),
            ],
            keywords={"_": None, "N_": None},
        )
        if isinstance(message, str)
    }
    assert marked, "nothing is marked for translation"
    assert marked == set(_messages(TEMPLATE)), "run `make messages`"


@pytest.mark.parametrize("language", AVAILABLE_LANGUAGES)
def test_every_message_is_translated_with_its_placeholders(language: str) -> None:
    template = set(_messages(TEMPLATE))
    catalogue = _messages(catalogue_path(language))
    assert set(catalogue) == template, "run `make messages`"
    for msgid, (text, fuzzy) in catalogue.items():
        assert text.strip(), f"{language}: {msgid!r} is not translated"
        assert not fuzzy, f"{language}: {msgid!r} is fuzzy"
        assert placeholders(text) == placeholders(msgid), (language, msgid, text)


def test_german_is_german_and_english_is_its_msgids() -> None:
    german = translations("de")
    assert german.gettext("Exercises:") == "Übungen:"
    assert translations("en").gettext("Exercises:") == "Exercises:"
    assert translations("de") is german  # compiled once per process


def test_an_unknown_language_lists_the_available_ones() -> None:
    with pytest.raises(UnknownLanguage) as caught:
        translations("fr")
    assert isinstance(caught.value, UserFacingError)
    assert str(caught.value) == "unknown language 'fr'; available languages: en, de"


def _copy_config(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG / "locale", folder / "locale")
    return folder


def test_a_lost_placeholder_names_the_file_and_the_message(tmp_path: Path) -> None:
    folder = _copy_config(tmp_path)
    po = catalogue_path("de", directory=folder)
    po.write_text(
        po.read_text(encoding="utf-8").replace('msgstr "Hallo {name},"', 'msgstr "Hallo {nam},"'),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as caught:
        translations("de", directory=folder)
    message = str(caught.value)
    assert message.startswith(f"{po}: msgid 'Hi {{name}},': ")
    assert "['{name}']" in message and "\n" not in message


def test_a_broken_catalogue_is_one_error_naming_the_file(tmp_path: Path) -> None:
    folder = _copy_config(tmp_path)
    po = catalogue_path("de", directory=folder)
    po.write_text('msgid "Hi,"\nthis is not a po line\n', encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        translations("de", directory=folder)
    assert str(caught.value).startswith(f"{po}: not a valid .po file")


def test_check_catalogues_reports_each_broken_file(tmp_path: Path) -> None:
    assert check_catalogues() == []
    folder = _copy_config(tmp_path)
    po = catalogue_path("de", directory=folder)
    po.write_text('msgid "Hi,"\nthis is not a po line\n', encoding="utf-8")
    problems = check_catalogues(folder)
    assert len(problems) == 1 and problems[0].startswith(f"{po}: ")


def test_a_missing_catalogue_says_how_to_make_it(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError) as caught:
        translations("de", directory=tmp_path)
    assert "catalogue missing (run `make messages`)" in str(caught.value)


def test_make_messages_is_a_make_target() -> None:
    result = subprocess.run(
        ["make", "-n", "messages"],
        cwd=CONFIG.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "pybabel extract -F babel.cfg" in result.stdout
