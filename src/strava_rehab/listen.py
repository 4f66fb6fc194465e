"""Binding a listening port, with one clear error when it is taken or out of range."""

from __future__ import annotations

import socket

from strava_rehab.errors import UserFacingError

MAX_PORT = 65535


class PortUnavailable(UserFacingError):
    """The port cannot be listened on; the message names it and what to do. Exit code 1."""


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (0 = any free port), ready for ``listen()``."""
    if not 0 <= port <= MAX_PORT:
        raise PortUnavailable(
            f"port {port} is out of range: use 1-{MAX_PORT}, or 0 for any free port"
        )
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise PortUnavailable(f"cannot listen on {host}:{port}: unknown host ({exc})") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise PortUnavailable(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
            "pick another port (--port), or stop what is using it"
        ) from None
    return sock


def check_free(host: str, port: int) -> None:
    """Raise PortUnavailable now if ``host:port`` cannot be listened on (for servers we do not
    hand a socket to)."""
    bind(host, port).close()
