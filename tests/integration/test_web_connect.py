"""The browser connect flow under a real uvicorn server: the OAuth state bound to the browser
that started it, states that expire, a throttled /connect, and only the runners the operator
lets in (allow-list, invitation link), while the CLI's loopback flow keeps working."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from tests.integration.conftest import ContextFactory, browser
from tests.integration.servers import free_port, web_server

from strava_rehab.context import AppContext
from strava_rehab.db import gateway
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import connect as athletes
from strava_rehab.settings import ConfigError

INVITE = "river-runners-2026"


@pytest.fixture
def serve(make_ctx: ContextFactory) -> Iterator[Any]:
    """``serve(**settings)`` -> (context, base URL) of a running web app; stopped afterwards."""
    servers: list[Any] = []

    def start(**settings: Any) -> tuple[AppContext, str]:
        port = free_port()
        ctx = make_ctx(public_url=f"http://127.0.0.1:{port}", **settings)
        server = web_server(ctx, port)
        servers.append(server)
        return ctx, server.__enter__()

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def begin(session: requests.Session, url: str, **params: str) -> tuple[requests.Response, str]:
    """Press "Connect" and "Authorize": /connect's answer, and the callback URL Strava sent."""
    started = session.get(url + "/connect", params=params, allow_redirects=False, timeout=5)
    assert started.status_code == 302, started.text
    consent = session.get(started.headers["Location"], allow_redirects=False, timeout=5)
    assert consent.status_code == 302
    return started, consent.headers["Location"]


def deauthorizations(sandbox: Sandbox) -> int:
    return sum(
        1
        for c in sandbox.calls()
        if c["path"].endswith("/oauth/deauthorize") and c["status"] == 200
    )


def test_the_state_is_bound_to_the_browser_that_started_the_flow(
    serve: Any, sandbox: Sandbox
) -> None:
    ctx, url = serve()
    runner = requests.Session()
    started, callback = begin(runner, url)
    cookie = started.headers["Set-Cookie"]
    assert "strava_rehab_connect=" in cookie
    for attribute in ("HttpOnly", "SameSite=lax", "Path=/connect", "Max-Age=600"):
        assert attribute.lower() in cookie.lower(), cookie
    assert "secure" not in cookie.lower()  # public_url is http here

    # The callback URL planted in another browser (login CSRF): no cookie, or its own cookie.
    stranger = requests.Session()
    planted = stranger.get(callback, timeout=5)
    assert planted.status_code == 400 and "state" in planted.text
    other = requests.Session()
    begin(other, url)  # the other browser has a connection of its own under way
    crossed = other.get(callback, timeout=5)
    assert crossed.status_code == 400 and "state" in crossed.text
    assert gateway.athlete(ctx.db, sandbox.seed_athlete_id) is None

    # The browser that started it completes it: the failed attempts did not use up its state.
    done = runner.get(callback, timeout=5)
    assert done.status_code == 200 and "Connected, Maren" in done.text
    assert 'strava_rehab_connect=""' in done.headers["Set-Cookie"]  # cleared
    assert gateway.athlete(ctx.db, sandbox.seed_athlete_id) is not None
    again = requests.get(callback, cookies=started.cookies, timeout=5)
    assert again.status_code == 400  # used once


def test_unused_states_expire_after_the_setting(serve: Any, sandbox: Sandbox) -> None:
    _, url = serve(oauth_state_lifetime_s=120)
    runner = requests.Session()
    started, callback = begin(runner, url)
    assert "max-age=120" in started.headers["Set-Cookie"].lower()
    sandbox.advance_time(121)
    late = runner.get(callback, timeout=5)
    assert late.status_code == 400 and "expired" in late.text
    _, callback = begin(runner, url)
    sandbox.advance_time(100)
    assert runner.get(callback, timeout=5).status_code == 200


def test_connect_is_throttled_per_client_address(serve: Any, sandbox: Sandbox) -> None:
    _, url = serve(connect_attempts_per_minute=3)

    def attempt(client: str | None = None) -> requests.Response:
        headers = {"X-Forwarded-For": client} if client else {}
        return requests.get(url + "/connect", headers=headers, allow_redirects=False, timeout=5)

    assert [attempt().status_code for _ in range(3)] == [302, 302, 302]
    refused = attempt()
    assert refused.status_code == 429 and "Too many" in refused.text
    assert 1 <= int(refused.headers["Retry-After"]) <= 20
    # Behind a reverse proxy (uvicorn trusts X-Forwarded-For from 127.0.0.1): another visitor.
    assert attempt("203.0.113.9").status_code == 302
    sandbox.advance_time(20)  # the throttle runs on the same clock as everything else
    assert attempt().status_code == 302
    assert attempt().status_code == 429


