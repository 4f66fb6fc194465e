"""Strava's error bodies, and the failures tests can inject on purpose."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]

FAULT_KINDS = ("429", "5xx", "drop", "drop_after", "delay")


def strava_fault(message: str, resource: str, field: str, code: str) -> JSON:
    """Strava's ``Fault`` body: ``{"message", "errors": [{resource, field, code}]}``."""
    return {"message": message, "errors": [{"resource": resource, "field": field, "code": code}]}


class StravaError(Exception):
    """Raised inside request handling; becomes an HTTP error response with a Strava body."""

    def __init__(self, status: int, body: JSON) -> None:
        super().__init__(f"{status} {body.get('message', '')}")
        self.status = status
        self.body = body


def bad_request(resource: str, field: str, code: str = "invalid") -> StravaError:
    return StravaError(400, strava_fault("Bad Request", resource, field, code))


def record_not_found(resource: str, field: str = "id") -> StravaError:
    return StravaError(404, strava_fault("Record Not Found", resource, field, "not found"))


INVALID_ACCESS_TOKEN = strava_fault("Authorization Error", "Athlete", "access_token", "invalid")
RATE_LIMIT_EXCEEDED = strava_fault("Rate Limit Exceeded", "Application", "rate limit", "exceeded")
APPLICATION_INACTIVE = strava_fault("Forbidden", "Application", "Status", "Inactive")


def missing_permission(permission: str) -> StravaError:
    return StravaError(
        401, strava_fault("Authorization Error", "AccessToken", permission, "missing")
    )


@dataclass
class InjectedFault:
    """One armed failure: applies to the next ``remaining`` requests under ``path_prefix``."""

    kind: str
    path_prefix: str
    remaining: int
    delay_s: float
    status: int

    def as_json(self) -> JSON:
        return {
            "kind": self.kind,
            "path_prefix": self.path_prefix,
            "remaining": self.remaining,
            "delay_s": self.delay_s,
            "status": self.status,
        }


def make_fault(
    kind: str, path_prefix: str, count: int, delay_s: float, status: int | None
) -> InjectedFault:
    """Validate an ``inject_fault`` request, with messages that say how to fix it."""
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; use one of {', '.join(FAULT_KINDS)}")
    if not path_prefix.startswith("/"):
        raise ValueError(f"path_prefix must start with '/', got {path_prefix!r}")
    if path_prefix.startswith("/_sandbox"):
        raise ValueError("faults cannot target the /_sandbox control API")
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    if delay_s < 0:
        raise ValueError(f"delay_s must not be negative, got {delay_s}")
    if kind == "delay" and delay_s == 0:
        raise ValueError("a 'delay' fault needs delay_s > 0")
    if kind == "5xx":
        chosen = 503 if status is None else status
        if not 500 <= chosen <= 599:
            raise ValueError(f"a '5xx' fault needs a status in 500..599, got {chosen}")
    elif kind == "429":
        chosen = 429
    else:
        chosen = 0
    return InjectedFault(kind, path_prefix, count, delay_s, chosen)
