"""Signed-in browsers: a signed, HttpOnly, SameSite=Lax session cookie, and CSRF tokens.

The cookie holds a random session id, its expiry and an HMAC-SHA256 over both. The signing key
is derived (HKDF) from the same secret as the token vault's Fernet keys, ``secret_key`` or the
generated ``secret.key``, so there is no second secret to keep, and it is never printed; every
vault key is tried when verifying, so rotating keys (newest first) signs nobody out. Only a hash of
the session id is stored (``web_sessions``): sign-out, expiry and deleting the athlete end a
session on the server, not only in the browser.

A CSRF token is an HMAC of the session id under its own derived key: it is the same for the
whole session, differs between sessions, and cannot be computed without the secret. The OAuth
state is bound to the browser that started the flow the same way (``bind_state``), so a callback
URL made by someone else cannot sign a victim in to the other account.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from starlette.requests import Request
from starlette.responses import Response

from strava_rehab.context import AppContext
from strava_rehab.db import gateway
from strava_rehab.db.token_vault import load_or_create_keys

COOKIE_NAME = "strava_rehab_session"
# Binds an OAuth state to the browser that asked for it: a callback URL someone else started
# (login CSRF) stores their grant but signs nobody in here.
STATE_COOKIE = "strava_rehab_oauth_state"
STATE_LIFETIME_S = 600
CSRF_FIELD = "csrf_token"
_SESSION_INFO = b"strava-rehab web session cookie v1"
_CSRF_INFO = b"strava-rehab csrf token v1"
_STATE_INFO = b"strava-rehab oauth state binding v1"


def _derive(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    """The request's session: whose it is, and what its forms must carry."""

    athlete_id: int
    session_id: str
    csrf_token: str


class Sessions:
    """Issues, reads and ends sessions for one app."""

    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx
        keys = load_or_create_keys(ctx.settings)  # newest first, as the vault uses them
        self._signing = [_derive(key, _SESSION_INFO) for key in keys]
        self._csrf = _derive(keys[0], _CSRF_INFO)
        self._state = _derive(keys[0], _STATE_INFO)
        self.secure = ctx.settings.public_url.lower().startswith("https://")
        self.lifetime = timedelta(hours=ctx.settings.session_hours)

    # --- the cookie ------------------------------------------------------------------------

    def _signature(self, key: bytes, payload: str) -> str:
        return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())

    def _cookie_value(self, session_id: str, expires_at: datetime) -> str:
        payload = f"{session_id}.{int(expires_at.timestamp())}"
        return f"{payload}.{self._signature(self._signing[0], payload)}"

    def _read_cookie(self, value: str | None, now: datetime) -> str | None:
        """The session id of a well-signed, unexpired cookie value; None for anything else."""
        if not value or len(value) > 200 or value.count(".") != 2:
            return None
        session_id, expires, signature = value.split(".")
        payload = f"{session_id}.{expires}"
        if not any(
            hmac.compare_digest(signature, self._signature(key, payload)) for key in self._signing
        ):
            return None
        if not expires.isdigit() or int(expires) <= now.timestamp():
            return None
        return session_id

    def csrf_for(self, session_id: str) -> str:
        return _b64(hmac.new(self._csrf, f"csrf:{session_id}".encode(), hashlib.sha256).digest())

    def _state_mac(self, state: str) -> str:
        return _b64(hmac.new(self._state, f"state:{state}".encode(), hashlib.sha256).digest())

    def bind_state(self, response: Response, state: str) -> None:
        """Before the redirect to Strava: remember in this browser which state it was given."""
        response.set_cookie(
            STATE_COOKIE,
            self._state_mac(state),
            max_age=STATE_LIFETIME_S,
            path="/connect",
            secure=self.secure,
            httponly=True,
            samesite="lax",  # sent on Strava's top-level redirect back to us
        )

    def state_bound(self, request: Request, state: str) -> bool:
        """Did this browser start the OAuth flow that ``state`` belongs to?"""
        return hmac.compare_digest(request.cookies.get(STATE_COOKIE, ""), self._state_mac(state))

    # --- the request's session -------------------------------------------------------------

    def start(self, response: Response, athlete_id: int) -> SignedIn:
        """A new session for the athlete, set on ``response`` (after the OAuth callback)."""
        now = self._ctx.clock()
        expires_at = now + self.lifetime
        session_id = secrets.token_urlsafe(32)
        gateway.add_web_session(self._ctx.db, _hash(session_id), athlete_id, now, expires_at)
        response.set_cookie(
            COOKIE_NAME,
            self._cookie_value(session_id, expires_at),
            max_age=int(self.lifetime.total_seconds()),
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )
        return SignedIn(athlete_id, session_id, self.csrf_for(session_id))

    def current(self, request: Request) -> SignedIn | None:
        """The live session the request carries, or None (no data may then be shown)."""
        now = self._ctx.clock()
        session_id = self._read_cookie(request.cookies.get(COOKIE_NAME), now)
        if session_id is None:
            return None
        owner = gateway.web_session_owner(self._ctx.db, _hash(session_id), now)
        if owner is None:
            return None
        return SignedIn(owner, session_id, self.csrf_for(session_id))

    def csrf_ok(self, signed_in: SignedIn, submitted: str | None) -> bool:
        return bool(submitted) and hmac.compare_digest(str(submitted), signed_in.csrf_token)

    def end(self, response: Response, signed_in: SignedIn | None) -> None:
        """Sign out: the server forgets the session and the browser drops the cookie."""
        if signed_in is not None:
            gateway.end_web_session(self._ctx.db, _hash(signed_in.session_id))
        response.delete_cookie(
            COOKIE_NAME, path="/", secure=self.secure, httponly=True, samesite="lax"
        )
