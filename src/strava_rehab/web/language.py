"""Which language a page is written in: ``?lang=``, then the cookie the switch set, then the
browser's Accept-Language (negotiated with Babel), then the install's default.

A ``?lang=`` the page offers is remembered in a cookie, so the switch is one click and every
later page (and the connect flow) keeps the choice; an unknown one is ignored, never an error.
"""

from __future__ import annotations

from typing import TypeVar
from urllib.parse import urlencode

from babel import Locale, negotiate_locale
from fastapi import Request
from starlette.responses import Response

from strava_rehab.content.translations import AVAILABLE_LANGUAGES, translations
from strava_rehab.dashboard.locale import PageLocale
from strava_rehab.dashboard.templates import LanguageChoice
from strava_rehab.settings import Settings
from strava_rehab.text.units import UnitSystem

LANGUAGE_COOKIE = "strava_rehab_lang"
LANGUAGE_PARAM = "lang"
DOMAIN = "web"
_COOKIE_DAYS = 365
AnyResponse = TypeVar("AnyResponse", bound=Response)


def install_language(settings: Settings) -> str:
    """The install's default page language: its ``language`` setting (validated at load)."""
    return settings.language if settings.language in AVAILABLE_LANGUAGES else "en"


def accepted(header: str) -> list[str]:
    """The languages of an Accept-Language header, most wanted first ("de-DE", "de", "en")."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, index, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def chosen(request: Request) -> str | None:
    """A language the runner picked: in this request's ``?lang=``, else in the cookie."""
    for value in (request.query_params.get(LANGUAGE_PARAM), request.cookies.get(LANGUAGE_COOKIE)):
        if value in AVAILABLE_LANGUAGES:
            return value
    return None


def page_language(request: Request, settings: Settings) -> str:
    picked = chosen(request)
    if picked is not None:
        return picked
    browser = accepted(request.headers.get("accept-language", ""))
    if browser:
        negotiated = negotiate_locale(browser, list(AVAILABLE_LANGUAGES), sep="-")
        if negotiated is None:  # "de-AT" finds "de": compare the language part as well
            negotiated = negotiate_locale(
                [tag.split("-")[0] for tag in browser], list(AVAILABLE_LANGUAGES), sep="-"
            )
        if negotiated is not None:
            return str(negotiated)
    return install_language(settings)


def page_locale(request: Request, settings: Settings, units: UnitSystem = "metric") -> PageLocale:
    language = page_language(request, settings)
    return PageLocale(language=language, units=units, catalogue=translations(language, DOMAIN))


def language_switch(request: Request, current: str) -> list[LanguageChoice]:
    """A link per language, each in its own name, keeping the page's other query values."""
    choices = []
    for code in AVAILABLE_LANGUAGES:
        query = {k: v for k, v in request.query_params.items() if k != LANGUAGE_PARAM}
        query[LANGUAGE_PARAM] = code
        name = Locale.parse(code).get_display_name(code) or code
        choices.append(
            LanguageChoice(
                code=code,
                name=name[:1].upper() + name[1:],
                href=f"{request.url.path}?{urlencode(query)}",
                current=code == current,
            )
        )
    return choices


def remember(request: Request, response: AnyResponse, *, secure: bool) -> AnyResponse:
    """Keep a ``?lang=`` choice in a cookie for the pages that follow."""
    value = request.query_params.get(LANGUAGE_PARAM)
    if value in AVAILABLE_LANGUAGES and request.cookies.get(LANGUAGE_COOKIE) != value:
        response.set_cookie(
            LANGUAGE_COOKIE,
            value,
            max_age=_COOKIE_DAYS * 24 * 3600,
            path="/",
            secure=secure,
            httponly=True,
            samesite="lax",
        )
    return response
