"""Point code that insists on https://www.strava.com (stravalib) at a sandbox instead.

stravalib builds absolute ``https://www.strava.com/...`` URLs itself, so the only seam is the
``requests.Session`` it accepts. This session rewrites those URLs to the sandbox before sending.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter

STRAVA_ORIGINS = ("https://www.strava.com", "https://strava.com")


class _RedirectToSandbox(HTTPAdapter):
    def __init__(self, sandbox_url: str) -> None:
        super().__init__()
        self._sandbox_url = sandbox_url.rstrip("/")

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        url = request.url or ""
        for origin in STRAVA_ORIGINS:
            if url.startswith(origin + "/"):
                request.url = self._sandbox_url + url[len(origin) :]
                break
        return super().send(request, stream, timeout, verify, cert, proxies)


def sandbox_session(sandbox_url: str, **session_attrs: Any) -> requests.Session:
    """A session for ``stravalib.Client(requests_session=...)`` that talks to the sandbox."""
    session = requests.Session()
    session.trust_env = False
    for name, value in session_attrs.items():
        setattr(session, name, value)
    adapter = _RedirectToSandbox(sandbox_url)
    for origin in STRAVA_ORIGINS:
        session.mount(origin + "/", adapter)
    return session
