"""The templates: every page renders, autoescapes, and every form carries a CSRF token."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from tests.dashboard.dashboard_fixture import SPIKE_RUN, dashboard

from strava_rehab.dashboard.templates import (
    DeletePage,
    MePage,
    SettingsPage,
    SignedOutPage,
    environment,
    render,
)

TOKEN = "tok-123"


class _Forms(HTMLParser):
    """Each <form> with its method and the hidden inputs inside it; also every tag seen."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        if tag == "form":
            self.forms.append({"method": found.get("method"), "hidden": {}})
        elif tag == "input" and found.get("type") == "hidden" and self.forms:
            hidden = self.forms[-1]["hidden"]
            assert isinstance(hidden, dict)
            hidden[found.get("name")] = found.get("value")


def _parse(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    return parser


def _me(name: str = "Ada") -> str:
    return render(MePage(athlete_name=name, csrf_token=TOKEN, dashboard=dashboard()))


PAGES = {
    "me": lambda: _me(),
    "settings": lambda: render(
        SettingsPage(
            athlete_name="Ada",
            csrf_token=TOKEN,
            write_back_paused=False,
            destination="both",
            notification_configured=True,
        )
    ),
    "delete": lambda: render(
        DeletePage(
            athlete_name="Ada",
            csrf_token=TOKEN,
            counts={"activities": 6, "pain reports": 3},
            blocks_on_strava=1,
        )
    ),
    "signed_out": lambda: render(SignedOutPage(connect_url="/connect")),
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_form_has_the_csrf_token(name: str) -> None:
    html = PAGES[name]()
    assert html.startswith("<!doctype html>")
    forms = _parse(html).forms
    for form in forms:
        assert form["method"] == "post"
        assert form["hidden"] == {"csrf_token": TOKEN} or (
            isinstance(form["hidden"], dict) and form["hidden"].get("csrf_token") == TOKEN
        )
    if name != "signed_out":
        assert forms


@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_external_resources(name: str) -> None:
    html = PAGES[name]()
    assert "<script" not in html
    for tag, attrs in _parse(html).tags:
        if tag in ("link", "img", "iframe", "source"):
            pytest.fail(f"external resource <{tag}> in {name}")
        if tag == "a":
            href = attrs.get("href") or ""
            assert href.startswith(("/", "#", "https://www.strava.com/activities/")), href
    assert "@import" not in html and "url(" not in html


def test_notes_and_names_are_escaped() -> None:
    html = _me(name="<b>Ada</b>")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Ada&lt;/b&gt;" in html
    assert "<b>Ada</b>" not in html
    assert environment().from_string("{{ x }}").render(x="<i>") == "&lt;i&gt;"


def test_dashboard_page_shows_chart_spike_plan_and_history() -> None:
    html = _me()
    d = dashboard()
    assert html.count("<svg") == 1 + len(d.pain_charts)
    spike = next(m for m in d.load.spikes if m.kind == "session_spike")
    # The marker links to an element on the page that carries the band and the source.
    assert f'href="#finding-{spike.id}"' in html
    section = html.split(f'id="finding-{spike.id}"', 1)[1].split("</article>", 1)[0]
    assert "Moderate spike" in section and "Frandsen" in section and "14.0 km" in section
    assert "Shin programme: phase 1 of 3, Settle and strengthen the hips" in html
    assert "Side-lying hip abduction" in html or "hip abduction" in html.lower()
    assert d.plans[0].exercises[0].dose in html.replace("&amp;", "&").replace("&#39;", "'")
    assert "What moves you on" in html and "What steps you back" in html
    assert "not a diagnosis" in html
    assert f'action="/me/suggestions/{SPIKE_RUN}/undo"' in html
    assert html.count("/undo") == 1  # the undelivered suggestion has nothing to undo
    assert 'id="load-chart-table"' in html and "<caption>" in html
    assert 'aria-describedby="load-chart-summary"' in html


def test_settings_page_never_shows_the_channel_url() -> None:
    html = PAGES["settings"]()
    assert re.search(r'name="notification_url" value=""', html)
    assert 'value="both" checked' in html
    assert 'value="on" checked' in html


def test_delete_page_asks_for_confirmation() -> None:
    html = PAGES["delete"]()
    assert 'name="confirm"' in html and "required" in html
    assert "6 activities" in html and "1 run description on Strava" in html


def test_signed_out_page_has_no_athlete_data() -> None:
    html = PAGES["signed_out"]()
    assert "Ada" not in html and "km" not in html
    assert 'href="/connect"' in html
