"""A runner's units and language: what they chose, what Strava says, and what we write in."""

from __future__ import annotations

from dataclasses import dataclass

from strava_rehab.content.translations import AVAILABLE_LANGUAGES
from strava_rehab.context import AppContext
from strava_rehab.db import gateway
from strava_rehab.errors import UserFacingError

LANGUAGE_CHOICES = ("auto", *AVAILABLE_LANGUAGES)


class LocaleChoiceError(UserFacingError, ValueError):
    """An unknown --units or --language value; the message lists what is accepted."""


@dataclass(frozen=True)
class LocaleView:
    athlete_id: int
    units: str  # the runner's choice: auto | metric | imperial
    language: str  # the runner's choice: auto | a language code
    measurement_preference: str | None  # Strava's, None until read
    unit_system: str  # what the text uses: metric | imperial
    default_language: str  # the install's language, for "auto" without a clear note language


def check_choices(units: str | None, language: str | None) -> None:
    if units is not None and units not in gateway.UNIT_CHOICES:
        raise LocaleChoiceError(
            f"--units: unknown value {units!r}; accepted: {', '.join(gateway.UNIT_CHOICES)}"
        )
    if language is not None and language not in LANGUAGE_CHOICES:
        raise LocaleChoiceError(
            f"--language: unknown value {language!r}; accepted: {', '.join(LANGUAGE_CHOICES)}"
        )


def show_locale(ctx: AppContext, athlete_id: int) -> LocaleView:
    locale = gateway.runner_locale(ctx.db, athlete_id)
    return LocaleView(
        athlete_id,
        locale.units,
        locale.language,
        locale.measurement_preference,
        locale.unit_system,
        ctx.settings.language,
    )


def set_locale(
    ctx: AppContext, athlete_id: int, *, units: str | None = None, language: str | None = None
) -> LocaleView:
    """Store the runner's choices (None keeps one); the next pass writes their text in them."""
    check_choices(units, language)
    if not gateway.save_runner_locale(
        ctx.db, athlete_id, ctx.clock(), units=units, language=language
    ):
        raise LocaleChoiceError(f"athlete {athlete_id} is not connected here")
    return show_locale(ctx, athlete_id)
