"""The runner's own pages under a real uvicorn, against the sandbox: sessions, CSRF, isolation,
settings that the worker honours, export and delete. (The browser walk is in tests/browser.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import select
from starlette.responses import Response
from tests.integration.conftest import ContextFactory, browser
from tests.integration.runner_support import (
    FAST_WINDOW,
    SHIN_NOTE,
    blocks_in_sandbox,
    csrf_of,
    database_rows,
    pain_run,
    rows_about,
    sign_in,
)
from tests.integration.servers import NotificationSink, free_port, web_server

from strava_rehab.context import AppContext
from strava_rehab.dashboard.export import read_export
from strava_rehab.db import gateway
from strava_rehab.db.models import OutboxMessage, WebSession
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import channels, jobs
from strava_rehab.services import connect as athletes
from strava_rehab.text.description_block import START, remove
from strava_rehab.web.session import COOKIE_NAME, Sessions

PAGES = ("/me", "/me/settings", "/me/export", "/me/delete")


@dataclass
class Site:
    url: str
    ctx: AppContext
    sandbox: Sandbox
    athlete_id: int
    http: requests.Session
    pain_run_id: int


@pytest.fixture
def site(make_ctx: ContextFactory, sandbox: Sandbox) -> Iterator[Site]:
    """Maren signed in, synced, with a shin-pain run that carries our block."""
    port = free_port()
    ctx = make_ctx(public_url=f"http://127.0.0.1:{port}", detail_window_days=FAST_WINDOW)
    with web_server(ctx, port) as url:
        http = sign_in(url)
        jobs.run_cycle(ctx)
        run_id = pain_run(sandbox, sandbox.seed_athlete_id)
        jobs.run_cycle(ctx)
        assert START in sandbox.activity(run_id)["description"]
        yield Site(url, ctx, sandbox, sandbox.seed_athlete_id, http, run_id)


def _csrf(site: Site, http: requests.Session | None = None) -> str:
    return csrf_of((http or site.http).get(site.url + "/me", timeout=10).text)


def _second_runner(site: Site) -> tuple[int, requests.Session]:
    other = site.sandbox.add_athlete(firstname="Jonas", lastname="Weber")
    site.sandbox.set_current_athlete(int(other["id"]))
    return int(other["id"]), sign_in(site.url)


# --- no data without a session ------------------------------------------------------------------


def test_no_page_answers_with_data_without_a_session(site: Site) -> None:
    anonymous = requests.Session()
    for path in PAGES:
        response = anonymous.get(site.url + path, timeout=10)
        assert response.status_code == 401, path
        assert "Sign in with Strava" in response.text
        assert "Maren" not in response.text and "km" not in response.text, path
        assert response.headers["content-type"].startswith("text/html")
    for path in ("/me/settings", "/me/delete", f"/me/suggestions/{site.pain_run_id}/undo"):
        response = anonymous.post(site.url + path, data={"confirm": "delete"}, timeout=10)
        assert response.status_code == 401 and "Maren" not in response.text, path
    assert START in site.sandbox.activity(site.pain_run_id)["description"]
    assert rows_about(site.ctx, site.athlete_id)["athletes.id"] == 1
    # The signed-in runner does see their page.
    mine = site.http.get(site.url + "/me", timeout=10)
    assert mine.status_code == 200 and "Maren Sandvik" in mine.text
    assert mine.headers["cache-control"] == "no-store"


def test_a_forged_or_tampered_cookie_is_no_session(site: Site) -> None:
    good = site.http.cookies[COOKIE_NAME]
    session_id, expires, signature = good.split(".")
    forged = [
        f"{session_id[:-2]}xx.{expires}.{signature}",  # another id, the old signature
        f"{session_id}.{int(expires) + 86400 * 365}.{signature}",  # a longer life
        f"{session_id}.{expires}.{signature[:-2]}AA",  # a guessed signature
        f"{session_id}.{expires}",
        "",
    ]
    for value in forged:
        http = requests.Session()
        http.cookies.set(COOKIE_NAME, value)
        response = http.get(site.url + "/me", timeout=10)
        assert response.status_code == 401, value
        assert "Maren" not in response.text
    # The database holds a hash of the session id, never the id the browser holds.
    with site.ctx.db.read() as session:
        stored = session.scalars(select(WebSession.id_hash)).all()
    assert stored and session_id not in stored and all(session_id not in s for s in stored)


# --- the cookie, expiry and sign-out ------------------------------------------------------------


def test_the_cookie_is_http_only_lax_and_expires_with_the_setting(
    make_ctx: ContextFactory, sandbox: Sandbox
) -> None:
    port = free_port()
    ctx = make_ctx(public_url=f"http://127.0.0.1:{port}", session_hours=2)
    with web_server(ctx, port) as url:
        http = requests.Session()
        callback = http.get(url + "/connect", timeout=10)
        header = callback.headers["set-cookie"]
        assert header.startswith(COOKIE_NAME + "=")
        attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
        assert {"httponly", "max-age", "path"} <= attributes
        assert "samesite=lax" in header.lower() and "max-age=7200" in header.lower()
        assert "secure" not in attributes  # plain http: a Secure cookie would never come back
        assert "Open your page" in callback.text
        assert http.get(url + "/me", timeout=10).status_code == 200
        sandbox.advance_time(7200 - 60)
        assert http.get(url + "/me", timeout=10).status_code == 200
        sandbox.advance_time(120)  # past the expiry: the same cookie is no session any more
        late = http.get(url + "/me", timeout=10)
        assert late.status_code == 401 and "Maren" not in late.text


def test_the_cookie_is_secure_when_the_public_url_is_https(make_ctx: ContextFactory) -> None:
    ctx = make_ctx(public_url="https://rehab.example.org")
    ctx_http = make_ctx(public_url="http://127.0.0.1:8000")
    gateway_athlete = _stored_athlete(ctx)
    secure, plain = Response(), Response()
    Sessions(ctx).start(secure, gateway_athlete)
    Sessions(ctx_http).start(plain, gateway_athlete)
    assert "; secure" in secure.headers["set-cookie"].lower()
    assert "; secure" not in plain.headers["set-cookie"].lower()


def test_the_signed_expiry_and_the_stored_expiry_each_end_a_session(
    make_ctx: ContextFactory,
) -> None:
    """Both layers hold on their own (they agree in practice, so only here can they differ)."""
    from starlette.requests import Request

    from strava_rehab.web import session as web_session

    ctx = make_ctx()
    athlete_id = _stored_athlete(ctx)
    sessions = Sessions(ctx)
    now = ctx.clock()

    def carrying(session_id: str, signed_expiry: datetime) -> Request:
        value = sessions._cookie_value(session_id, signed_expiry)
        return Request(
            {"type": "http", "headers": [(b"cookie", f"{COOKIE_NAME}={value}".encode())]}
        )

    hour = timedelta(hours=1)
    gateway.add_web_session(ctx.db, web_session._hash("live"), athlete_id, now, now + hour)
    assert sessions.current(carrying("live", now + hour)) is not None
    assert sessions.current(carrying("live", now - timedelta(seconds=1))) is None
    gateway.add_web_session(
        ctx.db, web_session._hash("stale"), athlete_id, now - 2 * hour, now - timedelta(seconds=1)
    )
    assert sessions.current(carrying("stale", now + hour)) is None


def _stored_athlete(ctx: AppContext) -> int:
    return athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id


def test_a_callback_url_started_by_someone_else_signs_nobody_in(site: Site) -> None:
    """Login CSRF: Jonas starts the flow, then sends Maren's browser his callback URL."""
    jonas = int(site.sandbox.add_athlete(firstname="Jonas", lastname="Weber")["id"])
    site.sandbox.set_current_athlete(jonas)
    attacker = requests.Session()
    to_strava = attacker.get(site.url + "/connect", allow_redirects=False, timeout=10)
    back = requests.get(to_strava.headers["location"], allow_redirects=False, timeout=10)
    callback_url = back.headers["location"]
    assert "/connect/callback?" in callback_url and "state=" in callback_url
    victim = requests.Session()
    answered = victim.get(callback_url, timeout=10)
    # The state is bound to the browser that began the flow: another browser's callback is
    # refused outright (nothing connected, nobody signed in).
    assert answered.status_code == 400 and "Connected" not in answered.text
    assert COOKIE_NAME not in victim.cookies
    assert victim.get(site.url + "/me", timeout=10).status_code == 401
    # The browser that started it signs in as usual.
    site.sandbox.set_current_athlete(jonas)
    assert sign_in(site.url).get(site.url + "/me", timeout=10).status_code == 200


