"""Taking our text back out of descriptions, leaving every other byte as it was.

An undone suggestion is remembered (``delivered_hash = "undone:<hash>"``), so the next worker
cycle does not write the same block again; a new suggestion (new pain, new run) still can.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from strava_rehab.context import AppContext
from strava_rehab.db.models import Activity, Delivery, SuggestionRow
from strava_rehab.services import connect as athletes
from strava_rehab.services.deliver import UNDONE
from strava_rehab.strava.errors import NotFound
from strava_rehab.text import description_block as blocks


@dataclass(frozen=True)
class UndoResult:
    activity_id: int
    outcome: str


def _targets(
    ctx: AppContext, athlete_ids: list[int], activity_id: int | None
) -> list[tuple[int, int]]:
    with ctx.db.read() as session:
        if activity_id is not None:
            row = session.get(Activity, activity_id)
            owner = row.athlete_id if row else None
            if owner is None:
                delivered = session.scalar(
                    select(Delivery.athlete_id).where(Delivery.activity_id == activity_id).limit(1)
                )
                owner = delivered
            if owner is None or owner not in athlete_ids:
                return []
            return [(owner, activity_id)]
        written = session.execute(
            select(Delivery.athlete_id, Delivery.activity_id)
            .where(Delivery.athlete_id.in_(athlete_ids), Delivery.channel == "description")
            .distinct()
        ).all()
        return sorted({(a, b) for a, b in written if b is not None})


def undo_blocks(
    ctx: AppContext, *, athlete_ids: list[int], activity_id: int | None, dry_run: bool = False
) -> list[UndoResult]:
    results = []
    for owner, target in _targets(ctx, athlete_ids, activity_id):
        api = ctx.athlete_api(athletes.access_token(ctx, owner))
        try:
            current = api.activity(target)
        except NotFound:
            results.append(UndoResult(target, "not found at Strava (deleted?)"))
            continue
        description = current.get("description") or ""
        block = blocks.our_block(description)
        if block is None:
            results.append(UndoResult(target, "no strava-rehab block"))
            continue
        restored = blocks.remove(description)
        if dry_run:
            results.append(UndoResult(target, f"would restore to {restored!r}"))
            continue
        api.update_description(target, restored)
        with ctx.db.transaction() as session:
            session.add(
                Delivery(
                    athlete_id=owner,
                    activity_id=target,
                    channel="description",
                    action="undo",
                    text=block,
                    created_at=ctx.clock(),
                )
            )
            suggestion = session.scalar(
                select(SuggestionRow).where(SuggestionRow.activity_id == target)
            )
            if suggestion is not None:
                suggestion.delivered_hash = UNDONE + blocks.block_hash(block)
            activity = session.get(Activity, target)
            if activity is not None:
                activity.description = restored
        results.append(UndoResult(target, "removed our block"))
    return results
