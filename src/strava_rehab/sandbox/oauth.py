"""Strava's OAuth endpoints: authorize (auto-approved), token exchange/refresh, deauthorize."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .faults import INVALID_ACCESS_TOKEN, StravaError, bad_request, strava_fault
from .messages import Request, Response
from .scopes import format_scopes, parse_scopes
from .tokens import Grant
from .world import SandboxWorld

JSON = dict[str, Any]


def _check_client_id(world: SandboxWorld, raw: object) -> None:
    try:
        client_id = int(str(raw))
    except ValueError:
        raise bad_request("Application", "client_id") from None
    if client_id != world.config.client_id:
        raise bad_request("Application", "client_id")


def _with_query(url: str, extra: list[tuple[str, str]]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def authorize(world: SandboxWorld, request: Request) -> Response:
    """The consent screen, auto-approved as the sandbox's current athlete."""
    _check_client_id(world, request.query.get("client_id", ""))
    redirect_uri = request.query.get("redirect_uri", "")
    if urlsplit(redirect_uri).scheme not in ("http", "https") or not urlsplit(redirect_uri).netloc:
        raise bad_request("Application", "redirect_uri")
    if request.query.get("response_type") != "code":
        raise bad_request("Application", "response_type")
    try:
        requested = parse_scopes(request.query.get("scope") or "read")
    except ValueError:
        raise bad_request("Application", "scope") from None
    state = request.query.get("state")
    extra: list[tuple[str, str]] = [] if state is None else [("state", state)]
    with world.lock:
        if world.deny_authorization:
            location = _with_query(redirect_uri, [*extra, ("error", "access_denied")])
            return Response(302, None, {"Location": location})
        athlete_id = world.current_athlete_id
        if athlete_id is None or athlete_id not in world.athletes:
            raise StravaError(
                400, strava_fault("Bad Request", "Athlete", "current_athlete", "not found")
            )
        granted = set(requested)
        if world.granted_scopes_override is not None:
            # The runner un-ticked boxes on the consent screen; "read" cannot be un-ticked.
            granted &= world.granted_scopes_override
        granted.add("read")
        code = world.tokens.issue_code(athlete_id, frozenset(granted), world.clock.now())
    location = _with_query(
        redirect_uri, [*extra, ("code", code), ("scope", format_scopes(granted))]
    )
    return Response(302, None, {"Location": location})


def token_body(grant: Grant, now: datetime) -> JSON:
    expires_at = int(grant.access.expires_at.timestamp())
    return {
        "token_type": "Bearer",
        "access_token": grant.access.token,
        "expires_at": expires_at,
        "expires_in": max(0, expires_at - int(now.timestamp())),
        "refresh_token": grant.refresh_token,
    }


def token(world: SandboxWorld, request: Request) -> Response:
    _check_client_id(world, request.param("client_id") or "")
    if request.param("client_secret") != world.config.client_secret:
        raise StravaError(
            401, strava_fault("Authorization Error", "Application", "client_secret", "invalid")
        )
    grant_type = request.param("grant_type")
    with world.lock:
        now = world.clock.now()
        if grant_type == "authorization_code":
            grant = world.tokens.exchange_code(str(request.param("code") or ""), now)
            body = token_body(grant, now)
            body["athlete"] = world.athlete(grant.athlete_id).summary_payload()
            return Response(200, body)
        if grant_type == "refresh_token":
            grant = world.tokens.refresh(str(request.param("refresh_token") or ""), now)
            return Response(200, token_body(grant, now))
    raise bad_request("Application", "grant_type")


def deauthorize(world: SandboxWorld, request: Request) -> Response:
    raw = request.param("access_token") or request.bearer()
    with world.lock:
        found = world.tokens.authenticate(str(raw) if raw else None, world.clock.now())
        if found is None:
            raise StravaError(401, INVALID_ACCESS_TOKEN)
        world.revoke(found.athlete_id)
    return Response(200, {"access_token": found.token})


def handle_oauth(world: SandboxWorld, request: Request, oauth_path: str) -> Response:
    """``oauth_path`` is what follows ``/oauth``, e.g. ``/token``."""
    routes = {
        ("GET", "/authorize"): authorize,
        ("POST", "/token"): token,
        ("POST", "/deauthorize"): deauthorize,
    }
    handler = routes.get((request.method, oauth_path.rstrip("/")))
    if handler is None:
        return Response(404, strava_fault("Record Not Found", "resource", "path", "invalid"))
    try:
        return handler(world, request)
    except StravaError as error:
        return Response(error.status, error.body)
