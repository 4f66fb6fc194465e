"""Helpers for the runner's-page tests (requests and browser alike): runs, rows, forms."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import requests
from sqlalchemy import func, inspect, select

from strava_rehab.context import AppContext
from strava_rehab.db.models import (
    Activity,
    Athlete,
    Base,
    Delivery,
    FindingRow,
    PainReportRow,
    SuggestionRow,
    WebhookEvent,
)
from strava_rehab.sandbox import Sandbox
from strava_rehab.text.description_block import START

# The shortest detail window (7 days): fewer detail reads per sync, the same page and plan.
FAST_WINDOW = 7
SHIN_NOTE = "Evening loop by the river 🌙\nleft shin sore 4/10 during the last 2k  "


def pain_run(sb: Sandbox, athlete_id: int, note: str = SHIN_NOTE) -> int:
    run = sb.add_activity(
        athlete_id,
        name="Evening Run",
        sport_type="Run",
        distance=8200.0,
        moving_time=2820,
        description=note,
    )
    return int(run["id"])


def sign_in(url: str) -> requests.Session:
    """The runner connects (which signs them in) with the sandbox's current athlete."""
    http = requests.Session()
    response = http.get(url + "/connect", timeout=10)
    assert response.status_code == 200 and "Connected" in response.text, response.text
    return http


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def blocks_in_sandbox(sb: Sandbox, athlete_id: int) -> dict[int, str]:
    return {
        int(a["id"]): a["description"]
        for a in sb.activities(athlete_id)
        if START in (a.get("description") or "")
    }


def _plain(value: Any) -> Any:
    # The test's own reading of "JSON-safe": ISO text for dates and times.
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def database_rows(ctx: AppContext, athlete_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every column of the athlete's rows, per export kind, straight from the tables."""
    tables: dict[str, tuple[Any, tuple[Any, ...]]] = {
        "activities": (Activity, (Activity.start_utc, Activity.id)),
        "pain_reports": (PainReportRow, (PainReportRow.local_date, PainReportRow.id)),
        "findings": (FindingRow, (FindingRow.local_date, FindingRow.id)),
        "suggestions": (SuggestionRow, (SuggestionRow.local_date, SuggestionRow.id)),
        "deliveries": (Delivery, (Delivery.id,)),
    }
    out: dict[str, list[dict[str, Any]]] = {}
    with ctx.db.read() as session:
        for kind, (model, order) in tables.items():
            names = [c.key for c in inspect(model).columns]
            rows = session.scalars(
                select(model).where(model.athlete_id == athlete_id).order_by(*order)
            )
            out[kind] = [{n: _plain(getattr(r, n)) for n in names} for r in rows]
    return out


def rows_about(ctx: AppContext, athlete_id: int) -> dict[str, int]:
    """How many rows of every table mention the athlete (by athlete_id, owner_id or id)."""
    found: dict[str, int] = {}
    with ctx.db.read() as session:
        for table in Base.metadata.sorted_tables:
            for column_name in ("athlete_id", "owner_id"):
                if column_name in table.c:
                    count = session.scalar(
                        select(func.count())
                        .select_from(table)
                        .where(table.c[column_name] == athlete_id)
                    )
                    found[f"{table.name}.{column_name}"] = int(count or 0)
        found["athletes.id"] = int(
            session.scalar(
                select(func.count()).select_from(Athlete).where(Athlete.id == athlete_id)
            )
            or 0
        )
        found["webhook_events.object_id"] = int(
            session.scalar(
                select(func.count())
                .select_from(WebhookEvent)
                .where(WebhookEvent.object_type == "athlete", WebhookEvent.object_id == athlete_id)
            )
            or 0
        )
    return found
