"""The runner's page in German in a real headless Chromium: from the browser's language, and
by the language switch, which the next pages remember."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from tests.integration.conftest import ContextFactory
from tests.integration.conftest import make_ctx as make_ctx
from tests.integration.conftest import sandbox as sandbox
from tests.integration.runner_support import FAST_WINDOW, pain_run
from tests.integration.servers import free_port, web_server

from strava_rehab.context import AppContext
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import jobs

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


@pytest.fixture
def site(make_ctx: ContextFactory, sandbox: Sandbox) -> Iterator[tuple[str, AppContext, Sandbox]]:
    port = free_port()
    ctx = make_ctx(public_url=f"http://127.0.0.1:{port}", detail_window_days=FAST_WINDOW)
    with web_server(ctx, port) as url:
        yield url, ctx, sandbox


def _sign_in(page: Page, url: str, sign_in: str, open_page: str) -> None:
    response = page.goto(url + "/me")
    assert response is not None and response.status == 401
    page.get_by_role("link", name=sign_in).click()
    page.wait_for_url(re.compile(r"/connect/callback"))
    page.get_by_role("link", name=open_page).click()
    page.wait_for_url(url + "/me")


def test_a_german_browser_gets_german_and_the_switch_changes_language(
    browser: Browser, screenshots: Path, site: tuple[str, AppContext, Sandbox]
) -> None:
    url, ctx, sandbox = site
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        # Signed out, the page already speaks the browser's language.
        _sign_in(page, url, "Mit Strava anmelden", "Deine Seite öffnen")
        jobs.run_cycle(ctx)
        pain_run(sandbox, sandbox.seed_athlete_id)
        jobs.run_cycle(ctx)
        page.reload()

        assert page.locator("html").get_attribute("lang") == "de"
        body = page.inner_text("body")
        for text in (
            "Belastung, Schmerz und Plan",
            "Schmerz nach Körperregion",
            "Dein Plan",
            "Vorschläge zu deinen Läufen",
            "Abmelden",
            "Die Zahlen hinter diesem Diagramm",
        ):
            assert text in body, text
        assert "Sign out" not in body and "Your plan" not in body
        # Dates in German: "2. Juni 2025", never "2 Jun 2025".
        assert re.search(
            r"\d{1,2}\. (Januar|Februar|März|April|Mai|Juni|Juli|August|September|"
            r"Oktober|November|Dezember) \d{4}",
            body,
        )
        page.screenshot(path=str(screenshots / "runner-me-de-desktop.png"), full_page=True)

        # The switch: English, and the next page (settings) stays English.
        switch = page.get_by_role("navigation", name="Sprache")
        switch.get_by_role("link", name="English").click()
        page.wait_for_url(re.compile(r"/me\?lang=en"))
        assert page.locator("html").get_attribute("lang") == "en"
        assert "Your plan" in page.inner_text("body")
        page.get_by_role("link", name="Settings").click()
        page.wait_for_url(url + "/me/settings")
        assert "Writing to your runs" in page.inner_text("body")

        # And back to German, which the dashboard link keeps.
        page.get_by_role("navigation", name="Language").get_by_role("link", name="Deutsch").click()
        page.wait_for_url(re.compile(r"/me/settings\?lang=de"))
        assert "In deine Läufe schreiben" in page.inner_text("body")
        page.get_by_role("link", name="Übersicht").click()
        page.wait_for_url(url + "/me")
        assert "Dein Plan" in page.inner_text("body")
    finally:
        context.close()