def test_sign_out_ends_the_session_on_the_server(site: Site) -> None:
    old_cookie = site.http.cookies[COOKIE_NAME]
    response = site.http.post(site.url + "/signout", data={"csrf_token": _csrf(site)}, timeout=10)
    assert response.status_code == 200 and "You are signed out" in response.text
    assert COOKIE_NAME not in site.http.cookies  # the browser dropped it
    replay = requests.Session()
    replay.cookies.set(COOKIE_NAME, old_cookie)  # a copy kept by someone else
    assert replay.get(site.url + "/me", timeout=10).status_code == 401


# --- CSRF ---------------------------------------------------------------------------------------


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(site: Site) -> None:
    other_id, other = _second_runner(site)
    foreign_token = _csrf(site, other)  # valid, but for another session
    for token in (None, "", "forged", foreign_token):
        data = {"write_back": "paused", "destination": "notification"}
        if token is not None:
            data["csrf_token"] = token
        response = site.http.post(site.url + "/me/settings", data=data, timeout=10)
        assert response.status_code == 403 and "CSRF" in response.text, token
        undo = site.http.post(
            site.url + f"/me/suggestions/{site.pain_run_id}/undo",
            data={} if token is None else {"csrf_token": token},
            timeout=10,
        )
        assert undo.status_code == 403
        delete = site.http.post(
            site.url + "/me/delete",
            data={"confirm": "delete", **({} if token is None else {"csrf_token": token})},
            timeout=10,
        )
        assert delete.status_code == 403
    # JSON instead of the form is refused the same way.
    as_json = site.http.post(
        site.url + "/me/settings", json={"csrf_token": _csrf(site)}, timeout=10
    )
    assert as_json.status_code == 403
    assert gateway.runner_choices(site.ctx.db, site.athlete_id) == gateway.RunnerChoices()
    assert START in site.sandbox.activity(site.pain_run_id)["description"]
    assert rows_about(site.ctx, site.athlete_id)["athletes.id"] == 1
    assert rows_about(site.ctx, other_id)["athletes.id"] == 1


