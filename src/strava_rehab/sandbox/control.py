"""The /_sandbox control API: the Python control methods, over HTTP, for scripts and curl.

Not rate limited, never faulted, never recorded in ``calls()``. Errors are ``{"error": "..."}``
with 400 (bad input) or 404 (unknown athlete/activity/route).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .activities import _check_bool
from .messages import Request, Response
from .population import PopulationSpec
from .world import UnknownObject

if TYPE_CHECKING:
    from .sandbox import Sandbox

JSON = dict[str, Any]
Action = Callable[["Sandbox", Request, list[str]], Response]


def _flag(value: object, name: str) -> bool:
    return _check_bool(name, value)


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{name} must be a number, got {value!r}")
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {value!r}") from None


def _pair(value: object, name: str) -> tuple[int, int]:
    if not (isinstance(value, list | tuple) and len(value) == 2):
        raise ValueError(f"{name} must be [per_15_min, per_day], got {value!r}")
    return (int(_number(value[0], name)), int(_number(value[1], name)))


def _info(sb: Sandbox, request: Request, args: list[str]) -> Response:
    return Response(200, sb.state())


def _add_athlete(sb: Sandbox, request: Request, args: list[str]) -> Response:
    return Response(201, sb.add_athlete(**request.body))


def _get_athlete(sb: Sandbox, request: Request, args: list[str]) -> Response:
    return Response(200, sb.athlete(int(args[0])))


def _add_activity(sb: Sandbox, request: Request, args: list[str]) -> Response:
    return Response(201, sb.add_activity(int(args[0]), **request.body))


def _list_activities(sb: Sandbox, request: Request, args: list[str]) -> Response:
    include = _flag(request.query.get("include_deleted", "false"), "include_deleted")
    return Response(200, sb.activities(int(args[0]), include_deleted=include))


def _revoke(sb: Sandbox, request: Request, args: list[str]) -> Response:
    return Response(200, {"revoked": sb.revoke(int(args[0]))})


def _tokens(sb: Sandbox, request: Request, args: list[str]) -> Response:
    scope = request.body.get("scope", "read,activity:read_all,activity:write")
    return Response(201, sb.authorize(int(args[0]), str(scope)))


def _get_activity(sb: Sandbox, request: Request, args: list[str]) -> Response:
    return Response(200, sb.activity(int(args[0])))


def _put_activity(sb: Sandbox, request: Request, args: list[str]) -> Response:
    return Response(200, sb.update_activity(int(args[0]), **request.body))


def _delete_activity(sb: Sandbox, request: Request, args: list[str]) -> Response:
    sb.delete_activity(int(args[0]))
    return Response(204)


def _add_fault(sb: Sandbox, request: Request, args: list[str]) -> Response:
    body = request.body
    if "kind" not in body:
        raise ValueError('a fault needs "kind": one of 429, 5xx, drop, drop_after, delay')
    sb.inject_fault(
        str(body["kind"]),
        path_prefix=str(body.get("path_prefix", "/api/v3")),
        count=int(_number(body.get("count", 1), "count")),
        delay_s=_number(body.get("delay_s", 0.0), "delay_s"),
        status=None if body.get("status") is None else int(_number(body["status"], "status")),
    )
    return Response(201, sb.faults())


def _list_faults(sb: Sandbox, request: Request, args: list[str]) -> Response:
    return Response(200, sb.faults())


def _clear_faults(sb: Sandbox, request: Request, args: list[str]) -> Response:
    sb.clear_faults()
    return Response(204)


def _move_clock(sb: Sandbox, body: JSON) -> None:
    if "advance_s" in body:
        sb.advance_time(_number(body["advance_s"], "advance_s"))
    elif "until" in body:
        sb.advance_until(str(body["until"]))
    else:
        raise ValueError(
            'send {"advance_s": seconds} or {"until": "2026-11-28T06:00:00Z"} '
            "to move the sandbox clock forward"
        )


def _clock(sb: Sandbox, request: Request, args: list[str]) -> Response:
    if request.method == "POST":
        _move_clock(sb, request.body)
    return Response(200, {"now": sb.now().isoformat()})


def _advance(sb: Sandbox, request: Request, args: list[str]) -> Response:
    """Like POST /clock, and says what the schedule fired on the way."""
    fired_before = sb.schedule()["fired"]
    _move_clock(sb, request.body)
    summary = sb.schedule()
    return Response(
        200,
        {
            "now": sb.now().isoformat(),
            "fired": summary["fired"] - fired_before,
            "pending": summary["pending"],
            "next_due": summary["next_due"],
        },
    )


def _seed_population(sb: Sandbox, request: Request, args: list[str]) -> Response:
    return Response(201, sb.seed_population(PopulationSpec.from_json(request.body)))


def _population(sb: Sandbox, request: Request, args: list[str]) -> Response:
    tokens = _flag(request.query.get("tokens", "true"), "tokens")
    return Response(200, sb.population_json(include_tokens=tokens))


def _schedule(sb: Sandbox, request: Request, args: list[str]) -> Response:
    if request.method == "DELETE":
        return Response(200, {"dropped": sb.clear_schedule()})
    if request.method == "POST":
        body = request.body
        if "days" in body:
            added = sb.extend_schedule(_number(body["days"], "days"))
            return Response(200, {"added": added, **sb.schedule()})
        for key in ("kind", "athlete_id", "at"):
            if key not in body:
                raise ValueError(
                    'send {"days": n} to plan the population further, or one event '
                    '{"kind", "athlete_id", "at", "fields"?, "activity_id"?}'
                )
        fields = body.get("fields") or {}
        if not isinstance(fields, dict):
            raise ValueError("fields must be an object of activity fields")
        activity_id = body.get("activity_id")
        return Response(
            201,
            sb.schedule_event(
                str(body["kind"]),
                int(_number(body["athlete_id"], "athlete_id")),
                str(body["at"]),
                fields,
                None if activity_id is None else int(_number(activity_id, "activity_id")),
            ),
        )
    return Response(
        200,
        sb.schedule(
            include_pending=_flag(request.query.get("pending", "false"), "pending"),
            include_fired=_flag(request.query.get("fired", "false"), "fired"),
        ),
    )


def _code(sb: Sandbox, request: Request, args: list[str]) -> Response:
    scope = request.body.get("scope", "read,activity:read_all,activity:write")
    return Response(201, sb.issue_code(int(args[0]), str(scope)))


def _config(sb: Sandbox, request: Request, args: list[str]) -> Response:
    body = request.body
    known = {
        "inactive",
        "granted_scopes",
        "deny_authorization",
        "current_athlete_id",
        "limits",
        "quota_tier",
        "latency_s",
        "refresh_latency_s",
    }
    unknown = sorted(set(body) - known)
    if unknown:
        raise ValueError(
            f"unknown config key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    if "inactive" in body:
        sb.set_inactive(_flag(body["inactive"], "inactive"))
    if "granted_scopes" in body:
        scopes = body["granted_scopes"]
        sb.set_granted_scopes(None if scopes is None else str(scopes))
    if "deny_authorization" in body:
        sb.set_deny_authorization(_flag(body["deny_authorization"], "deny_authorization"))
    if "current_athlete_id" in body:
        sb.set_current_athlete(int(_number(body["current_athlete_id"], "current_athlete_id")))
    if "quota_tier" in body:
        sb.set_quota_tier(str(body["quota_tier"]))
    if "latency_s" in body or "refresh_latency_s" in body:
        sb.set_latency(
            latency_s=None if "latency_s" not in body else _number(body["latency_s"], "latency_s"),
            refresh_latency_s=None
            if "refresh_latency_s" not in body
            else _number(body["refresh_latency_s"], "refresh_latency_s"),
        )
    if "limits" in body:
        limits = body["limits"]
        if not isinstance(limits, dict):
            raise ValueError('limits must look like {"overall": [200, 2000], "read": [100, 1000]}')
        sb.set_limits(
            overall=None if limits.get("overall") is None else _pair(limits["overall"], "overall"),
            read=None if limits.get("read") is None else _pair(limits["read"], "read"),
        )
    return Response(200, sb.state())


def _calls(sb: Sandbox, request: Request, args: list[str]) -> Response:
    if request.method == "DELETE":
        sb.reset_calls()
        return Response(204)
    return Response(200, sb.calls())


def _traffic(sb: Sandbox, request: Request, args: list[str]) -> Response:
    if request.method == "DELETE":
        sb.reset_traffic()
        return Response(204)
    return Response(200, sb.traffic().as_json())


def _wait_deliveries(sb: Sandbox, request: Request, args: list[str]) -> Response:
    timeout = _number(request.body.get("timeout", 5.0), "timeout")
    return Response(200, {"done": sb.wait_for_deliveries(min(timeout, 60.0))})


def _deliveries(sb: Sandbox, request: Request, args: list[str]) -> Response:
    return Response(200, sb.deliveries())


_ROUTES: list[tuple[str, re.Pattern[str], Action]] = [
    ("GET", re.compile(r""), _info),
    ("POST", re.compile(r"/athletes"), _add_athlete),
    ("GET", re.compile(r"/athletes/(\d+)"), _get_athlete),
    ("POST", re.compile(r"/athletes/(\d+)/activities"), _add_activity),
    ("GET", re.compile(r"/athletes/(\d+)/activities"), _list_activities),
    ("POST", re.compile(r"/athletes/(\d+)/revoke"), _revoke),
    ("POST", re.compile(r"/athletes/(\d+)/tokens"), _tokens),
    ("POST", re.compile(r"/athletes/(\d+)/code"), _code),
    ("POST", re.compile(r"/population"), _seed_population),
    ("GET", re.compile(r"/population"), _population),
    ("GET", re.compile(r"/schedule"), _schedule),
    ("POST", re.compile(r"/schedule"), _schedule),
    ("DELETE", re.compile(r"/schedule"), _schedule),
    ("POST", re.compile(r"/schedule/advance"), _advance),
    ("GET", re.compile(r"/activities/(\d+)"), _get_activity),
    ("PUT", re.compile(r"/activities/(\d+)"), _put_activity),
    ("DELETE", re.compile(r"/activities/(\d+)"), _delete_activity),
    ("GET", re.compile(r"/faults"), _list_faults),
    ("POST", re.compile(r"/faults"), _add_fault),
    ("DELETE", re.compile(r"/faults"), _clear_faults),
    ("GET", re.compile(r"/clock"), _clock),
    ("POST", re.compile(r"/clock"), _clock),
    ("POST", re.compile(r"/config"), _config),
    ("GET", re.compile(r"/calls"), _calls),
    ("DELETE", re.compile(r"/calls"), _calls),
    ("GET", re.compile(r"/traffic"), _traffic),
    ("DELETE", re.compile(r"/traffic"), _traffic),
    ("GET", re.compile(r"/deliveries"), _deliveries),
    ("POST", re.compile(r"/deliveries/wait"), _wait_deliveries),
]


def handle_control(sandbox: Sandbox, request: Request) -> Response:
    sub_path = request.path[len("/_sandbox") :].rstrip("/")
    for method, pattern, action in _ROUTES:
        match = pattern.fullmatch(sub_path)
        if match and method == request.method:
            try:
                return action(sandbox, request, list(match.groups()))
            except UnknownObject as error:
                return Response(404, {"error": str(error.args[0])})
            except (ValueError, TypeError) as error:
                return Response(400, {"error": str(error)})
    return Response(
        404, {"error": f"no control endpoint {request.method} /_sandbox{sub_path}; see the docs"}
    )
