"""How the runner is spoken to: language, unit system and the loaded catalogue.

The service layer builds a ``Voice`` (it reads the settings, the athlete's preference and the
catalogue file); the pure renderers only call its methods, so they never touch a file. The
default, ``ENGLISH``, has no catalogue at all: every message is its own msgid, which is how the
English text stays byte for byte what it was before translation existed.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass, field

from strava_rehab.text.units import UnitSystem, distance, pace, speed, unit_label

# Languages that write a decimal comma.
_DECIMAL_COMMA = frozenset({"de", "es", "fr"})
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def N_(message: str) -> str:
    """Marks a constant for extraction (``pybabel extract``); translated where it is used."""
    return message


@dataclass(frozen=True)
class Voice:
    language: str = "en"
    units: UnitSystem = "metric"
    translations: gettext.NullTranslations = field(
        default_factory=gettext.NullTranslations, compare=False, repr=False
    )

    @property
    def is_default(self) -> bool:
        """English in km: the text every stored row and golden file was written in."""
        return self.language == "en" and self.units == "metric"

    def _(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.translations.ngettext(singular, plural, count)

    def _number(self, text: str) -> str:
        # German writes "14,0 km"; the unit label never holds a dot.
        return text.replace(".", ",") if self.language in _DECIMAL_COMMA else text

    def distance(self, km: float, *, decimals: int = 1) -> str:
        return self._number(distance(km, self.units, decimals=decimals))

    def pace(self, seconds_per_km: float) -> str:
        return pace(seconds_per_km, self.units)

    def speed(self, km_per_hour: float) -> str:
        return self._number(speed(km_per_hour, self.units))

    @property
    def unit(self) -> str:
        return unit_label(self.units)

    def month(self, month: int) -> str:
        """The short month name (our catalogue, never the process locale)."""
        return self._(_MONTHS[month - 1])


# The months as msgids, for extraction (``_MONTHS`` is what is looked up).
MONTH_MSGIDS = (
    N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"),
    N_("Jul"), N_("Aug"), N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"),
)  # fmt: skip

ENGLISH = Voice()