# --- one athlete never sees another -------------------------------------------------------------


def test_another_athletes_session_gets_404_for_their_runs(site: Site) -> None:
    other_id, other = _second_runner(site)
    before = site.sandbox.activity(site.pain_run_id)["description"]
    token = _csrf(site, other)
    refused = other.post(
        site.url + f"/me/suggestions/{site.pain_run_id}/undo",
        data={"csrf_token": token},
        timeout=10,
    )
    assert refused.status_code == 404
    assert site.sandbox.activity(site.pain_run_id)["description"] == before
    # The same answer as for a run that does not exist at all: nothing to learn from it.
    missing = other.post(
        site.url + "/me/suggestions/999999/undo", data={"csrf_token": token}, timeout=10
    )
    assert missing.status_code == 404 and missing.text == refused.text
    huge = other.post(
        site.url + f"/me/suggestions/{2**70}/undo", data={"csrf_token": token}, timeout=10
    )
    assert huge.status_code == 404
    theirs = other.get(site.url + "/me", timeout=10)
    assert theirs.status_code == 200 and "Jonas Weber" in theirs.text
    assert "Maren" not in theirs.text and str(site.pain_run_id) not in theirs.text
    exported = read_export(other.get(site.url + "/me/export", timeout=10).content)
    assert exported["manifest"]["athlete_id"] == other_id
    assert all(exported[kind] == [] for kind in ("activities", "suggestions", "deliveries"))
    # Maren's own page still offers her undo.
    assert f"/me/suggestions/{site.pain_run_id}/undo" in site.http.get(site.url + "/me").text


