"""Gettext catalogues of the runner-facing text: ``config/locale/<lang>/LC_MESSAGES/<domain>.po``.

The catalogues are content, kept as ``.po`` only (no compiled ``.mo`` to forget to rebuild): each
is read with Babel and compiled in memory, once per process. English is the source language:
its catalogue may leave every ``msgstr`` empty, and a missing or empty one falls back to the
English ``msgid``. Fuzzy entries are never used (Babel leaves them out of the compiled catalogue).
"""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from strava_rehab.content.locate import content_dir
from strava_rehab.errors import UserFacingError

AVAILABLE_LANGUAGES = ("en", "de")
DEFAULT_LANGUAGE = "en"


class UnknownLanguage(UserFacingError, ValueError):
    """A language no catalogue is shipped for; the message lists the available ones."""


def check_language(language: str) -> str:
    if language not in AVAILABLE_LANGUAGES:
        raise UnknownLanguage(
            f"no translations for language {language!r}; "
            f"available languages: {', '.join(AVAILABLE_LANGUAGES)}"
        )
    return language


@cache
def translations(language: str, domain: str = "messages") -> gettext.NullTranslations:
    """The compiled catalogue of ``domain`` in ``language`` (cached per process)."""
    check_language(language)
    path = content_dir() / "locale" / language / "LC_MESSAGES" / f"{domain}.po"
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=domain)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=domain)
