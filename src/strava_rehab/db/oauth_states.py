"""Pending OAuth connections (``oauth_states``): created when a flow starts, taken once.

A store like the gateway: each function is one short transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update

from strava_rehab.db.engine import Database, affected
from strava_rehab.db.models import OAuthState


@dataclass(frozen=True)
class PendingState:
    """A state as it was stored: where Strava sends the browser back, which browser, invited."""

    redirect_uri: str
    browser_hash: str | None
    invited: bool


def add(
    db: Database,
    state: str,
    pending: PendingState,
    now: datetime,
    *,
    expired_before: datetime,
) -> None:
    """Store a new state, dropping every state created before ``expired_before``."""
    with db.transaction() as session:
        session.execute(delete(OAuthState).where(OAuthState.created_at < expired_before))
        session.add(
            OAuthState(
                state=state,
                redirect_uri=pending.redirect_uri,
                browser_hash=pending.browser_hash,
                invited=pending.invited,
                created_at=now,
            )
        )


def take(
    db: Database,
    state: str,
    now: datetime,
    *,
    created_after: datetime,
    browser_hash: str | None,
) -> PendingState | None:
    """Mark the state used and return it; None if it is unknown, used, expired or another
    browser's (``browser_hash`` None: a flow with no browser binding, the CLI's loopback).

    One conditional UPDATE: of two requests racing with the same state only one gets it, and a
    request from the wrong browser does not use up the right browser's state.
    """
    with db.transaction() as session:
        taken = affected(
            session.execute(
                update(OAuthState)
                .where(
                    OAuthState.state == state,
                    OAuthState.used_at.is_(None),
                    OAuthState.created_at >= created_after,
                    OAuthState.browser_hash.is_not_distinct_from(browser_hash),
                )
                .values(used_at=now)
            )
        )
        row = session.get(OAuthState, state) if taken else None
        if row is None:
            return None
        return PendingState(row.redirect_uri, row.browser_hash, bool(row.invited))
