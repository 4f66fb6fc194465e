"""Connecting, keeping and disconnecting athletes: their tokens, scopes and lifecycle.

Strava rotates the refresh token on every refresh and kills the old one at once, so a refresh
happens under a per-athlete lease (an atomic UPDATE that works on SQLite and PostgreSQL alike) and
the new pair is persisted in the same transaction as it is read back. A refused refresh or a 401
marks the athlete disconnected with a message saying how to reconnect.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

from sqlalchemy import delete, select, update

from strava_rehab.context import AppContext
from strava_rehab.db import oauth_states
from strava_rehab.db.engine import affected
from strava_rehab.db.models import Athlete, WebhookEvent
from strava_rehab.errors import UserFacingError
from strava_rehab.strava.api import TokenGrant
from strava_rehab.strava.errors import (
    AthleteDisconnected,
    BadRequest,
    StravaError,
    Unauthorized,
)
from strava_rehab.strava.loopback import LoopbackReceiver

log = logging.getLogger(__name__)

REQUIRED_SCOPES = ("activity:read_all", "activity:write")
SCOPE_EFFECTS = {
    "activity:write": "no description write-back (suggestions go to notifications only)",
    "activity:read_all": "private ('Only Me') runs are not counted in your mileage",
}
REFRESH_LEASE = timedelta(seconds=30)
RECONNECT_HINT = "reconnect with: strava-rehab connect"


class ConnectError(UserFacingError):
    """The connection could not be made; the message says why and what to do."""


@dataclass(frozen=True)
class ConnectResult:
    athlete_id: int
    name: str
    granted: tuple[str, ...]
    missing: dict[str, str]
    reconnected: bool


def _state_lifetime(ctx: AppContext) -> timedelta:
    return timedelta(seconds=ctx.settings.oauth_state_lifetime_s)


def new_state(
    ctx: AppContext, redirect_uri: str, *, browser_hash: str | None = None, invited: bool = False
) -> str:
    """A fresh single-use state; ``browser_hash`` binds it to the browser that holds the nonce."""
    state = secrets.token_urlsafe(24)
    now = ctx.clock()
    pending = oauth_states.PendingState(redirect_uri, browser_hash, invited)
    oauth_states.add(ctx.db, state, pending, now, expired_before=now - _state_lifetime(ctx))
    return state


def consume_state(
    ctx: AppContext, state: str, *, browser_hash: str | None = None
) -> oauth_states.PendingState:
    """A state is valid once, for ``oauth_state_lifetime_s``, from the browser that started it
    (the loopback flow has none); anything else is a possible forgery."""
    now = ctx.clock()
    pending = oauth_states.take(
        ctx.db, state, now, created_after=now - _state_lifetime(ctx), browser_hash=browser_hash
    )
    if pending is None:
        raise ConnectError(
            "the OAuth state does not match a pending connection started here (expired, reused, "
            "forged, or begun in another browser); start again with: strava-rehab connect"
        )
    return pending


def store_grant(ctx: AppContext, grant: TokenGrant, scope: str) -> ConnectResult:
    if grant.athlete_id is None:
        raise ConnectError("Strava's token response carried no athlete; try connecting again")
    granted = tuple(sorted({part.strip() for part in scope.split(",") if part.strip()}))
    now = ctx.clock()
    athlete = grant.athlete or {}
    with ctx.db.transaction() as session:
        row = session.get(Athlete, grant.athlete_id)
        reconnected = row is not None
        if row is None:
            count = len(session.scalars(select(Athlete.id)).all())
            if count >= ctx.settings.max_athletes:
                raise ConnectError(
                    f"this install already serves {count} athletes, the most allowed "
                    f"(max_athletes={ctx.settings.max_athletes}; "
                    "Strava's Standard tier allows 10). "
                    "Disconnect one first, or raise the limit after Strava's review."
                )
            row = Athlete(id=grant.athlete_id, connected_at=now)
            session.add(row)
        row.firstname = str(athlete.get("firstname") or "")[:100]
        row.lastname = str(athlete.get("lastname") or "")[:100]
        row.scopes = ",".join(granted)
        row.access_token = ctx.vault.encrypt(grant.access_token)
        row.refresh_token = ctx.vault.encrypt(grant.refresh_token)
        row.expires_at = grant.expires_at
        row.status = "connected"
        row.status_message = ""
        row.refresh_lease_until = None
        row.updated_at = now
    missing = {scope: effect for scope, effect in SCOPE_EFFECTS.items() if scope not in granted}
    name = f"{row.firstname} {row.lastname}".strip() or str(row.id)
    return ConnectResult(row.id, name, granted, missing, reconnected)


def exchange_code(ctx: AppContext, code: str) -> TokenGrant:
    try:
        return ctx.app().exchange_code(code)
    except (BadRequest, Unauthorized) as exc:
        raise ConnectError(
            f"Strava refused the authorization code ({exc}); codes are single-use and expire "
            "quickly: run strava-rehab connect again"
        ) from None


def complete_connect(ctx: AppContext, code: str, scope: str, state: str | None) -> ConnectResult:
    if state is not None:
        consume_state(ctx, state)
    return store_grant(ctx, exchange_code(ctx, code), scope or "read")


def mark_disconnected(ctx: AppContext, athlete_id: int, why: str) -> None:
    with ctx.db.transaction() as session:
        row = session.get(Athlete, athlete_id)
        if row is not None:
            row.status = "disconnected"
            row.status_message = f"{why}; {RECONNECT_HINT}"
            row.refresh_lease_until = None
            row.updated_at = ctx.clock()
    log.warning("athlete %s disconnected: %s; %s", athlete_id, why, RECONNECT_HINT)


def scopes_of(ctx: AppContext, athlete_id: int) -> frozenset[str]:
    with ctx.db.read() as session:
        row = session.get(Athlete, athlete_id)
        return frozenset(row.scopes.split(",")) if row else frozenset()


def access_token(ctx: AppContext, athlete_id: int, *, wait_s: float = 35.0) -> str:
    """A valid access token, refreshed first if it expires within the margin."""
    margin = timedelta(seconds=ctx.settings.token_refresh_margin_s)
    deadline = time.monotonic() + wait_s
    while True:
        now = ctx.clock()
        with ctx.db.transaction() as session:
            row = session.get(Athlete, athlete_id)
            if row is None:
                raise AthleteDisconnected(
                    f"athlete {athlete_id} is not connected; {RECONNECT_HINT}"
                )
            if row.status != "connected":
                raise AthleteDisconnected(f"athlete {athlete_id}: {row.status_message}")
            if row.expires_at - now > margin:
                return ctx.vault.decrypt(row.access_token)
            taken = affected(
                session.execute(
                    update(Athlete)
                    .where(Athlete.id == athlete_id)
                    .where(
                        (Athlete.refresh_lease_until.is_(None))
                        | (Athlete.refresh_lease_until < now)
                    )
                    .values(refresh_lease_until=now + REFRESH_LEASE)
                )
            )
            refresh_token = ctx.vault.decrypt(row.refresh_token)
        if taken:
            return _refresh(ctx, athlete_id, refresh_token)
        # Someone else is refreshing this athlete right now: wait for their result.
        if time.monotonic() > deadline:
            raise AthleteDisconnected(f"athlete {athlete_id}: token refresh is stuck; try again")
        time.sleep(0.1)


def _refresh(ctx: AppContext, athlete_id: int, refresh_token: str) -> str:
    try:
        grant = ctx.app().refresh(refresh_token)
    except (BadRequest, Unauthorized) as exc:
        mark_disconnected(ctx, athlete_id, f"Strava refused to refresh the token ({exc})")
        raise AthleteDisconnected(
            f"athlete {athlete_id}: token refused; {RECONNECT_HINT}"
        ) from None
    except StravaError:
        with ctx.db.transaction() as session:
            session.execute(
                update(Athlete).where(Athlete.id == athlete_id).values(refresh_lease_until=None)
            )
        raise
    with ctx.db.transaction() as session:
        row = session.get(Athlete, athlete_id)
        if row is None:  # disconnected while we refreshed
            raise AthleteDisconnected(f"athlete {athlete_id} was disconnected")
        row.access_token = ctx.vault.encrypt(grant.access_token)
        row.refresh_token = ctx.vault.encrypt(grant.refresh_token)
        row.expires_at = grant.expires_at
        row.refresh_lease_until = None
        row.updated_at = ctx.clock()
    log.info("refreshed the Strava token of athlete %s", athlete_id)
    return grant.access_token


def delete_athlete_data(ctx: AppContext, athlete_id: int) -> bool:
    """Delete everything stored about the athlete (Strava's agreement requires it on disconnect)."""
    with ctx.db.transaction() as session:
        row = session.get(Athlete, athlete_id)
        if row is None:
            return False
        session.delete(row)
        # Events carry only ids, but they are still about this athlete.
        session.execute(delete(WebhookEvent).where(WebhookEvent.owner_id == athlete_id))
    return True


def disconnect(ctx: AppContext, athlete_id: int) -> bool:
    """Deauthorize at Strava (best effort: it may already be revoked), then delete all data."""
    try:
        token = access_token(ctx, athlete_id)
        ctx.app().deauthorize(token)
    except (AthleteDisconnected, Unauthorized):
        pass
    return delete_athlete_data(ctx, athlete_id)


def connected_athletes(ctx: AppContext) -> list[Athlete]:
    with ctx.db.read() as session:
        return list(session.scalars(select(Athlete).order_by(Athlete.id)))


def resolve_athlete(ctx: AppContext, athlete_id: int | None) -> list[int]:
    """The athletes a command acts on: the one named, or all connected ones."""
    ids = [a.id for a in connected_athletes(ctx)]
    if athlete_id is not None:
        if athlete_id not in ids:
            raise ConnectError(f"athlete {athlete_id} is not connected; run strava-rehab connect")
        return [athlete_id]
    return ids


def token_expiry(ctx: AppContext, athlete_id: int) -> datetime | None:
    with ctx.db.read() as session:
        row = session.get(Athlete, athlete_id)
        return row.expires_at if row else None


def connect_with_loopback(
    ctx: AppContext,
    open_url: Callable[[str], object],
    *,
    port: int = 0,
    timeout_s: float = 300.0,
) -> ConnectResult:
    """The desktop flow: authorize in a browser, receive the code on a loopback callback."""
    with LoopbackReceiver(port) as receiver:
        state = new_state(ctx, receiver.redirect_uri)
        url = ctx.app().authorize_url(receiver.redirect_uri, ctx.settings.scopes, state, "force")
        open_url(url)
        redirect = receiver.wait(timeout_s)
    if redirect is None:
        raise ConnectError(
            f"no answer from Strava within {timeout_s:.0f} s; on a headless server open the URL "
            "elsewhere and run: strava-rehab connect --code '<the URL you were sent back to>'"
        )
    if redirect.error or not redirect.code:
        raise ConnectError(
            f"Strava did not authorize the app ({redirect.error or 'no code'}); "
            "run strava-rehab connect again and press Authorize"
        )
    if redirect.state is None:
        raise ConnectError(
            "Strava's answer carried no state; start again with strava-rehab connect"
        )
    return complete_connect(ctx, redirect.code, redirect.scope, redirect.state)


def parse_pasted_code(pasted: str) -> tuple[str, str | None]:
    """Accept a bare code or the whole redirect URL (which also tells the granted scopes)."""
    if "code=" not in pasted:
        return pasted.strip(), None
    query = parse_qs(urlparse(pasted.strip()).query)
    if "error" in query:
        raise ConnectError(f"the pasted URL says Strava did not authorize: {query['error'][0]}")
    if "code" not in query:
        raise ConnectError("the pasted URL carries no code=...; paste the whole URL or the code")
    return query["code"][0], query.get("scope", [None])[0]
