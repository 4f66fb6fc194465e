"""The language and units a page is written in, handed to the pure view-model code.

The web layer picks the language (``web/language.py``) and loads its catalogue
(``content.translations``); the dashboard only calls ``gettext`` on what it was given, so it
stays free of files and settings. ``PageLocale()`` is English in kilometres: the page as it was.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass, field
from datetime import date

from babel.numbers import format_decimal

from strava_rehab.dashboard.units import format_date, format_distance, format_score
from strava_rehab.text.units import UnitSystem, distance_unit, distance_value

# One shared empty catalogue: the English default, and the key of the one English environment.
_ENGLISH_CATALOGUE = gettext.NullTranslations()


@dataclass(frozen=True)
class PageLocale:
    language: str = "en"
    units: UnitSystem = "metric"
    catalogue: gettext.NullTranslations = field(
        default_factory=lambda: _ENGLISH_CATALOGUE, compare=False, repr=False
    )

    def _(self, message: str) -> str:
        """The message in the page language (the English ``message`` when untranslated)."""
        return self.catalogue.gettext(message)

    def n_(self, singular: str, plural: str, count: int) -> str:
        return self.catalogue.ngettext(singular, plural, count)

    def number(self, value: float, *, decimals: int = 1) -> str:
        """ "14.0"; in German "14,0" (Babel's separators for the language)."""
        if self.language == "en":
            return f"{value:.{decimals}f}"
        pattern = "0." + "0" * decimals if decimals else "0"
        return str(format_decimal(round(value, decimals), format=pattern, locale=self.language))

    def distance(self, km: float, *, decimals: int = 1) -> str:
        if self.language == "en":
            return format_distance(km, system=self.units, decimals=decimals)
        value = distance_value(km, self.units)
        return f"{self.number(value, decimals=decimals)} {distance_unit(self.units)}"

    def day(self, day: date, *, year: bool = True) -> str:
        return format_date(day, year=year, language=self.language)

    def score(self, score: float | None) -> str:
        return format_score(score, no_score=self._("no score"))


ENGLISH = PageLocale()
