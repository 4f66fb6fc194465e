"""Connecting, keeping and disconnecting athletes: their tokens, scopes and lifecycle.

Token refresh, and why a lost answer never disconnects anyone. An access token lives 6 h; a
refresh may rotate the refresh token, and "once a new refresh token is returned, the older
refresh token is invalidated immediately" (developers.strava.com/docs/authentication). Strava
documents no grace period for the old one, and the sandbox, like Strava, answers it with 400
(``RefreshToken refresh_token invalid``). So when Strava acts on a refresh but its answer is
lost (a timeout, a dropped connection, a process killed while waiting), the refresh token we
hold may be dead, and retrying it blindly only earns that 400. What this module does:

- A refresh runs under a per-athlete lease (an atomic UPDATE, SQLite and PostgreSQL alike),
  taken in the transaction that marks the stored refresh token "unconfirmed"; the returned pair
  is stored ("current") as soon as it arrives. A process killed mid-refresh leaves
  "unconfirmed" behind.
- The HTTP layer never repeats the refresh POST unless the connection was never made; any
  other failure is ``AnswerLost``. Then we re-read the stored pair (another process may have
  refreshed meanwhile: its pair wins) and otherwise try the same token once more, on purpose:
  Strava may never have seen the first request, and it "may or may not" rotate the token.
- A 400/401 on a token we know is current is Strava clearly refusing the grant: the athlete is
  marked disconnected. The same answer on an "unconfirmed" token is not, as the lost answer may
  have rotated it while the grant lives on: the athlete "needs attention" (state "lost", shown
  by ``athletes`` and ``status``), the old access token, which Strava keeps valid until it
  expires, is used until then, and the runner is asked to reconnect; reconnecting clears it.
- A 401 on an access token that has run out by our clock says nothing about the grant either.

Every change of the stored pair is a compare-and-set on the refresh token that was sent, so a
slow process never overwrites the pair a faster one stored.
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
from strava_rehab.db import gateway, oauth_states
from strava_rehab.db.engine import Database
from strava_rehab.db.models import Athlete
from strava_rehab.db.token_vault import TokenVault
from strava_rehab.errors import UserFacingError
from strava_rehab.strava.api import StravaApp, TokenGrant
from strava_rehab.strava.errors import (
    AthleteDisconnected,
    BadRequest,
    StravaError,
    TransientStravaError,
    Unauthorized,
)
from strava_rehab.strava.http import AnswerLost
from strava_rehab.strava.loopback import LoopbackReceiver

log = logging.getLogger(__name__)

REQUIRED_SCOPES = ("activity:read_all", "activity:write")
SCOPE_EFFECTS = {
    "activity:write": "no description write-back (suggestions go to notifications only)",
    "activity:read_all": "private ('Only Me') runs are not counted in your mileage",
}
REFRESH_LEASE = timedelta(seconds=30)
# The old access token is handed out after a lost refresh only while it has this much life
# left, so a sync does not start on a token that expires (401) half-way through.
FALLBACK_MIN_LIFE = timedelta(seconds=60)
NEEDS_ATTENTION = "needs_attention"
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
    _read_profile(ctx, grant.athlete_id, grant.access_token)
    return ConnectResult(grant.athlete_id, name, granted, missing, reconnected)


def _read_profile(ctx: AppContext, athlete_id: int, access_token: str) -> str | None:
    """One GET /athlete: store the athlete's ``measurement_preference`` ("meters" / "feet").

    Best effort at connect: the token response's athlete lacks the field, and a failed call must
    not undo a connection that worked (the text stays metric until ``refresh_profile`` reads it).
    """
    try:
        profile = ctx.athlete_api(access_token).athlete()
    except StravaError as exc:
        log.warning("athlete %s: could not read the profile's units: %s", athlete_id, exc)
        return None
    preference = profile.measurement_preference
    value = str(preference) if preference in ("meters", "feet") else None
    gateway.set_measurement_preference(ctx.db, athlete_id, value)
    return value


def refresh_profile(ctx: AppContext, athlete_id: int) -> str | None:
    """Read the athlete's units again (one GET /athlete): a runner may switch them in Strava.

    For the reconciliation. Returns the stored preference; raises what the call raises
    (AthleteDisconnected, RateLimitReached...), like any other call made for the athlete.
    """
    profile = ctx.athlete_api(access_token(ctx, athlete_id)).athlete()
    preference = profile.measurement_preference
    value = str(preference) if preference in ("meters", "feet") else None
    if value is not None:
        gateway.set_measurement_preference(ctx.db, athlete_id, value)
    return value


def exchange_code(ctx: AppContext, code: str) -> TokenGrant:
    try:
        return ctx.app().exchange_code(code)
    except (BadRequest, Unauthorized) as exc:
        raise ConnectError(
            f"Strava refused the authorization code ({exc}); codes are single-use and expire "
            "quickly: run strava-rehab connect again"
        ) from None
    except AnswerLost as exc:
        raise ConnectError(
            f"{exc}; the code cannot be used twice: run strava-rehab connect again"
        ) from None


def complete_connect(ctx: AppContext, code: str, scope: str, state: str | None) -> ConnectResult:
    if state is not None:
        consume_state(ctx, state)
    return store_grant(ctx, exchange_code(ctx, code), scope or "read")


def mark_disconnected(ctx: AppContext, athlete_id: int, why: str) -> None:
    """Strava refused the athlete's access token (a 401 on a call). A token that has run out by
    our clock (the last one of an athlete who needs attention) says nothing about the grant."""
    row = gateway.athlete(ctx.db, athlete_id)
    if row is not None and row.expires_at - ctx.clock() <= FALLBACK_MIN_LIFE:
        log.warning("athlete %s: %s, but the token had run out; not disconnected", athlete_id, why)
        return
    gateway.mark_athlete_disconnected(ctx.db, athlete_id, f"{why}; {RECONNECT_HINT}", ctx.clock())
    log.warning("athlete %s disconnected: %s; %s", athlete_id, why, RECONNECT_HINT)


def scopes_of(ctx: AppContext, athlete_id: int) -> frozenset[str]:
    row = gateway.athlete(ctx.db, athlete_id)
    return frozenset(row.scopes.split(",")) if row else frozenset()


class TokenNeedsAttention(AthleteDisconnected):
    """Nothing can be done for the athlete until they reconnect, yet Strava never refused the
    grant: shown as "needs attention", never marked disconnected."""


def standing(row: Athlete, now: datetime) -> tuple[str, str]:
    """What ``athletes`` and ``status`` show (connected, needs_attention, disconnected), and why."""
    if row.status != "connected":
        return row.status, row.status_message
    if row.token_state == gateway.REFRESH_LOST:
        return NEEDS_ATTENTION, _lost_message(row.expires_at, now)
    in_flight = row.refresh_lease_until is not None and row.refresh_lease_until > now
    if row.token_state == gateway.REFRESH_UNCONFIRMED and not in_flight:
        return NEEDS_ATTENTION, (
            "Strava's answer to a token refresh was lost; the next sync tries the token once "
            f"more, and if Strava refuses it you will have to {RECONNECT_HINT}"
        )
    return row.status, row.status_message


def _lost_message(expires_at: datetime, now: datetime) -> str:
    works = "works until" if expires_at > now else "stopped working at"
    return (
        "Strava's answer to a token refresh was lost and the refresh token it replaced is no "
        f"longer accepted; the current access token {works} {expires_at:%Y-%m-%d %H:%M} UTC: "
        f"{RECONNECT_HINT}"
    )


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
    lease: timedelta = REFRESH_LEASE

    def access_token(self, athlete_id: int, *, wait_s: float = 35.0) -> str:
        """A valid access token, refreshed first if it expires within the margin."""
        deadline = time.monotonic() + wait_s
        while True:
            now = self.clock()
            stored = gateway.claim_token_refresh(
                self.db, athlete_id, now, now + self.margin, self.lease
            )
            if stored is None:
                raise AthleteDisconnected(
                    f"athlete {athlete_id} is not connected; {RECONNECT_HINT}"
                )
            if stored.status != "connected":
                raise AthleteDisconnected(f"athlete {athlete_id}: {stored.status_message}")
            if stored.expires_at - now > self.margin:
                return self.vault.decrypt(stored.access_token)
            if stored.token_state == gateway.REFRESH_LOST:
                return self._while_valid(
                    athlete_id, stored, self._needs_attention(athlete_id, stored)
                )
            if stored.claimed:
                return self._refresh(athlete_id, stored)
            # Someone else is refreshing this athlete right now: wait for their result.
            if time.monotonic() > deadline:
                return self._while_valid(
                    athlete_id,
                    stored,
                    AthleteDisconnected(f"athlete {athlete_id}: token refresh is stuck; try again"),
                )
            time.sleep(0.1)

    def _refresh(self, athlete_id: int, stored: gateway.StoredTokens) -> str:
        try:
            app = self.app()  # a ConfigError here: nothing was sent
        except BaseException:
            self._release(athlete_id, stored, stored.token_state)
            raise
        try:
            grant = app.refresh(self.vault.decrypt(stored.refresh_token))
        except AnswerLost as exc:
            return self._after_lost_answer(athlete_id, app, stored, exc)
        except (BadRequest, Unauthorized) as exc:
            if stored.token_state == gateway.REFRESH_CURRENT:
                return self._refused(athlete_id, stored, exc)
            # Refused, but the token was unconfirmed: the refresh whose answer was lost may
            # have rotated it. The grant may well be alive; we cannot tell, so we do not say
            # "disconnected".
            return self._lost(athlete_id, stored, exc)
        except StravaError:
            # Strava answered without acting (429, inactive app), or never saw the request.
            self._release(athlete_id, stored, stored.token_state)
            raise
        except BaseException:  # interrupted mid-flight: Strava may have acted on it
            self._release(athlete_id, stored, gateway.REFRESH_UNCONFIRMED)
            raise
        return self._keep(athlete_id, grant)

    def _after_lost_answer(
        self, athlete_id: int, app: StravaApp, claimed: gateway.StoredTokens, exc: AnswerLost
    ) -> str:
        """Strava may have rotated the token we sent and its new pair is lost with the answer."""
        log.warning("athlete %s: %s; re-reading the stored tokens", athlete_id, exc)
        stored = gateway.stored_tokens(self.db, athlete_id)
        if stored is None or stored.status != "connected":
            raise AthleteDisconnected(f"athlete {athlete_id} was disconnected") from None
        if (
            stored.refresh_token != claimed.refresh_token
            or stored.lease_until != claimed.lease_until
        ):
            # Our lease ran out and another process has refreshed (its pair is the truth), or
            # is refreshing now: sending the token again would race it.
            return self._while_valid(athlete_id, stored, exc)
        # Try the same token once more, on purpose and only once: Strava may never have seen
        # the first request (the connection dropped on the way), or may have kept the token.
        try:
            grant = app.refresh(self.vault.decrypt(stored.refresh_token))
        except (BadRequest, Unauthorized) as refused:
            return self._lost(athlete_id, stored, refused)
        except StravaError as again:
            self._release(athlete_id, stored, gateway.REFRESH_UNCONFIRMED)
            log.warning("athlete %s: the second try failed too: %s", athlete_id, again)
            return self._while_valid(
                athlete_id,
                stored,
                TransientStravaError(
                    f"athlete {athlete_id}: Strava did not answer a token refresh ({again}); "
                    "the next run tries once more"
                ),
            )
        except BaseException:
            self._release(athlete_id, stored, gateway.REFRESH_UNCONFIRMED)
            raise
        return self._keep(athlete_id, grant)

    def _refused(self, athlete_id: int, stored: gateway.StoredTokens, exc: StravaError) -> str:
        """Strava refused the token we know is current: the grant is gone."""
        why = f"Strava refused to refresh the token ({exc})"
        if not gateway.mark_athlete_disconnected(
            self.db, athlete_id, f"{why}; {RECONNECT_HINT}", self.clock(), sent=stored.refresh_token
        ):
            return self._theirs(athlete_id, exc)
        log.warning("athlete %s disconnected: %s; %s", athlete_id, why, RECONNECT_HINT)
        raise AthleteDisconnected(f"athlete {athlete_id}: token refused; {RECONNECT_HINT}")

    def _lost(self, athlete_id: int, stored: gateway.StoredTokens, exc: StravaError) -> str:
        if not self._release(athlete_id, stored, gateway.REFRESH_LOST):
            return self._theirs(athlete_id, exc)
        log.warning(
            "athlete %s needs attention: %s",
            athlete_id,
            _lost_message(stored.expires_at, self.clock()),
        )
        return self._while_valid(athlete_id, stored, self._needs_attention(athlete_id, stored))

    def _theirs(self, athlete_id: int, exc: StravaError) -> str:
        """Another process stored a new pair while we were refused: use it."""
        stored = gateway.stored_tokens(self.db, athlete_id)
        if stored is None or stored.status != "connected":
            raise AthleteDisconnected(f"athlete {athlete_id} was disconnected") from None
        return self._while_valid(athlete_id, stored, exc)

    def _needs_attention(
        self, athlete_id: int, stored: gateway.StoredTokens
    ) -> TokenNeedsAttention:
        why = _lost_message(stored.expires_at, self.clock())
        return TokenNeedsAttention(f"athlete {athlete_id} needs attention: {why}")

    def _while_valid(
        self, athlete_id: int, stored: gateway.StoredTokens, otherwise: StravaError
    ) -> str:
        """The stored access token while it still works (it outlives a lost refresh)."""
        if stored.expires_at - self.clock() > FALLBACK_MIN_LIFE:
            return self.vault.decrypt(stored.access_token)
        raise otherwise

    def _release(self, athlete_id: int, stored: gateway.StoredTokens, token_state: str) -> bool:
        return gateway.release_token_refresh(
            self.db, athlete_id, stored.refresh_token, token_state, self.clock()
        )

    def _keep(self, athlete_id: int, grant: TokenGrant) -> str:
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
        # Two tries of the refresh must fit in the lease, or a second process could start one.
        lease=max(REFRESH_LEASE, timedelta(seconds=3 * ctx.settings.http_timeout_s)),
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
