"""Each athlete's own notification channels: set, clear, show (masked), test, and the router.

The install-wide ``notify.urls`` stays the default for every athlete without channels of their
own. Channel URLs carry secrets (tokens, passwords): they are stored encrypted by the token vault
and only ever shown masked (``mask_channel``). The CLI and the web settings page call these.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from strava_rehab.context import AppContext
from strava_rehab.db import gateway
from strava_rehab.errors import UserFacingError
from strava_rehab.notify.channels import (
    ChannelRouter,
    mask_channel,
    validate_urls,
)


class ChannelError(UserFacingError):
    """An athlete's channels cannot be set as asked; the message says why."""


@dataclass(frozen=True)
class ChannelView:
    """What may be shown of an athlete's channels: where they come from, masked."""

    athlete_id: int
    source: str  # "own", "install default" or "none (log only)"
    channels: list[str]


def _decrypt(ctx: AppContext, blob: bytes) -> list[str]:
    return [str(url) for url in json.loads(ctx.vault.decrypt(blob))]


def set_channels(ctx: AppContext, athlete_id: int, urls: Sequence[str]) -> ChannelView:
    """Replace an athlete's own channels by ``urls`` (validated first; nothing stored if bad)."""
    urls = [url.strip() for url in urls if url.strip()]
    validate_urls(urls)
    blob = ctx.vault.encrypt(json.dumps(urls))
    if not gateway.set_athlete_channels(ctx.db, athlete_id, blob, ctx.clock()):
        raise ChannelError(
            f"athlete {athlete_id} is not connected here; see: strava-rehab athletes"
        )
    return show_channels(ctx, [athlete_id])[0]


def clear_channels(ctx: AppContext, athlete_id: int) -> bool:
    """Drop an athlete's own channels: the install default applies again. False if none."""
    return gateway.clear_athlete_channels(ctx.db, athlete_id)


def own_channels(ctx: AppContext, athlete_id: int) -> list[str] | None:
    """An athlete's own URLs, decrypted (for sending only: never print them)."""
    blob = gateway.athlete_channels(ctx.db).get(athlete_id)
    return None if blob is None else _decrypt(ctx, blob)


def _default_urls(ctx: AppContext) -> list[str]:
    return [url.get_secret_value() for url in ctx.settings.notify.urls]


def show_channels(ctx: AppContext, athlete_ids: Sequence[int]) -> list[ChannelView]:
    stored = gateway.athlete_channels(ctx.db)
    default = [mask_channel(url) for url in _default_urls(ctx)]
    views = []
    for athlete_id in athlete_ids:
        blob = stored.get(athlete_id)
        if blob is not None:
            masked = [mask_channel(url) for url in _decrypt(ctx, blob)]
            views.append(ChannelView(athlete_id, "own", masked))
        elif default:
            views.append(ChannelView(athlete_id, "install default", default))
        else:
            views.append(ChannelView(athlete_id, "none (log only)", []))
    return views


def router(ctx: AppContext) -> ChannelRouter:
    """Where the outbox sends each athlete's messages (read once per outbox pass)."""
    stored = gateway.athlete_channels(ctx.db)

    def lookup(athlete_id: int) -> list[str] | None:
        blob = stored.get(athlete_id)
        return None if blob is None else _decrypt(ctx, blob)

    return ChannelRouter(_default_urls(ctx), lookup)


def send_test(ctx: AppContext, athlete_id: int) -> ChannelView:
    """Send a test message to the athlete's channels now (not through the outbox)."""
    own = own_channels(ctx, athlete_id)
    urls = own if own else _default_urls(ctx)
    if not urls:
        raise ChannelError(
            f"athlete {athlete_id} has no notification channel and notify.urls is empty; "
            f"set one with: strava-rehab notify set --athlete {athlete_id} URL"
        )
    notifier = ChannelRouter(_default_urls(ctx), lambda _: own).for_athlete(athlete_id)
    notifier.send(
        "strava-rehab: test notification",
        "This channel receives your strava-rehab notifications.",
    )
    return show_channels(ctx, [athlete_id])[0]
