"""One ASGI middleware that every route of the web app goes through, later ones included.

Headers, added to every response unless the route set its own:

* ``Content-Security-Policy``: ``default-src 'none'`` (nothing loads unless named), styles from
  us and inline (``style-src 'self' 'unsafe-inline'``: the pages and the dashboard carry their
  CSS in a ``<style>`` element and style attributes, which a hash cannot cover; no script is
  allowed at all, so an injected style can restyle a page but not run code), images from us,
  forms posting to us or to Strava (``form-action``: the connect form is redirected to Strava's
  consent page), ``frame-ancestors 'none'`` and ``base-uri 'none'``.
* ``X-Frame-Options: DENY`` (older browsers' frame-ancestors), ``X-Content-Type-Options:
  nosniff``, ``Referrer-Policy: no-referrer`` (the callback URL carries a code and a state),
  ``Cross-Origin-Opener-Policy: same-origin``.
* ``Cache-Control: no-store``: pages and JSON may carry an athlete's data (their name, ids);
  nothing is worth caching. A route that serves something static may set its own.
* ``Strict-Transport-Security`` when ``public_url`` is https.

Errors too: an exception a route did not handle is answered 500 here, with the headers, before
it goes on to be logged.

And a cap on every request body: a ``Content-Length`` above it is answered 413 before the app
runs, and a body that grows past it while streamed (chunked, or a lying length) is cut off and
answered 413 too, so no route ever holds more than the cap in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from strava_rehab.serialize import dumps

HSTS = "max-age=63072000"  # two years; no includeSubDomains: other hosts are not ours to pin


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(strava_url: str) -> str:
    return "; ".join(
        [
            "default-src 'none'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self'",
            f"form-action 'self' {origin_of(strava_url)}",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ]
    )


def security_headers(*, public_url: str, strava_url: str) -> list[tuple[str, str]]:
    headers = [
        ("content-security-policy", content_security_policy(strava_url)),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cache-control", "no-store"),
    ]
    if urlsplit(public_url).scheme == "https":
        headers.append(("strict-transport-security", HSTS))
    return headers


class BodyTooLarge(Exception):
    """The request body grew past the cap while the app was reading it."""


class SecurityMiddleware:
    def __init__(
        self, app: ASGIApp, *, headers: Iterable[tuple[str, str]], max_body_bytes: int
    ) -> None:
        self.app = app
        self.headers = list(headers)
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    if name not in headers:
                        headers[name] = value
            await send(message)

        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or len(declared) > 12):
            await self._refuse(send_secured, 400, "Content-Length is not a number")
            return
        if declared is not None and int(declared) > self.max_body_bytes:
            await self._refuse(send_secured, 413, self._too_large())
            return
        received = 0

        async def receive_capped() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, receive_capped, send_secured)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(send_secured, 413, self._too_large())
        except Exception:
            # Answer the 500 here, headers included; the server still logs the exception.
            if not started:
                await self._refuse(send_secured, 500, "internal error")
            raise

    def _too_large(self) -> str:
        return f"request body larger than {self.max_body_bytes} bytes"

    @staticmethod
    async def _refuse(send: Send, status: int, error: str) -> None:
        body = dumps({"error": error}, compact=True).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