# --- settings -----------------------------------------------------------------------------------


def _save(site: Site, **fields: str) -> requests.Response:
    return site.http.post(
        site.url + "/me/settings",
        data={"csrf_token": _csrf(site), "write_back": "on", "destination": "both", **fields},
        timeout=10,
    )


def test_pause_stops_write_back_until_resumed(site: Site) -> None:
    saved = _save(site, write_back="paused")
    assert saved.status_code == 200 and "Saved." in saved.text  # after the 303 back
    assert re.search(r'value="paused" checked', saved.text)
    assert "Suggestions are paused" in site.http.get(site.url + "/me").text
    paused_run = pain_run(site.sandbox, site.athlete_id)
    jobs.run_cycle(site.ctx)
    assert site.sandbox.activity(paused_run)["description"] == SHIN_NOTE
    assert gateway.suggestion_for(site.ctx.db, paused_run) is not None  # decided, not written
    _save(site, write_back="on")
    jobs.run_cycle(site.ctx)
    assert START in site.sandbox.activity(paused_run)["description"]


def test_notification_only_goes_to_the_runners_own_channel_kept_secret(site: Site) -> None:
    sink = NotificationSink()
    try:
        url = sink.apprise_url
        saved = _save(site, destination="notification", notification_url=url)
        assert saved.status_code == 200 and "A channel is set" in saved.text
        assert url not in saved.text and "127.0.0.1:" + url.split(":")[2] not in saved.text
        # One store for a runner's own channels, the one `strava-rehab notify set` uses.
        blob = gateway.athlete_channels(site.ctx.db).get(site.athlete_id)
        assert blob is not None and url.encode() not in blob  # encrypted at rest
        assert channels.own_channels(site.ctx, site.athlete_id) == [url]
        sink.received.clear()
        quiet_run = pain_run(site.sandbox, site.athlete_id)
        jobs.run_cycle(site.ctx)
        assert site.sandbox.activity(quiet_run)["description"] == SHIN_NOTE  # no write-back
        bodies = [n.get("message", "") for n in sink.received]
        assert any(str(quiet_run) in body and "4" in body for body in bodies), bodies
        # An empty field keeps the channel; "remove" forgets it.
        _save(site, destination="notification")
        assert channels.own_channels(site.ctx, site.athlete_id) == [url]
        _save(site, destination="notification", remove_notification="yes")
        assert channels.own_channels(site.ctx, site.athlete_id) is None
    finally:
        sink.close()


def test_description_only_sends_no_notification(site: Site) -> None:
    _save(site, destination="description")
    run_id = pain_run(site.sandbox, site.athlete_id)
    jobs.run_cycle(site.ctx)
    assert START in site.sandbox.activity(run_id)["description"]
    with site.ctx.db.read() as session:
        keys = session.scalars(select(OutboxMessage.dedupe_key)).all()
    assert not [k for k in keys if k.startswith(f"suggestion:{run_id}:")]
    assert [k for k in keys if k.startswith(f"suggestion:{site.pain_run_id}:")]  # before


def test_bad_settings_get_one_clear_line_and_change_nothing(site: Site) -> None:
    secret_url = "not-a-channel-secret-token-123"
    for fields, wording in (
        ({"notification_url": secret_url}, "Apprise URL"),
        ({"notification_url": "nosuchscheme://x"}, "not one Apprise can send to"),
        ({"destination": "pigeon"}, "must be one of description, notification, both"),
        ({"write_back": "sometimes"}, "on or paused"),
    ):
        response = _save(site, **fields)
        assert response.status_code == 400, fields
        assert wording in response.text and secret_url not in response.text
    assert gateway.runner_choices(site.ctx.db, site.athlete_id) == gateway.RunnerChoices()


