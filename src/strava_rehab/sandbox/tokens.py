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
        # Per-athlete indexes, so a revoke or an "is authorized?" never scans every athlete.
        self._codes_of: dict[int, set[str]] = {}
        self._access_of: dict[int, set[str]] = {}
        self._grants_of: dict[int, list[Grant]] = {}
        # Refresh tokens that were rotated away: token -> athlete, to spot stale refreshes.
        self._retired: dict[str, int] = {}

    def issue_code(self, athlete_id: int, scopes: frozenset[str], now: datetime) -> str:
        code = secrets.token_hex(20)
        self._codes[code] = AuthorizationCode(code, athlete_id, scopes, now + self._code_lifetime)
        self._codes_of.setdefault(athlete_id, set()).add(code)
        return code

    def _new_access(self, athlete_id: int, scopes: frozenset[str], now: datetime) -> AccessToken:
        token = AccessToken(
            secrets.token_hex(20),
            athlete_id,
            scopes,
            now.replace(microsecond=0) + self._token_lifetime,
        )
        self._access[token.token] = token
        self._access_of.setdefault(athlete_id, set()).add(token.token)
        return token

    def exchange_code(self, code: str, now: datetime) -> Grant:
        # Single use: a code is gone after the first attempt, valid or not.
        found = self._codes.pop(code, None)
        if found is not None:
            self._codes_of.get(found.athlete_id, set()).discard(code)
        if found is None or now >= found.expires_at:
            raise bad_request("AuthorizationCode", "code")
        access = self._new_access(found.athlete_id, found.scopes, now)
        grant = Grant(found.athlete_id, found.scopes, secrets.token_hex(20), access)
        self._grants_by_refresh[grant.refresh_token] = grant
        self._grants_of.setdefault(grant.athlete_id, []).append(grant)
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
        self._retired[refresh_token] = grant.athlete_id
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
        for code in self._codes_of.pop(athlete_id, set()):
            self._codes.pop(code, None)
        for token in self._access_of.pop(athlete_id, set()):
            self._access.pop(token, None)
        for grant in self._grants_of.pop(athlete_id, []):
            self._grants_by_refresh.pop(grant.refresh_token, None)
        return had_grant

    def is_authorized(self, athlete_id: int) -> bool:
        return bool(self._grants_of.get(athlete_id))

    # --- lookups for traffic accounting (no validity checks) -------------------------------

    def athlete_of_access(self, token: str | None) -> int | None:
        found = self._access.get(token) if token else None
        return None if found is None else found.athlete_id

    def athlete_of_code(self, code: str | None) -> int | None:
        found = self._codes.get(code) if code else None
        return None if found is None else found.athlete_id

    def athlete_of_refresh(self, refresh_token: str | None) -> int | None:
        """The owner of a live *or already rotated* refresh token."""
        if not refresh_token:
            return None
        grant = self._grants_by_refresh.get(refresh_token)
        if grant is not None:
            return grant.athlete_id
        return self._retired.get(refresh_token)

    def is_retired(self, refresh_token: str | None) -> bool:
        return bool(refresh_token) and refresh_token in self._retired

    def current_grant(self, athlete_id: int) -> Grant | None:
        """The athlete's most recent live grant (what a harness would have stored)."""
        grants = self._grants_of.get(athlete_id)
        return grants[-1] if grants else None
