"""The runner's own page in a real headless Chromium, against a real uvicorn and the sandbox.

Screenshots at phone (390 px) and desktop (1280 px) width land in test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select
from tests.integration.conftest import CLIENT_ID, CLIENT_SECRET, ContextFactory
from tests.integration.conftest import make_ctx as make_ctx
from tests.integration.conftest import sandbox as sandbox
from tests.integration.runner_support import (
    FAST_WINDOW,
    SHIN_NOTE,
    blocks_in_sandbox,
    database_rows,
    pain_run,
    rows_about,
)
from tests.integration.servers import free_port, web_server

from strava_rehab.cli import main
from strava_rehab.context import AppContext
from strava_rehab.dashboard.export import read_export
from strava_rehab.db import gateway
from strava_rehab.db.models import Delivery
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import jobs
from strava_rehab.services.deliver import UNDONE

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def site(make_ctx: ContextFactory, sandbox: Sandbox) -> Iterator[tuple[str, AppContext]]:
    port = free_port()
    ctx = make_ctx(public_url=f"http://127.0.0.1:{port}", detail_window_days=FAST_WINDOW)
    with web_server(ctx, port) as url:
        yield url, ctx


def _new_context(browser: Browser) -> BrowserContext:
    return browser.new_context(viewport=DESKTOP, accept_downloads=True)  # type: ignore[arg-type]


def _sign_in_with_strava(page: Page, url: str, name: str) -> None:
    """From a page that shows no data, through Strava's consent, to the runner's own page."""
    response = page.goto(url + "/me")
    assert response is not None and response.status == 401
    assert "Sign in with Strava" in page.content()
    page.get_by_role("link", name="Sign in with Strava").click()
    page.wait_for_url(re.compile(r"/connect/callback"))
    assert f"Connected, {name}" in page.content()
    page.get_by_role("link", name="Open your page").click()
    page.wait_for_url(url + "/me")


def _shoot(page: Page, folder: Path, name: str) -> None:
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)  # type: ignore[arg-type]
        target = folder / f"runner-{name}-{label}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000, target
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]


def test_a_runner_signs_in_reads_spike_and_plan_undoes_exports_and_deletes(
    browser: Browser,
    screenshots: Path,
    site: tuple[str, AppContext],
    sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, ctx = site
    athlete_id = sandbox.seed_athlete_id
    context = _new_context(browser)
    page = context.new_page()
    try:
        _sign_in_with_strava(page, url, "Maren")
        jobs.run_cycle(ctx)  # the embedded worker's first sync, run here and now
        page.reload()
        assert page.locator("h1").inner_text() == "Maren Sandvik: load, pain and plan"

        # The seeded spike is marked on the chart with its band, and leads to its source.
        marker = page.locator("svg a.spike[data-band='moderate']")
        assert marker.count() == 1
        assert "moderate" in (marker.locator("title").text_content() or "").lower()
        marker.click()
        assert re.search(r"#finding-\d+-\d{4}-\d\d-\d\d-session-spike$", page.url)
        finding = page.locator(page.url[page.url.index("#") :])
        assert finding.is_visible()
        assert finding.locator(".band").inner_text() == "Moderate spike"
        source = finding.locator(".source").inner_text()
        assert source.startswith("Source: ") and "Frandsen" in source

        # After a run with "left shin sore 4/10": the shin protocol, its phase, doses.
        first = pain_run(sandbox, athlete_id)
        second = pain_run(sandbox, athlete_id)
        jobs.run_cycle(ctx)
        page.reload()
        plan = page.locator("#plan-shin_splints")
        heading = plan.locator("h3").inner_text()
        assert re.fullmatch(r"Shin programme: phase 1 of 3, .+", heading), heading
        suggestion = gateway.suggestion_for(ctx.db, first)
        assert suggestion is not None and suggestion.protocol_id == "shin_splints"
        prescribed = suggestion.decision["exercises"]
        assert prescribed
        for item in prescribed:
            entry = plan.locator("ul.exercises > li", has_text=item["name"])
            assert entry.locator(".dose").inner_text() == item["dose"]
        _shoot(page, screenshots, "dashboard")

        # Undo from the page does what the CLI's undo does, byte for byte.
        assert set(blocks_in_sandbox(sandbox, athlete_id)) >= {first, second}
        page.locator(f"form[action='/me/suggestions/{first}/undo'] button").click()
        page.wait_for_url(re.compile(r"/me\?undone="))
        assert f"Removed our text from run {first}" in page.content()
        for key, value in {
            "STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"),
            "STRAVA_REHAB_STRAVA_URL": sandbox.url,
            "STRAVA_CLIENT_ID": str(CLIENT_ID),
            "STRAVA_CLIENT_SECRET": CLIENT_SECRET,
        }.items():
            monkeypatch.setenv(key, value)
        with pytest.raises(SystemExit) as exit_:
            main(["undo", str(second)])
        assert exit_.value.code in (0, None) and "removed our block" in capsys.readouterr().out
        by_page = sandbox.activity(first)["description"]
        by_cli = sandbox.activity(second)["description"]
        assert by_page == by_cli == SHIN_NOTE
        with ctx.db.read() as session:
            for run in (first, second):
                actions = session.scalars(
                    select(Delivery.action).where(Delivery.activity_id == run).order_by(Delivery.id)
                ).all()
                assert list(actions) == ["write", "undo"]
        for run in (first, second):
            row = gateway.suggestion_for(ctx.db, run)
            assert row is not None and row.delivered_hash.startswith(UNDONE)
        assert page.locator(f"form[action='/me/suggestions/{first}/undo']").count() == 0

        # "Download my data": a zip whose JSON is the database.
        with page.expect_download() as download:
            page.locator("nav").get_by_role("link", name="Download my data").click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        exported = read_export(saved.read_bytes())
        expected = database_rows(ctx, athlete_id)
        assert {kind: exported[kind] for kind in expected} == expected
        assert all(expected.values())

        # Settings, then delete (which asks first).
        page.goto(url + "/me/settings")
        _shoot(page, screenshots, "settings")
        page.goto(url + "/me/delete")
        _shoot(page, screenshots, "delete")
        page.get_by_role("button", name="Delete my data").click()  # not ticked: nothing sent
        assert page.url == url + "/me/delete"
        assert rows_about(ctx, athlete_id)["athletes.id"] == 1
        page.get_by_label("I understand: delete all my data").check()
        page.get_by_role("button", name="Delete my data").click()
        page.wait_for_load_state()
        assert "Your data has been deleted" in page.content()
        _shoot(page, screenshots, "deleted")
        assert set(rows_about(ctx, athlete_id).values()) == {0}
        assert blocks_in_sandbox(sandbox, athlete_id) == {}
        assert page.goto(url + "/me").status == 401  # type: ignore[union-attr]
    finally:
        context.close()


def test_each_session_sees_only_its_own_athlete_and_forms_need_their_token(
    browser: Browser, screenshots: Path, site: tuple[str, AppContext], sandbox: Sandbox
) -> None:
    url, ctx = site
    maren = sandbox.seed_athlete_id
    first_context, second_context, anonymous = (_new_context(browser) for _ in range(3))
    try:
        page = first_context.new_page()
        _sign_in_with_strava(page, url, "Maren")
        jobs.run_cycle(ctx)
        run_id = pain_run(sandbox, maren)
        jobs.run_cycle(ctx)
        block = sandbox.activity(run_id)["description"]

        jonas = int(sandbox.add_athlete(firstname="Jonas", lastname="Weber")["id"])
        sandbox.set_current_athlete(jonas)
        other = second_context.new_page()
        _sign_in_with_strava(other, url, "Jonas")
        assert "Jonas Weber" in other.content() and "Maren" not in other.content()
        # Jonas's own page, with a form aimed at Maren's run: 404, and her run is untouched.
        other.evaluate(
            """(runId) => {
                const form = document.querySelector("nav form");
                form.action = `/me/suggestions/${runId}/undo`;
            }""",
            run_id,
        )
        with other.expect_response(re.compile(rf"/me/suggestions/{run_id}/undo")) as answer:
            other.locator("nav form button").click()
        assert answer.value.status == 404
        assert "Maren" not in other.content()
        assert sandbox.activity(run_id)["description"] == block
        for path in ("/me", "/me/settings", "/me/delete"):
            shown = other.goto(url + path)
            assert shown is not None and shown.status == 200
            assert "Maren" not in other.content() and str(run_id) not in other.content()

        # Without a session no page shows anything of anyone.
        stranger = anonymous.new_page()
        for path in ("/me", "/me/settings", "/me/export", "/me/delete"):
            shown = stranger.goto(url + path)
            assert shown is not None and shown.status == 401, path
            text = stranger.content()
            assert "Maren" not in text and "Jonas" not in text and "km" not in text
        assert "Sign in with Strava" in stranger.content()
        _shoot(stranger, screenshots, "signed-out")

        # A form whose CSRF token is taken out is refused, and nothing changes.
        page.goto(url + "/me/settings")
        page.evaluate(
            "document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())"
        )
        page.get_by_label("Paused: write nothing until I resume").check()
        with page.expect_response(re.compile(r"/me/settings$")) as refused:
            page.get_by_role("button", name="Save").click()
        assert refused.value.status == 403 and "CSRF" in page.content()
        assert gateway.runner_choices(ctx.db, maren) == gateway.RunnerChoices()
        # With its token the same form saves.
        page.goto(url + "/me/settings")
        page.get_by_label("Paused: write nothing until I resume").check()
        page.get_by_role("button", name="Save").click()
        page.wait_for_url(re.compile(r"saved=1"))
        assert gateway.runner_choices(ctx.db, maren).write_back_paused
    finally:
        for context in (first_context, second_context, anonymous):
            context.close()
