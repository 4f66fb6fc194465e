"""The runner's pages in German, in miles, and unchanged in English.

The golden HTML was recorded from the templates before they became translatable
(``golden_pages.py``); with no language chosen every page must match it byte for byte.
"""

from __future__ import annotations

import re

import pytest
from tests.dashboard.dashboard_fixture import dashboard, findings, pain_entries, runs
from tests.dashboard.golden_pages import GOLDEN, PAGES, TOKEN
from tests.rehab.rehab_builders import TODAY, library

from strava_rehab.content.translations import translations
from strava_rehab.dashboard import build_dashboard
from strava_rehab.dashboard.locale import PageLocale
from strava_rehab.dashboard.templates import LanguageChoice, MePage, SettingsPage, render

GERMAN = PageLocale(language="de", catalogue=translations("de", "web"))


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_english_page_is_unchanged_byte_for_byte(name: str) -> None:
    assert PAGES[name]() == (GOLDEN / f"{name}.html").read_text(encoding="utf-8")


def german_dashboard(loc: PageLocale = GERMAN) -> str:
    view = build_dashboard(
        runs=runs(),
        findings=findings(),
        pain=pain_entries(),
        states=[],
        suggestions=[],
        library=library(),
        today=TODAY,
        loc=loc,
    )
    return render(MePage(athlete_name="Ada", csrf_token=TOKEN, dashboard=view), loc)


def test_the_dashboard_in_german() -> None:
    html = german_dashboard()
    assert '<html lang="de">' in html
    for text in (
        "Deine Belastung, dein Schmerz und dein Plan",
        "Belastung, letzte 12 Wochen",
        "Im Diagramm markiert",
        "Die Zahlen hinter diesem Diagramm",
        "Abmelden",
        "Schmerz nach Körperregion",
        "mittlerer Sprung",
        "Trainingsbelastung",
    ):
        assert text in html, text
    # Dates and numbers as a German reader writes them.
    assert "(Warnung) am 2. Juni 2025:" in html and "14,0 km gegenüber 10,0 km, 1,40×" in html
    # The findings' explanations and the library's content come from the core and the content
    # translations, not from this catalogue: only the page's own words are checked here.
    english_words = (
        "Your plan",
        "Sign out",
        "Marked on the chart",
        "(warning) on",
        "Training load",
    )
    for english in english_words:
        assert english not in html, english


def test_the_dashboard_in_miles() -> None:
    html = render(
        MePage(athlete_name="Ada", csrf_token=TOKEN, dashboard=dashboard()),
        PageLocale(units="imperial"),
    )
    # The chart's view model is built in kilometres here; the template's own distances convert.
    assert "8.7 mi" in html and "against 6.2 mi" in html  # 14 km and 10 km


def test_the_language_switch_links_every_language_in_its_own_name() -> None:
    page = SettingsPage(
        athlete_name="Ada",
        csrf_token=TOKEN,
        write_back_paused=False,
        destination="both",
        notification_configured=False,
    )
    switch = [
        LanguageChoice(code="en", name="English", href="/me/settings?lang=en", current=False),
        LanguageChoice(code="de", name="Deutsch", href="/me/settings?lang=de", current=True),
    ]
    html = render(page, GERMAN, switch)
    nav = re.search(r'<nav aria-label="Sprache".*?</nav>', html)
    assert nav is not None
    assert '<a href="/me/settings?lang=en" hreflang="en" lang="en">English</a>' in nav.group()
    assert '<strong lang="de" aria-current="true">Deutsch</strong>' in nav.group()
    # A translated attribute is escaped like any value.
    assert 'placeholder="leer lassen, um den aktuellen zu behalten"' in html
    assert "In die Beschreibung des Laufs auf Strava" in html