# --- export and delete --------------------------------------------------------------------------


def test_export_is_a_zip_whose_json_matches_the_database(site: Site) -> None:
    response = site.http.get(site.url + "/me/export", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert re.fullmatch(
        rf'attachment; filename="strava-rehab-{site.athlete_id}-\d{{4}}-\d\d-\d\d\.zip"',
        response.headers["content-disposition"],
    )
    exported = read_export(response.content)
    expected = database_rows(site.ctx, site.athlete_id)
    for kind, rows in expected.items():
        assert rows, kind  # the fixture has rows of every kind
        assert exported[kind] == rows, kind
    assert exported["manifest"]["athlete_id"] == site.athlete_id
    assert "access_token" not in response.content.decode("latin-1")


def test_delete_needs_confirmation_then_removes_blocks_deauthorizes_and_every_row(
    site: Site,
) -> None:
    token = site.ctx.vault.decrypt(gateway.athlete(site.ctx.db, site.athlete_id).access_token)  # type: ignore[union-attr]
    confirm = site.http.get(site.url + "/me/delete", timeout=10)
    assert confirm.status_code == 200 and "This cannot be undone" in confirm.text
    blocks = blocks_in_sandbox(site.sandbox, site.athlete_id)
    assert len(blocks) >= 2 and f"our suggestion text from {len(blocks)} run" in confirm.text
    unconfirmed = site.http.post(
        site.url + "/me/delete", data={"csrf_token": csrf_of(confirm.text)}, timeout=10
    )
    assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.text
    assert rows_about(site.ctx, site.athlete_id)["athletes.id"] == 1

    done = site.http.post(
        site.url + "/me/delete",
        data={"csrf_token": csrf_of(confirm.text), "confirm": "delete"},
        timeout=10,
    )
    assert done.status_code == 200 and "Your data has been deleted" in done.text
    assert blocks_in_sandbox(site.sandbox, site.athlete_id) == {}
    for run_id, before in blocks.items():  # the runner's own words are left exactly
        assert site.sandbox.activity(run_id)["description"] == remove(before)
    assert set(rows_about(site.ctx, site.athlete_id).values()) == {0}
    revoked = requests.get(
        site.sandbox.url + "/api/v3/athlete",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert revoked.status_code == 401
    assert site.http.get(site.url + "/me", timeout=10).status_code == 401


def test_delete_with_a_dead_token_still_deletes_and_names_the_runs_left(site: Site) -> None:
    site.sandbox.revoke(site.athlete_id)  # the runner removed the app on strava.com meanwhile
    blocks = blocks_in_sandbox(site.sandbox, site.athlete_id)
    page = site.http.get(site.url + "/me/delete", timeout=10).text
    done = site.http.post(
        site.url + "/me/delete",
        data={"csrf_token": csrf_of(page), "confirm": "delete"},
        timeout=10,
    )
    assert done.status_code == 200 and "Your data has been deleted" in done.text
    assert "edit it out by hand" in done.text
    for run_id in blocks:
        assert f"https://www.strava.com/activities/{run_id}" in done.text
    assert set(rows_about(site.ctx, site.athlete_id).values()) == {0}


def test_sessions_of_a_deleted_athlete_are_gone_with_them(site: Site) -> None:
    gateway.add_web_session(
        site.ctx.db,
        "0" * 64,
        site.athlete_id,
        site.ctx.clock(),
        site.ctx.clock() + timedelta(hours=1),
    )
    page = site.http.get(site.url + "/me/delete", timeout=10).text
    site.http.post(site.url + "/me/delete", data={"csrf_token": csrf_of(page), "confirm": "delete"})
    with site.ctx.db.read() as session:
        assert session.scalars(select(WebSession)).all() == []
