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

from strava_rehab.context import AppContext
from strava_rehab.db import gateway
from strava_rehab.db.engine import Database
from strava_rehab.db.models import Athlete
from strava_rehab.db.token_vault import TokenVault
from strava_rehab.errors import UserFacingError
from strava_rehab.strava.api import StravaApp, TokenGrant
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
STATE_LIFETIME = timedelta(minutes=10)
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


def new_state(ctx: AppContext, redirect_uri: str) -> str:
    state = secrets.token_urlsafe(24)
    gateway.add_oauth_state(ctx.db, state, redirect_uri, ctx.clock(), STATE_LIFETIME)
    return state


def consume_state(ctx: AppContext, state: str) -> None:
    """A state is valid once, for ten minutes; anything else is a possible forgery."""
    if not gateway.use_oauth_state(ctx.db, state, ctx.clock(), STATE_LIFETIME):
        raise ConnectError(
            "the OAuth state does not match a pending connection (expired, reused or forged); "
            "start again with: strava-rehab connect"
        )


def store_grant(ctx: AppContext, grant: TokenGrant, scope: str) -> ConnectResult:
    if grant.athlete_id is None:
        raise ConnectError("Strava's token response carried no athlete; try connecting again")
    granted = tuple(sorted({part.strip() for part in scope.split(",") if part.strip()}))
    athlete = grant.athlete or {}
    firstname = str(athlete.get("firstname") or "")[:100]
    lastname = str(athlete.get("lastname") or "")[:100]
    reconnected = gateway.store_grant(
        ctx.db,
        gateway.NewGrant(
            athlete_id=grant.athlete_id,
            firstname=firstname,
            lastname=lastname,
            scopes=",".join(granted),
            access_token=ctx.vault.encrypt(grant.access_token),
            refresh_token=ctx.vault.encrypt(grant.refresh_token),
            expires_at=grant.expires_at,
        ),
        ctx.clock(),
        ctx.settings.max_athletes,
    )
    if reconnected is None:
        count = gateway.athlete_count(ctx.db)
        raise ConnectError(
            f"this install already serves {count} athletes, the most allowed "
            f"(max_athletes={ctx.settings.max_athletes}; "
            "Strava's Standard tier allows 10). "
            "Disconnect one first, or raise the limit after Strava's review."
        )
    missing = {scope: effect for scope, effect in SCOPE_EFFECTS.items() if scope not in granted}
    name = f"{firstname} {lastname}".strip() or str(grant.athlete_id)
    return ConnectResult(grant.athlete_id, name, granted, missing, reconnected)


def complete_connect(ctx: AppContext, code: str, scope: str, state: str | None) -> ConnectResult:
    if state is not None:
        consume_state(ctx, state)
    try:
        grant = ctx.app().exchange_code(code)
    except (BadRequest, Unauthorized) as exc:
        raise ConnectError(
            f"Strava refused the authorization code ({exc}); codes are single-use and expire "
            "quickly: run strava-rehab connect again"
        ) from None
    return store_grant(ctx, grant, scope or "read")


def mark_disconnected(ctx: AppContext, athlete_id: int, why: str) -> None:
    gateway.mark_athlete_disconnected(ctx.db, athlete_id, f"{why}; {RECONNECT_HINT}", ctx.clock())
    log.warning("athlete %s disconnected: %s; %s", athlete_id, why, RECONNECT_HINT)


def scopes_of(ctx: AppContext, athlete_id: int) -> frozenset[str]:
    row = gateway.athlete(ctx.db, athlete_id)
    return frozenset(row.scopes.split(",")) if row else frozenset()


