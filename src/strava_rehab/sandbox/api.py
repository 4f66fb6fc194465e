"""The athlete-facing REST API under /api/v3: athlete, activity list, activity detail and edit."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .activities import UPDATABLE_FIELDS, ActivityRecord, detail_payload, summary_payload
from .faults import (
    APPLICATION_INACTIVE,
    INVALID_ACCESS_TOKEN,
    RATE_LIMIT_EXCEEDED,
    StravaError,
    bad_request,
    missing_permission,
    record_not_found,
    strava_fault,
)
from .messages import Request, Response
from .scopes import can_list_activities, can_see_private
from .tokens import AccessToken
from .world import SandboxWorld

API_PREFIX = "/api/v3"
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 200

Handler = Callable[[SandboxWorld, AccessToken, Request, str, datetime], Any]


def is_counted(method: str, sub_path: str) -> tuple[bool, bool]:
    """(counts at all, counts as non-upload): OAuth is free; uploads skip the read limit."""
    if sub_path.startswith("/oauth/"):
        return False, False
    upload = method == "POST" and (sub_path in ("/activities", "/uploads") or "/photos" in sub_path)
    return True, not upload


def guard_app(world: SandboxWorld, method: str, sub_path: str, now: datetime) -> None:
    """Inactive-app and rate checks shared by every counted endpoint; caller holds the lock."""
    if world.inactive:
        raise StravaError(403, APPLICATION_INACTIVE)
    _, non_upload = is_counted(method, sub_path)
    if not world.limiter.count(now, non_upload=non_upload):
        raise StravaError(429, RATE_LIMIT_EXCEEDED)


def _int_param(request: Request, name: str, default: int | None) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise bad_request("Parameter", name) from None


def _get_athlete(
    world: SandboxWorld, token: AccessToken, request: Request, arg: str, now: datetime
) -> Any:
    return world.athlete(token.athlete_id).detailed_payload()


def _visible(record: ActivityRecord, token: AccessToken) -> bool:
    return (
        record.deleted_at is None
        and record.athlete_id == token.athlete_id
        and (not record.private or can_see_private(token.scopes))
    )


def _list_activities(
    world: SandboxWorld, token: AccessToken, request: Request, arg: str, now: datetime
) -> Any:
    if not can_list_activities(token.scopes):
        raise missing_permission("activity:read_permission")
    before = _int_param(request, "before", None)
    after = _int_param(request, "after", None)
    page = max(1, _int_param(request, "page", 1) or 1)
    per_page = _int_param(request, "per_page", DEFAULT_PER_PAGE)
    per_page = DEFAULT_PER_PAGE if per_page is None or per_page < 1 else min(per_page, MAX_PER_PAGE)
    # The index is sorted by start, so the before/after range is two bisections, not a scan.
    indexed = world.index.get(token.athlete_id, [])
    low = 0 if after is None else bisect.bisect_right(indexed, float(after), key=_start_epoch)
    high = (
        len(indexed)
        if before is None
        else bisect.bisect_left(indexed, float(before), key=_start_epoch)
    )
    entries = indexed[low:high]
    # Strava: newest first, except oldest first when only ``after`` is given.
    if not (after is not None and before is None):
        entries.reverse()
    # Paginate over everything indexed, *then* drop what this token may not see: pages can
    # come back short while later pages still hold data, exactly like Strava.
    window = entries[(page - 1) * per_page : page * per_page]
    return [summary_payload(e) for e in window if _visible(e, token)]


def _start_epoch(record: ActivityRecord) -> float:
    return record.start.timestamp()


def _owned_activity(world: SandboxWorld, token: AccessToken, raw_id: str) -> ActivityRecord:
    record = world.activities.get(int(raw_id))
    if record is None or not _visible(record, token):
        raise record_not_found("Activity")
    return record


def _get_activity(
    world: SandboxWorld, token: AccessToken, request: Request, arg: str, now: datetime
) -> Any:
    if not can_list_activities(token.scopes):
        raise missing_permission("activity:read_permission")
    return detail_payload(_owned_activity(world, token, arg))


def _put_activity(
    world: SandboxWorld, token: AccessToken, request: Request, arg: str, now: datetime
) -> Any:
    if "activity:write" not in token.scopes:
        raise missing_permission("activity:write_permission")
    record = _owned_activity(world, token, arg)
    values = {k: v for k, v in request.body.items() if k in UPDATABLE_FIELDS and v is not None}
    if "sport_type" in values:
        values.pop("type", None)  # Strava ignores the deprecated type when sport_type is set
    try:
        world.apply_api_update(record, values)
    except ValueError as error:
        field = str(error).split(" ", 1)[0]
        raise StravaError(400, strava_fault("Bad Request", "Activity", field, "invalid")) from error
    return detail_payload(record)


_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    ("GET", re.compile(r"/athlete/?"), _get_athlete),
    ("GET", re.compile(r"/athlete/activities/?"), _list_activities),
    ("GET", re.compile(r"/activities/(\d+)/?"), _get_activity),
    ("PUT", re.compile(r"/activities/(\d+)/?"), _put_activity),
]


def route_exists(method: str, sub_path: str) -> bool:
    return any(m == method and p.fullmatch(sub_path) for m, p, _ in _ROUTES)


def handle_athlete_api(world: SandboxWorld, request: Request, sub_path: str) -> Response:
    for method, pattern, candidate in _ROUTES:
        match = pattern.fullmatch(sub_path)
        if method == request.method and match:
            handler = candidate
            break
    else:
        with world.lock:
            headers = world.limiter.headers(world.clock.now())
        return Response(
            404, strava_fault("Record Not Found", "resource", "path", "invalid"), headers
        )
    arg = match.group(1) if match.groups() else ""
    with world.lock:
        now = world.clock.now()
        try:
            if world.inactive:
                raise StravaError(403, APPLICATION_INACTIVE)
            token = world.tokens.authenticate(request.bearer(), now)
            if token is None:
                raise StravaError(401, INVALID_ACCESS_TOKEN)
            guard_app(world, request.method, sub_path, now)
            status, body = 200, handler(world, token, request, arg, now)
        except StravaError as error:
            status, body = error.status, error.body
        return Response(status, body, world.limiter.headers(now))
