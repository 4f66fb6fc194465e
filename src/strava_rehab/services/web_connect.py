"""Connecting through the browser (``serve``'s ``/connect``): bound to one browser, and only for
the runners the operator lets in.

* The OAuth ``state`` is bound to the browser that started the flow (RFC 6749 §10.12): the web
  app sets a random nonce in an HttpOnly cookie and the state row keeps its SHA-256, so a
  callback URL planted in someone else's browser (login CSRF: connecting the victim's install
  to the attacker's Strava account, or the reverse) is refused.
* A Standard-tier Strava app serves 10 athletes; a public ``/connect`` would let any Strava user
  take a slot. ``connect_allowed_athletes`` and ``connect_invitation_code`` restrict it: an
  athlete on the list, or one who came through the invitation link, is let in; so is an athlete
  already stored here (a reconnect, to grant more scopes). Anyone else is refused after the code
  exchange (that is when Strava says who they are): the grant is deauthorized at once and no
  token is stored. Neither set: anyone may connect.

The CLI's loopback flow (``strava-rehab connect``) is the operator's and is not limited.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from strava_rehab.context import AppContext
from strava_rehab.db import gateway
from strava_rehab.services import connect
from strava_rehab.strava.api import TokenGrant
from strava_rehab.strava.errors import StravaError

log = logging.getLogger(__name__)

START_AGAIN = "start again from the connect page"


class NotInvited(connect.ConnectError):
    """The install is invite-only and no valid invitation came with the request."""


class NotAllowed(connect.ConnectError):
    """The athlete is not one the operator lets connect; nothing of theirs was kept."""


@dataclass(frozen=True)
class Started:
    """Where to send the browser, and the nonce to put in its cookie."""

    authorize_url: str
    browser_nonce: str


def browser_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def restricted(ctx: AppContext) -> bool:
    settings = ctx.settings
    return bool(settings.connect_allowed_athletes) or settings.connect_invitation_code is not None


def _invited(ctx: AppContext, invite: str | None) -> bool:
    """True for a valid invitation; raises if one is required, or given but wrong."""
    code = ctx.settings.connect_invitation_code
    if code is None:
        return False
    if invite:
        if hmac.compare_digest(invite.encode(), code.get_secret_value().encode()):
            return True
        raise NotInvited(
            "this invitation code is not valid; ask the operator of this install for the link"
        )
    if not ctx.settings.connect_allowed_athletes:
        raise NotInvited(
            "this install is invite-only: open the invitation link its operator sent you"
        )
    return False  # the allow-list decides at the callback


def start(ctx: AppContext, redirect_uri: str, invite: str | None = None) -> Started:
    invited = _invited(ctx, invite)
    nonce = secrets.token_urlsafe(32)
    state = connect.new_state(ctx, redirect_uri, browser_hash=browser_hash(nonce), invited=invited)
    url = ctx.app().authorize_url(redirect_uri, ctx.settings.scopes, state, "force")
    return Started(url, nonce)


def admitted(ctx: AppContext, athlete_id: int, *, invited: bool) -> bool:
    if not restricted(ctx) or invited:
        return True
    if athlete_id in ctx.settings.connect_allowed_athletes:
        return True
    return gateway.athlete(ctx.db, athlete_id) is not None


def _give_back(ctx: AppContext, grant: TokenGrant) -> None:
    """Deauthorize a grant we will not keep, so the athlete's Strava shows no app of ours."""
    try:
        ctx.app().deauthorize(grant.access_token)
    except StravaError as exc:
        log.warning(
            "could not deauthorize the refused grant of athlete %s: %s", grant.athlete_id, exc
        )


def finish(
    ctx: AppContext,
    *,
    code: str,
    scope: str,
    state: str,
    browser_nonce: str | None,
    redirect_uri: str,
) -> connect.ConnectResult:
    if not browser_nonce:
        raise connect.ConnectError(
            "the OAuth state cannot be checked: this browser did not start the connection (its "
            f"cookie is missing or blocked); {START_AGAIN}"
        )
    try:
        pending = connect.consume_state(ctx, state, browser_hash=browser_hash(browser_nonce))
    except connect.ConnectError:
        raise connect.ConnectError(
            "the OAuth state does not match a connection started in this browser (expired, "
            f"reused or forged); {START_AGAIN}"
        ) from None
    if pending.redirect_uri != redirect_uri:
        raise connect.ConnectError(
            f"the OAuth state was issued for another callback; {START_AGAIN}"
        )
    grant = connect.exchange_code(ctx, code)
    if grant.athlete_id is not None and not admitted(
        ctx, grant.athlete_id, invited=pending.invited
    ):
        _give_back(ctx, grant)
        log.warning("refused athlete %s: not on the allow-list, not invited", grant.athlete_id)
        raise NotAllowed(
            f"Strava athlete {grant.athlete_id} is not on this install's list of runners, and "
            "came without an invitation. Nothing was stored and the app's access was removed "
            "again. Ask the operator to add you (connect_allowed_athletes) or for an "
            "invitation link."
        )
    try:
        return connect.store_grant(ctx, grant, scope or "read")
    except connect.ConnectError:  # the install is full: keep no grant we cannot serve
        _give_back(ctx, grant)
        raise
