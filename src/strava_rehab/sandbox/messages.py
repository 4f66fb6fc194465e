"""Plain request/response values passed between the HTTP layer and the sandbox logic."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: JSON
    headers: Mapping[str, str]  # names lower-cased

    def bearer(self) -> str | None:
        value = self.headers.get("authorization") or ""
        scheme, _, token = value.partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None

    def param(self, name: str) -> Any:
        """A parameter from the body (form or JSON) or, failing that, the query string."""
        if name in self.body:
            return self.body[name]
        return self.query.get(name)


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Drop:
    """Close the connection without answering (``after``: only once the request took effect)."""

    after: bool = False
