"""The gettext catalogues of the runner-facing text, read from ``config/locale`` through Babel.

The ``.po`` files are the source of truth (translators edit them; ``make messages`` re-extracts
``messages.pot`` and updates them). There is no compiled ``.mo`` in the repository to drift from
its ``.po``: each catalogue is compiled in memory on first use and kept for the process. A broken
catalogue is one error naming the file, raised when it is first loaded (``config check`` and the
worker's start load every language).
"""

from __future__ import annotations

import gettext
import re
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from strava_rehab.content.locate import content_dir
from strava_rehab.errors import UserFacingError, problem
from strava_rehab.text.units import UnitSystem
from strava_rehab.text.voice import Voice

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog
    from babel.support import Translations

# English is the msgid language; its catalogue exists so that every language is handled alike.
AVAILABLE_LANGUAGES: tuple[str, ...] = ("en", "de")
DOMAINS: tuple[str, ...] = ("messages", "web")
# "{distance}" in a msgid must be "{distance}" in its translation: a lost or renamed field would
# raise KeyError at render time, or print a raw brace to the runner.
_PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*(?::[^}]*)?\}|%\([a-z_]+\)[sdf]")


class UnknownLanguage(UserFacingError, ValueError):
    """A language we ship no catalogue for; the message lists the available ones."""

    def __init__(self, language: str) -> None:
        self.language = language
        super().__init__(
            f"unknown language {language!r}; available languages: {', '.join(AVAILABLE_LANGUAGES)}"
        )


class CatalogueError(UserFacingError):
    """A ``.po`` file that cannot be used; the message names the file and the entry."""


def catalogue_path(language: str, domain: str = "messages", directory: Path | None = None) -> Path:
    folder = content_dir() if directory is None else directory
    return folder / "locale" / language / "LC_MESSAGES" / f"{domain}.po"


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def read_catalogue(path: Path) -> Catalog:
    """The parsed and checked catalogue: placeholders kept, no fuzzy entry used silently."""
    # Babel is imported here, not at the top: the settings import this module for its language
    # list, and most commands never render a runner's text.
    from babel.messages.pofile import PoFileError, read_po

    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, abort_invalid=True)
    except FileNotFoundError:
        raise CatalogueError(f"{path}: catalogue missing (run `make messages`)") from None
    except (PoFileError, UnicodeDecodeError, ValueError) as exc:
        raise CatalogueError(f"{path}: not a valid .po file: {exc}") from None
    problems = []
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue  # the header, or a plural entry (we use none)
        text = message.string
        if not isinstance(text, str) or not text:
            continue  # untranslated: gettext falls back to the English msgid
        if placeholders(text) != placeholders(message.id):
            problems.append(
                problem(
                    path,
                    f"msgid {message.id[:50]!r}",
                    "the translation must keep the placeholders "
                    f"{sorted(placeholders(message.id))}, it has {sorted(placeholders(text))}",
                )
            )
    if problems:
        raise CatalogueError("\n".join(problems))
    return catalog


@cache
def _compiled(language: str, domain: str, directory: Path | None) -> Translations:
    from babel.messages.mofile import write_mo
    from babel.support import Translations

    catalog = read_catalogue(catalogue_path(language, domain, directory))
    buffer = BytesIO()
    # Fuzzy entries are a translator's guess: they stay English until someone confirms them.
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=domain)


def check_language(language: str) -> str:
    if language not in AVAILABLE_LANGUAGES:
        raise UnknownLanguage(language)
    return language


def translations(
    language: str, domain: str = "messages", *, directory: Path | None = None
) -> gettext.NullTranslations:
    """The catalogue of ``language`` (cached per process). English is the msgids themselves."""
    check_language(language)
    if domain not in DOMAINS:
        raise CatalogueError(f"unknown message domain {domain!r}; known: {', '.join(DOMAINS)}")
    if language == "en":
        # The msgids are the English text: no catalogue can change a byte of it (en/*.po is
        # the msgids copied, for tools that want one file per language).
        return gettext.NullTranslations()
    return _compiled(language, domain, directory)


def voice(language: str, units: UnitSystem = "metric") -> Voice:
    """The runner's voice, with its catalogue loaded (the service layer's one way to get one)."""
    return Voice(language=language, units=units, translations=translations(language))


def check_catalogues(directory: Path | None = None) -> list[str]:
    """Load every shipped catalogue now (for ``config check`` and a worker's start): the
    problems, one per broken file, instead of a failure at the first runner's text."""
    problems: list[str] = []
    for language in AVAILABLE_LANGUAGES:
        for domain in DOMAINS:
            path = catalogue_path(language, domain, directory)
            if not path.is_file():
                continue  # a domain a language does not ship yet reads as English
            try:
                read_catalogue(path)
            except CatalogueError as exc:
                problems.append(str(exc))
    return problems
