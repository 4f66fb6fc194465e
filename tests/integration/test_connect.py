"""Connecting over real HTTP: loopback callback, pasted code, scopes, limits, disconnect."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from sqlalchemy import select
from tests.integration.conftest import ContextFactory, browser

from strava_rehab.context import AppContext
from strava_rehab.db.models import Activity, Athlete
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import connect as athletes
from strava_rehab.services.sync import sync_athlete
from strava_rehab.strava.errors import ApplicationInactive, AthleteDisconnected


def test_connect_through_the_loopback_callback(ctx: AppContext, sandbox: Sandbox) -> None:
    seen: list[str] = []

    def runner_clicks_authorize(url: str) -> None:
        seen.append(url)
        browser(url)

    result = athletes.connect_with_loopback(ctx, runner_clicks_authorize, timeout_s=10)
    assert result.athlete_id == sandbox.seed_athlete_id
    assert set(result.granted) == {"read", "activity:read_all", "activity:write"}
    assert result.missing == {}
    query = parse_qs(urlparse(seen[0]).query)
    assert seen[0].startswith(sandbox.url + "/oauth/authorize")
    assert query["scope"] == ["read,activity:read_all,activity:write"]
    assert len(query["state"][0]) >= 20
    # The stored token works: the athlete endpoint answers with it.
    token = athletes.access_token(ctx, result.athlete_id)
    assert ctx.athlete_api(token).athlete().id == sandbox.seed_athlete_id


def test_connect_with_a_pasted_redirect_url_reports_missing_scopes(
    ctx: AppContext, sandbox: Sandbox
) -> None:
    sandbox.set_granted_scopes("read,activity:read")  # the runner un-ticks two boxes
    url = ctx.app().authorize_url("http://localhost/exchange", ctx.settings.scopes, "s", "force")
    location = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
    code, scope = athletes.parse_pasted_code(location)
    result = athletes.complete_connect(ctx, code, scope or "", None)
    assert "activity:write" in result.missing and "activity:read_all" in result.missing
    assert "write-back" in result.missing["activity:write"]
    assert "private" in result.missing["activity:read_all"]
    # A code is single-use: pasting it again is a clear error.
    with pytest.raises(athletes.ConnectError, match="single-use"):
        athletes.complete_connect(ctx, code, scope or "", None)


def test_forged_or_reused_state_is_refused(ctx: AppContext, sandbox: Sandbox) -> None:
    with pytest.raises(athletes.ConnectError, match="state"):
        athletes.complete_connect(ctx, "code", "read", "forged-state")


def test_tokens_are_not_stored_in_clear(ctx: AppContext, connected: int, tmp_path: Path) -> None:
    token = athletes.access_token(ctx, connected)
    with ctx.db.transaction() as session:
        row = session.get(Athlete, connected)
        assert row is not None
        refresh = ctx.vault.decrypt(row.refresh_token)
    sync_athlete(ctx, connected)
    ctx.db.dispose()
    raw = b"".join(p.read_bytes() for p in (tmp_path / "data").glob("strava-rehab.db*"))
    assert len(raw) > 10_000
    assert token.encode() not in raw
    assert refresh.encode() not in raw


def test_refresh_rotates_and_persists_the_new_refresh_token(
    ctx: AppContext, sandbox: Sandbox, connected: int
) -> None:
    first = athletes.access_token(ctx, connected)
    with ctx.db.transaction() as session:
        old_refresh = ctx.vault.decrypt(session.get(Athlete, connected).refresh_token)  # type: ignore[union-attr]
    sandbox.advance_time(6 * 3600 - 60)  # inside the refresh margin
    second = athletes.access_token(ctx, connected)
    assert second != first
    with ctx.db.transaction() as session:
        row = session.get(Athlete, connected)
        assert row is not None
        new_refresh = ctx.vault.decrypt(row.refresh_token)
        assert row.expires_at > sandbox.now()
    assert new_refresh != old_refresh
    # The old refresh token died at once; the new one is what we kept.
    assert ctx.athlete_api(second).athlete().id == connected


def test_refused_refresh_marks_the_athlete_disconnected(
    ctx: AppContext, sandbox: Sandbox, connected: int
) -> None:
    sandbox.revoke(connected)
    sandbox.advance_time(6 * 3600)
    with pytest.raises(AthleteDisconnected, match="reconnect"):
        athletes.access_token(ctx, connected)
    with ctx.db.transaction() as session:
        row = session.get(Athlete, connected)
        assert row is not None and row.status == "disconnected"
        assert "strava-rehab connect" in row.status_message


def test_revoked_token_on_a_call_marks_disconnected(
    ctx: AppContext, sandbox: Sandbox, connected: int
) -> None:
    sandbox.revoke(connected)
    report = sync_athlete(ctx, connected)
    assert not report.complete
    assert "disconnected" in report.error
    with ctx.db.transaction() as session:
        assert session.get(Athlete, connected).status == "disconnected"  # type: ignore[union-attr]


def test_inactive_app_raises_what_the_owner_must_do(
    ctx: AppContext, sandbox: Sandbox, connected: int
) -> None:
    sandbox.set_inactive(True)
    with pytest.raises(ApplicationInactive, match="subscription"):
        sync_athlete(ctx, connected)
    sandbox.set_inactive(False)
    assert sync_athlete(ctx, connected).complete


def test_disconnect_deauthorizes_and_deletes_everything(
    ctx: AppContext, sandbox: Sandbox, connected: int
) -> None:
    sync_athlete(ctx, connected)
    token = athletes.access_token(ctx, connected)
    assert athletes.disconnect(ctx, connected)
    with ctx.db.transaction() as session:
        assert session.get(Athlete, connected) is None
        assert session.scalars(select(Activity).where(Activity.athlete_id == connected)).all() == []
    # Strava no longer accepts the token.
    response = requests.get(
        sandbox.url + "/api/v3/athlete", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert response.status_code == 401


def test_athlete_limit_is_enforced(make_ctx: ContextFactory, sandbox: Sandbox) -> None:
    ctx = make_ctx(max_athletes=1)
    athletes.connect_with_loopback(ctx, browser, timeout_s=10)
    other = sandbox.add_athlete(firstname="Second", lastname="Runner")
    sandbox.set_current_athlete(int(other["id"]))
    with pytest.raises(athletes.ConnectError, match="max_athletes=1"):
        athletes.connect_with_loopback(ctx, browser, timeout_s=10)


def test_concurrent_refreshes_of_one_athlete_refresh_once(
    make_ctx: ContextFactory,
    sandbox: Sandbox,
    connected: int,
) -> None:
    import threading

    workers = [make_ctx() for _ in range(4)]  # like four processes: one engine each
    sandbox.advance_time(6 * 3600 - 60)
    sandbox.reset_calls()
    tokens: list[str] = []
    errors: list[BaseException] = []

    def refresh(ctx: AppContext) -> None:
        try:
            tokens.append(athletes.access_token(ctx, connected))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=refresh, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    refreshes = [c for c in sandbox.calls() if c["path"] == "/oauth/token"]
    assert len(refreshes) == 1  # a second refresh would have used a dead refresh token
    assert len(set(tokens)) == 1
    assert workers[0].athlete_api(tokens[0]).athlete().id == connected
