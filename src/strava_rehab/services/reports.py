"""What the runner and the operator read: the analysis, the pain log, suggestions, the install.

Read-only use cases for the entry points: each asks the storage gateway and returns models or
plain data, so the CLI and the web app only parse, call and print.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

from strava_rehab.context import AppContext
from strava_rehab.db import gateway
from strava_rehab.db.models import Activity, SuggestionRow
from strava_rehab.load import LoadReport, analyze
from strava_rehab.redact import mask_subscription
from strava_rehab.services import connect, inbox, scheduling, subscription
from strava_rehab.strava.activity import zone_named
from strava_rehab.strava.rate_budget import DatabaseRateBudget
from strava_rehab.worker import health_path


def analysis(ctx: AppContext, athlete_id: int, as_of: date) -> LoadReport:
    """The load analysis of every counted run up to ``as_of``."""
    runs = gateway.counted_runs(ctx.db, athlete_id, until=as_of)
    return analyze(runs, as_of=as_of, thresholds=ctx.settings.analysis)


def pain_log(ctx: AppContext, athlete_ids: list[int]) -> list[gateway.StoredPain]:
    return gateway.pain_log(ctx.db, athlete_ids)


def suggestions(ctx: AppContext, athlete_ids: list[int]) -> list[SuggestionRow]:
    return gateway.suggestions_of(ctx.db, athlete_ids)


def activities(ctx: AppContext, athlete_ids: list[int], limit: int) -> list[Activity]:
    return gateway.activities_of(ctx.db, athlete_ids, limit)


def activity_count(ctx: AppContext, athlete_id: int) -> int:
    return gateway.activity_count(ctx.db, athlete_id)


def _zone_key(stored: str | None) -> str | None:
    zone = zone_named(stored)
    return str(zone) if zone is not None else None


def athletes_overview(ctx: AppContext) -> list[dict[str, Any]]:
    """Each athlete with their scopes and sync state."""
    now = ctx.clock()
    return [
        {
            "athlete_id": a.id,
            "name": f"{a.firstname} {a.lastname}".strip(),
            "status": connect.standing(a, now)[0],
            "message": connect.standing(a, now)[1],
            "scopes": a.scopes.split(","),
            "last_sync_at": state.last_sync_at if state else None,
            "resume_at": state.resume_at if state else None,
            "last_error": state.last_error if state else "",
            # Where the athlete last ran (IANA key), for times shown in their own zone.
            "timezone": _zone_key(gateway.latest_activity_timezone(ctx.db, a.id)),
        }
        for a, state in gateway.athletes_with_sync_state(ctx.db)
    ]


def rotate_keys(ctx: AppContext) -> int:
    """Re-encrypt every stored token under the newest key; returns how many athletes."""
    return gateway.rotate_tokens(ctx.db, ctx.vault)


def install_status(ctx: AppContext) -> dict[str, Any]:
    """Athletes, Strava rate budget, inbox, outbox, subscription and worker health."""
    counts = gateway.counts(ctx.db)
    budget = DatabaseRateBudget(ctx.db, ctx.settings.rate_safety_margin).snapshot(ctx.clock())
    health_file = health_path(ctx)
    health = json.loads(health_file.read_text()) if health_file.exists() else None
    return {
        "athletes": dict(
            Counter(connect.standing(a, ctx.clock())[0] for a in gateway.all_athletes(ctx.db))
        ),
        "max_athletes": ctx.settings.max_athletes,
        "rate_budget": {name: {"used": u, "limit": lim} for name, (u, lim) in budget.items()},
        "inbox_pending": counts.inbox_pending,
        "outbox": dict(counts.outbox),
        # The callback URL carries the path token that authenticates Strava: never show it.
        "subscription": mask_subscription(subscription.stored_subscription(ctx)),
        "worker_health": health,
        "webhook_ignored": inbox.ignored_counts(ctx),
        # Webhooks first, polling as the safety net: each athlete's next listing and why.
        "sync_modes": [
            {
                "athlete_id": s.athlete_id,
                "mode": s.mode,
                "next_listing_at": s.due_at,
                "reason": s.reason,
            }
            for s in scheduling.schedules(ctx, ctx.clock())
        ],
    }
