"""The web pages' catalogue: current with the code, and completely translated into German.

Every msgid of ``config/locale/web.pot`` has a German translation that is non-empty, not fuzzy,
and carries the same placeholders and markup as the English; the template itself is what the
code says today (so a new text cannot slip past untranslated); English needs no translation.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from strava_rehab.content.locate import content_dir
from strava_rehab.content.translations import AVAILABLE_LANGUAGES, UnknownLanguage, translations

ROOT = Path(__file__).resolve().parents[2]
LOCALE = content_dir() / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TAG = re.compile(r"</?([a-z]+)")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "n_": (1, 2), "N_": None}
KEYWORDS["translate"] = None


def catalogue(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=language, domain="web")


def ids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}


def forms(message: Message) -> tuple[list[str], list[str]]:
    english = [message.id] if isinstance(message.id, str) else list(message.id)
    string = message.string or ""
    translated = [string] if isinstance(string, str) else list(string)
    return english, translated


def marks(text: str) -> tuple[set[str], list[str]]:
    return set(PLACEHOLDER.findall(text)), sorted(TAG.findall(text))


def test_the_template_is_current_with_the_code() -> None:
    method_map = [
        ("src/strava_rehab/dashboard/templates/**.html", "jinja2"),
        ("src/strava_rehab/dashboard/**.py", "python"),
        ("src/strava_rehab/web/**.py", "python"),
    ]
    options = {
        "src/strava_rehab/dashboard/templates/**.html": {
            "extensions": "jinja2.ext.i18n",
            "trim_blocks": "True",
            "lstrip_blocks": "True",
        }
    }
    extracted: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options, keywords=KEYWORDS
    ):
        extracted.add(message if isinstance(message, str) else tuple(m for m in message if m))
    pot = ids(catalogue(LOCALE / "web.pot"))
    assert extracted - pot == set(), "new texts: run make messages and translate them"
    assert pot - extracted == set(), "texts no longer in the code: run make messages"


def test_no_translatable_call_hides_inside_an_f_string() -> None:
    # Python 3.11 reads an f-string as one token: the extractor never sees a call inside it.
    hidden = re.compile(r"""\{loc\._\(\s*["']""")
    for path in [
        *(ROOT / "src/strava_rehab/web").glob("*.py"),
        *(ROOT / "src/strava_rehab/dashboard").glob("*.py"),
    ]:
        assert not hidden.search(path.read_text(encoding="utf-8")), path


def test_every_message_has_a_complete_german_translation() -> None:
    pot = catalogue(LOCALE / "web.pot")
    german = catalogue(LOCALE / "de" / "LC_MESSAGES" / "web.po", "de")
    assert ids(german) == ids(pot)
    problems = []
    for message in german:
        if not message.id:
            continue
        english, translated = forms(message)
        label = english[0][:60]
        if message.fuzzy:
            problems.append(f"{label}: fuzzy")
        if len(translated) != german.num_plurals if len(english) > 1 else len(translated) != 1:
            problems.append(f"{label}: {len(translated)} forms")
        if not all(t.strip() for t in translated):
            problems.append(f"{label}: empty")
            continue
        wanted_names, wanted_tags = marks(english[-1])
        for text in translated:
            names, tags = marks(text)
            # A singular may leave out the count ("1 run" -> "ein Lauf"), nothing else.
            allowed_missing = {"count"} if len(english) > 1 and text == translated[0] else set()
            if not (wanted_names - allowed_missing <= names <= wanted_names):
                problems.append(f"{label}: placeholders {sorted(names)}")
            if tags != wanted_tags:
                problems.append(f"{label}: markup {tags}")
    assert problems == []


def test_english_is_the_source_and_needs_no_translation() -> None:
    english = catalogue(LOCALE / "en" / "LC_MESSAGES" / "web.po", "en")
    assert ids(english) == ids(catalogue(LOCALE / "web.pot"))
    assert translations("en", "web").gettext("Your plan") == "Your plan"


def test_the_loader_compiles_the_german_catalogue() -> None:
    german = translations("de", "web")
    assert german.gettext("Your plan") == "Dein Plan"
    assert german.ngettext("%(region)s: %(count)d note", "%(region)s: %(count)d notes", 3) == (
        "%(region)s: %(count)d Notizen"
    )
    assert translations("de", "web") is german  # compiled once per process
    assert AVAILABLE_LANGUAGES == ("en", "de")
    with pytest.raises(UnknownLanguage, match="available languages: en, de"):
        translations("tlh", "web")
