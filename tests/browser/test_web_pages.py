"""The web app's pages in a real Chromium: the security headers' CSP lets the pages' inline
styles through and blocks scripts, and the invitation form goes through Strava's consent page
and back (form-action, the SameSite=Lax cookie across the redirects) to "Connected"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.integration.conftest import ContextFactory, make_ctx, sandbox  # noqa: F401
from tests.integration.servers import free_port, web_server

from strava_rehab.sandbox import Sandbox

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage


def test_the_csp_allows_the_pages_styles_and_the_invitation_flow(
    browser: Browser,
    make_ctx: ContextFactory,  # noqa: F811
    sandbox: Sandbox,  # noqa: F811
) -> None:
    port = free_port()
    ctx = make_ctx(
        public_url=f"http://127.0.0.1:{port}", connect_invitation_code="river-runners-2026"
    )
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(message.text)

    with web_server(ctx, port) as url:
        page = browser.new_page()
        page.on("console", on_console)
        try:
            page.goto(url + "/")
            button = page.get_by_role("button", name="Connect with Strava")
            # The inline <style> applied: Strava orange, not the browser's grey button.
            color = button.evaluate("b => getComputedStyle(b).backgroundColor")
            assert color == "rgb(252, 76, 2)"
            assert violations == []
            # No script runs on our pages, injected or not.
            page.evaluate(
                "() => { const s = document.createElement('script');"
                " s.textContent = 'document.title = \"pwned\"'; document.body.append(s); }"
            )
            assert page.title() == "strava-rehab"
            assert any("script" in v for v in violations)
            violations.clear()
            page.get_by_label("Invitation code").fill("river-runners-2026")
            button.click()
            page.wait_for_load_state()
            assert "Connected, Maren" in page.content()
            assert page.url.startswith(url + "/connect/callback")
            assert violations == []
        finally:
            page.close()
