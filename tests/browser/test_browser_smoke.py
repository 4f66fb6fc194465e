"""The browser fixture drives a real Chromium against a real local server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

PAGE = b"""<!doctype html><title>t</title><p id="n">0</p>
<button onclick="document.getElementById('n').textContent = String(Number(
document.getElementById('n').textContent) + 1)">add</button>"""


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def page_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_chromium_runs_script_and_takes_a_screenshot(
    browser: Browser, page_url: str, screenshots: Path
) -> None:
    page = browser.new_page()
    try:
        page.goto(page_url)
        page.get_by_role("button", name="add").click()
        page.get_by_role("button", name="add").click()
        assert page.locator("#n").text_content() == "2"
        shot = screenshots / "smoke.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 0
    finally:
        page.close()