def test_the_allow_list_refuses_other_athletes_and_keeps_nothing_of_theirs(
    serve: Any, sandbox: Sandbox
) -> None:
    ctx, url = serve(connect_allowed_athletes=[sandbox.seed_athlete_id])
    stranger = int(sandbox.add_athlete(firstname="Stranger", lastname="Runner")["id"])
    sandbox.set_current_athlete(stranger)
    refused = requests.get(url + "/connect", timeout=10)  # follows Strava's redirect back
    assert refused.status_code == 403
    assert f"athlete {stranger} is not on this install" in refused.text
    assert gateway.athlete(ctx.db, stranger) is None  # no row, so no token
    assert deauthorizations(sandbox) == 1  # the grant it got was given back at once

    sandbox.set_current_athlete(sandbox.seed_athlete_id)
    assert "Connected, Maren" in requests.get(url + "/connect", timeout=10).text

    # The operator's CLI flow is not limited, and a stored athlete may reconnect on the web.
    sandbox.set_current_athlete(stranger)
    assert athletes.connect_with_loopback(ctx, browser, timeout_s=10).athlete_id == stranger
    again = requests.get(url + "/connect", timeout=10)
    assert again.status_code == 200 and "Connected, Stranger" in again.text


def test_an_invitation_link_lets_a_runner_in(serve: Any, sandbox: Sandbox) -> None:
    ctx, url = serve(connect_invitation_code=INVITE)
    home = requests.get(url + "/", timeout=5).text
    assert "name='invite'" in home and "Connect with Strava" in home
    uninvited = requests.get(url + "/connect", allow_redirects=False, timeout=5)
    assert uninvited.status_code == 403 and "invite-only" in uninvited.text
    wrong = requests.get(url + "/connect", params={"invite": "guess"}, timeout=5)
    assert wrong.status_code == 403 and "not valid" in wrong.text
    assert gateway.athlete(ctx.db, sandbox.seed_athlete_id) is None
    invited = requests.get(url + "/connect", params={"invite": INVITE}, timeout=10)
    assert invited.status_code == 200 and "Connected, Maren" in invited.text


def test_with_a_list_and_an_invitation_either_lets_one_in(serve: Any, sandbox: Sandbox) -> None:
    _, url = serve(
        connect_allowed_athletes=[sandbox.seed_athlete_id], connect_invitation_code=INVITE
    )
    stranger = int(sandbox.add_athlete(firstname="Invited", lastname="Friend")["id"])
    sandbox.set_current_athlete(stranger)
    assert requests.get(url + "/connect", timeout=10).status_code == 403
    invited = requests.get(url + "/connect", params={"invite": INVITE}, timeout=10)
    assert invited.status_code == 200 and "Connected, Invited" in invited.text
    sandbox.set_current_athlete(sandbox.seed_athlete_id)
    assert requests.get(url + "/connect", timeout=10).status_code == 200


def test_a_full_install_gives_the_grant_back(serve: Any, sandbox: Sandbox) -> None:
    ctx, url = serve(max_athletes=1)
    athletes.connect_with_loopback(ctx, browser, timeout_s=10)
    other = int(sandbox.add_athlete(firstname="Second", lastname="Runner")["id"])
    sandbox.set_current_athlete(other)
    full = requests.get(url + "/connect", timeout=10)
    assert full.status_code == 400 and "max_athletes=1" in full.text
    assert gateway.athlete(ctx.db, other) is None and deauthorizations(sandbox) == 1


@pytest.mark.parametrize("code", ["short", "x" * 11])
def test_an_invitation_code_must_be_long_enough_to_not_be_guessed(
    make_ctx: ContextFactory, code: str
) -> None:
    with pytest.raises(ConfigError, match="connect_invitation_code.*at least 12 characters"):
        make_ctx(connect_invitation_code=code)
