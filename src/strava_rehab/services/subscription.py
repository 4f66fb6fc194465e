"""The app's one Strava push subscription and the two secrets that guard its callback.

Strava's events are unsigned, so the callback URL carries a secret path segment, and the
subscription handshake a verify token. Both come from the settings, or are generated once and
kept in the database (``app_state``), so every process of an install agrees on them.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from strava_rehab.context import AppContext
from strava_rehab.db import app_state

SUBSCRIPTION_KEY = "push_subscription"
SECRETS_KEY = "webhook_secrets"


def stored_subscription(ctx: AppContext) -> dict[str, Any] | None:
    return app_state.get(ctx.db, SUBSCRIPTION_KEY)


def save_subscription(ctx: AppContext, value: dict[str, Any] | None) -> None:
    app_state.put(ctx.db, SUBSCRIPTION_KEY, value, ctx.clock())


def verify_token_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a secret with what a request presented."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def webhook_secrets(ctx: AppContext) -> tuple[str, str]:
    """``(path_token, verify_token)``: from the settings, or generated once and kept."""
    settings = ctx.settings
    path_setting, verify_setting = settings.webhook_path_token, settings.webhook_verify_token
    if path_setting and verify_setting:
        return path_setting.get_secret_value(), verify_setting.get_secret_value()
    generated = app_state.setdefault(
        ctx.db,
        SECRETS_KEY,
        {"path_token": secrets.token_urlsafe(18), "verify_token": secrets.token_urlsafe(18)},
        ctx.clock(),
    )
    return (
        path_setting.get_secret_value() if path_setting else str(generated["path_token"]),
        verify_setting.get_secret_value() if verify_setting else str(generated["verify_token"]),
    )


def callback_url(ctx: AppContext) -> str:
    path_token, _ = webhook_secrets(ctx)
    return f"{ctx.settings.public_url.rstrip('/')}/strava/webhook/{path_token}"
