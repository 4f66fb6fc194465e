"""Authorization codes, access tokens and rotating refresh tokens for the one sandbox app.

Pure bookkeeping: every method takes ``now``; callers hold the sandbox lock.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from .faults import StravaError, bad_request, strava_fault

# Strava re-issues the same access token while more than an hour of life remains.
REUSE_MARGIN = timedelta(hours=1)


@dataclass
class AuthorizationCode:
    code: str
    athlete_id: int
    scopes: frozenset[str]
    expires_at: datetime


@dataclass
class AccessToken:
    token: str
    athlete_id: int
    scopes: frozenset[str]
    expires_at: datetime


@dataclass
class Grant:
    """One authorization of the app by an athlete: the live refresh token and latest access."""

    athlete_id: int
    scopes: frozenset[str]
    refresh_token: str
    access: AccessToken


class TokenStore:
    def __init__(self, token_lifetime_s: int, code_lifetime_s: int) -> None:
        self._token_lifetime = timedelta(seconds=token_lifetime_s)
        self._code_lifetime = timedelta(seconds=code_lifetime_s)
        self._codes: dict[str, AuthorizationCode] = {}
        self._access: dict[str, AccessToken] = {}
        self._grants_by_refresh: dict[str, Grant] = {}

    def issue_code(self, athlete_id: int, scopes: frozenset[str], now: datetime) -> str:
        code = secrets.token_hex(20)
        self._codes[code] = AuthorizationCode(code, athlete_id, scopes, now + self._code_lifetime)
        return code

    def _new_access(self, athlete_id: int, scopes: frozenset[str], now: datetime) -> AccessToken:
        token = AccessToken(
            secrets.token_hex(20),
            athlete_id,
            scopes,
            now.replace(microsecond=0) + self._token_lifetime,
        )
        self._access[token.token] = token
        return token

    def exchange_code(self, code: str, now: datetime) -> Grant:
        # Single use: a code is gone after the first attempt, valid or not.
        found = self._codes.pop(code, None)
        if found is None or now >= found.expires_at:
            raise bad_request("AuthorizationCode", "code")
        access = self._new_access(found.athlete_id, found.scopes, now)
        grant = Grant(found.athlete_id, found.scopes, secrets.token_hex(20), access)
        self._grants_by_refresh[grant.refresh_token] = grant
        return grant

    def refresh(self, refresh_token: str, now: datetime) -> Grant:
        grant = self._grants_by_refresh.pop(refresh_token, None)
        if grant is None:
            raise StravaError(
                400, strava_fault("Bad Request", "RefreshToken", "refresh_token", "invalid")
            )
        if grant.access.expires_at - now <= REUSE_MARGIN:
            # The old access token stays valid until it expires on its own.
            grant.access = self._new_access(grant.athlete_id, grant.scopes, now)
        # Every refresh rotates the refresh token; the old one is dead from now on.
        grant.refresh_token = secrets.token_hex(20)
        self._grants_by_refresh[grant.refresh_token] = grant
        return grant

    def authenticate(self, token: str | None, now: datetime) -> AccessToken | None:
        if not token:
            return None
        found = self._access.get(token)
        if found is None or now >= found.expires_at:
            return None
        return found

    def revoke_athlete(self, athlete_id: int) -> bool:
        """Kill every code and token the athlete gave this app; True if anything was live."""
        had_grant = self.is_authorized(athlete_id)
        self._codes = {c: v for c, v in self._codes.items() if v.athlete_id != athlete_id}
        self._access = {t: v for t, v in self._access.items() if v.athlete_id != athlete_id}
        self._grants_by_refresh = {
            r: g for r, g in self._grants_by_refresh.items() if g.athlete_id != athlete_id
        }
        return had_grant

    def is_authorized(self, athlete_id: int) -> bool:
        return any(g.athlete_id == athlete_id for g in self._grants_by_refresh.values())
