"""The dashboard's Jinja2 templates: one autoescaping environment and a page model per template.

FastAPI's ``Jinja2Templates(env=environment())`` uses this environment as is; ``render`` is the
same without a request (tests, the CLI). Every value reaches the HTML escaped, except a chart's
SVG, which the chart code built with ElementTree (it escapes every text and attribute).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, ConfigDict, Field

from strava_rehab.dashboard.charts import BAND_STYLE, band_style
from strava_rehab.dashboard.model import Dashboard, Destination
from strava_rehab.dashboard.units import format_date, format_distance, format_score


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


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("strava_rehab.dashboard", "templates"),
        # HTML and SVG are escaped; only the stylesheet template (.css) is not.
        autoescape=select_autoescape(["html", "svg", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["distance"] = format_distance
    env.filters["day"] = format_date
    env.filters["score"] = format_score
    env.globals["band_style"] = band_style
    env.globals["band_styles"] = BAND_STYLE
    return env


def template_name(page: _Page) -> str:
    """For ``Jinja2Templates.TemplateResponse(request, template_name(page), {"page": page})``."""
    return TEMPLATES[type(page)]


def render(page: _Page, **extra: Any) -> str:
    """The page as HTML. ``extra`` adds context (FastAPI passes ``request``)."""
    template = environment().get_template(template_name(page))
    return template.render(page=page, **extra)
