"""Masking secrets inside URLs before they are shown: a database password, a webhook path token."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MASK = "***"
# Query parameters that carry a credential in database URLs (libpq, psycopg, SQLAlchemy).
_SECRET_PARAMS = frozenset({"password", "pass", "passwd", "pwd", "sslpassword", "secret", "token"})
_WEBHOOK_PATH = re.compile(r"(/strava/webhook/)[^/?#\s]+")


def url_password(url: str) -> str | None:
    """The password inside ``url``, if it has one (to keep it out of logs too)."""
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def mask_url(url: str) -> str:
    """``url`` with its password and any credential in its query replaced by ``***``.

    Only the secret parts are rewritten, so the rest reads exactly as configured.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK  # unparseable: show nothing rather than a secret
    masked = url
    if parts.password is not None:
        userinfo, _, host = parts.netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        masked = masked.replace(parts.netloc, f"{user}:{MASK}@{host}", 1)
    if parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if any(key.lower() in _SECRET_PARAMS for key, _ in pairs):
            query = "&".join(f"{k}={MASK if k.lower() in _SECRET_PARAMS else v}" for k, v in pairs)
            masked = masked.replace("?" + parts.query, "?" + query, 1)
    return masked


def mask_webhook_url(url: str) -> str:
    """A webhook callback URL without its path token (the token is what authenticates Strava)."""
    return _WEBHOOK_PATH.sub(r"\1...", url)


def mask_subscription(subscription: dict[str, Any] | None) -> dict[str, Any] | None:
    """A subscription record (ours or Strava's) with its callback URL masked."""
    if subscription is None:
        return None
    masked = dict(subscription)
    if isinstance(masked.get("callback_url"), str):
        masked["callback_url"] = mask_webhook_url(masked["callback_url"])
    return masked