@dataclass
class TokenKeeper:
    """Hands out valid access tokens, refreshing them under the per-athlete lease.

    Narrow on purpose: the database, the vault, the clock, and the Strava app, which is built
    only when a refresh is due (it needs the app's credentials).
    """

    db: Database
    vault: TokenVault
    app: Callable[[], StravaApp]
    clock: Callable[[], datetime]
    margin: timedelta

    def access_token(self, athlete_id: int, *, wait_s: float = 35.0) -> str:
        """A valid access token, refreshed first if it expires within the margin."""
        deadline = time.monotonic() + wait_s
        while True:
            now = self.clock()
            stored = gateway.claim_token_refresh(
                self.db, athlete_id, now, now + self.margin, REFRESH_LEASE
            )
            if stored is None:
                raise AthleteDisconnected(
                    f"athlete {athlete_id} is not connected; {RECONNECT_HINT}"
                )
            if stored.status != "connected":
                raise AthleteDisconnected(f"athlete {athlete_id}: {stored.status_message}")
            if stored.expires_at - now > self.margin:
                return self.vault.decrypt(stored.access_token)
            if stored.claimed:
                return self._refresh(athlete_id, self.vault.decrypt(stored.refresh_token))
            # Someone else is refreshing this athlete right now: wait for their result.
            if time.monotonic() > deadline:
                raise AthleteDisconnected(
                    f"athlete {athlete_id}: token refresh is stuck; try again"
                )
            time.sleep(0.1)

    def _refresh(self, athlete_id: int, refresh_token: str) -> str:
        try:
            grant = self.app().refresh(refresh_token)
        except (BadRequest, Unauthorized) as exc:
            why = f"Strava refused to refresh the token ({exc})"
            gateway.mark_athlete_disconnected(
                self.db, athlete_id, f"{why}; {RECONNECT_HINT}", self.clock()
            )
            log.warning("athlete %s disconnected: %s; %s", athlete_id, why, RECONNECT_HINT)
            raise AthleteDisconnected(
                f"athlete {athlete_id}: token refused; {RECONNECT_HINT}"
            ) from None
        except StravaError:
            gateway.release_token_refresh(self.db, athlete_id)
            raise
        stored = gateway.store_refreshed_tokens(
            self.db,
            athlete_id,
            self.vault.encrypt(grant.access_token),
            self.vault.encrypt(grant.refresh_token),
            grant.expires_at,
            self.clock(),
        )
        if not stored:  # disconnected while we refreshed
            raise AthleteDisconnected(f"athlete {athlete_id} was disconnected")
        log.info("refreshed the Strava token of athlete %s", athlete_id)
        return grant.access_token


def token_keeper(ctx: AppContext) -> TokenKeeper:
    return TokenKeeper(
        db=ctx.db,
        vault=ctx.vault,
        app=ctx.app,
        clock=ctx.clock,
        margin=timedelta(seconds=ctx.settings.token_refresh_margin_s),
    )


def access_token(ctx: AppContext, athlete_id: int, *, wait_s: float = 35.0) -> str:
    """A valid access token, refreshed first if it expires within the margin."""
    return token_keeper(ctx).access_token(athlete_id, wait_s=wait_s)


def delete_athlete_data(ctx: AppContext, athlete_id: int) -> bool:
    """Delete everything stored about the athlete (Strava's agreement requires it on disconnect)."""
    return gateway.delete_athlete(ctx.db, athlete_id)


def disconnect(ctx: AppContext, athlete_id: int) -> bool:
    """Deauthorize at Strava (best effort: it may already be revoked), then delete all data."""
    try:
        token = access_token(ctx, athlete_id)
        ctx.app().deauthorize(token)
    except (AthleteDisconnected, Unauthorized):
        pass
    return delete_athlete_data(ctx, athlete_id)


def connected_athletes(ctx: AppContext) -> list[Athlete]:
    return gateway.all_athletes(ctx.db)


def resolve_athlete(ctx: AppContext, athlete_id: int | None) -> list[int]:
    """The athletes a command acts on: the one named, or all connected ones."""
    ids = [a.id for a in connected_athletes(ctx)]
    if athlete_id is not None:
        if athlete_id not in ids:
            raise ConnectError(f"athlete {athlete_id} is not connected; run strava-rehab connect")
        return [athlete_id]
    return ids


def token_expiry(ctx: AppContext, athlete_id: int) -> datetime | None:
    row = gateway.athlete(ctx.db, athlete_id)
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
