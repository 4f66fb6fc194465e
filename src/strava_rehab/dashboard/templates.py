"""The dashboard's Jinja2 templates: one autoescaping environment and a page model per template.

FastAPI's ``Jinja2Templates(env=environment())`` uses this environment as is; ``render`` is the
same without a request (tests, the CLI). Every value reaches the HTML escaped, except a chart's
SVG, which the chart code built with ElementTree (it escapes every text and attribute).

The templates are translatable (``jinja2.ext.i18n``, catalogue domain "web"): ``render`` takes
the ``PageLocale`` of the request; without one the page is English in kilometres, exactly as
before translation. One environment per catalogue, built once.
"""

from __future__ import annotations

import gettext
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from pydantic import BaseModel, ConfigDict, Field

from strava_rehab.dashboard.charts import BAND_STYLE, band_style
from strava_rehab.dashboard.locale import ENGLISH, PageLocale
from strava_rehab.dashboard.model import Dashboard, Destination


def N_(message: str) -> str:
    """Marks a message for the catalogue that the template translates at run time."""
    return message


# Words the templates translate from data (``{{ _(kind) }}``), listed so that they are extracted.
DYNAMIC_MESSAGES = (
    N_("activities"),
    N_("pain reports"),
    N_("load findings"),
    N_("suggestions"),
    N_("records of what we wrote or sent"),
)


@dataclass(frozen=True)
class LanguageChoice:
    """One entry of the page's language switch."""

    code: str
    name: str
    href: str
    current: bool


class _Page(BaseModel):
    model_config = ConfigDict(frozen=True)


class MePage(_Page):
    """``me.html``: the dashboard."""

    athlete_name: str
    csrf_token: str
    dashboard: Dashboard
    write_back_paused: bool = False
    # One line about the last action (an undo done or refused); never athlete data of another.
    notice: str | None = None


class SettingsPage(_Page):
    """``settings.html``. The channel URL is a secret: only whether one is set is shown."""

    athlete_name: str
    csrf_token: str
    write_back_paused: bool
    destination: Destination
    notification_configured: bool
    saved: bool = False
    error: str | None = None


class DeletePage(_Page):
    """``delete_confirm.html``: what will be removed, before the runner confirms."""

    athlete_name: str
    csrf_token: str
    # Rows we hold, by kind in the runner's words ("activities", "pain reports", ...).
    counts: dict[str, int]
    # Runs whose Strava description still carries our block.
    blocks_on_strava: int
    error: str | None = None


class SignedOutPage(_Page):
    """``signed_out.html``: shows no athlete data at all."""

    connect_url: str
    deleted: bool = False
    # After a delete: runs that still carry our text on Strava (it refused), and other news.
    kept_blocks: list[int] = Field(default_factory=list)
    note: str | None = None


TEMPLATES: dict[type[_Page], str] = {
    MePage: "me.html",
    SettingsPage: "settings.html",
    DeletePage: "delete_confirm.html",
    SignedOutPage: "signed_out.html",
}


def _loc(context: Context) -> PageLocale:
    loc = context.get("loc")
    return loc if isinstance(loc, PageLocale) else ENGLISH


@pass_context
def _distance(context: Context, km: float, decimals: int = 1) -> str:
    return _loc(context).distance(km, decimals=decimals)


@pass_context
def _day(context: Context, day: date, year: bool = True) -> str:
    return _loc(context).day(day, year=year)


@pass_context
def _score(context: Context, score: float | None) -> str:
    return _loc(context).score(score)


@pass_context
def _ratio(context: Context, ratio: float) -> str:
    return _loc(context).number(ratio, decimals=2)


@pass_context
def _severity(context: Context, severity: str) -> str:
    loc = _loc(context)
    names = {"notice": loc._("notice"), "warning": loc._("warning"), "info": loc._("info")}
    return names.get(severity, severity)


@pass_context
def _translate(context: Context, message: str) -> str:
    """A message as plain text (escaped like any value), for attributes and data-driven words."""
    return _loc(context)._(message)


@cache
def _environment(catalogue: gettext.NullTranslations) -> Environment:
    env = Environment(
        loader=PackageLoader("strava_rehab.dashboard", "templates"),
        # HTML and SVG are escaped; only the stylesheet template (.css) is not.
        autoescape=select_autoescape(["html", "svg", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # Newstyle: the catalogue's text is the markup, the values put into it are escaped.
    env.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]
    env.filters["distance"] = _distance
    env.filters["day"] = _day
    env.filters["score"] = _score
    env.filters["ratio"] = _ratio
    env.globals["severity_name"] = _severity
    env.globals["translate"] = _translate
    env.globals["N_"] = N_
    env.globals["band_style"] = band_style
    env.globals["band_styles"] = BAND_STYLE
    return env


def environment(loc: PageLocale = ENGLISH) -> Environment:
    """The environment of ``loc``'s catalogue (English: the page as it was)."""
    return _environment(loc.catalogue)


def template_name(page: _Page) -> str:
    """For ``Jinja2Templates.TemplateResponse(request, template_name(page), {"page": page})``."""
    return TEMPLATES[type(page)]


def render(
    page: _Page,
    loc: PageLocale = ENGLISH,
    languages: Sequence[LanguageChoice] = (),
    **extra: Any,
) -> str:
    """The page as HTML in ``loc``'s language and units, with the language switch when
    ``languages`` are given. ``extra`` adds context (FastAPI passes ``request``)."""
    template = environment(loc).get_template(template_name(page))
    return template.render(page=page, loc=loc, languages=list(languages), **extra)
