"""Writing our block into the athlete's own activity description, and recording it."""

from __future__ import annotations

from strava_rehab.context import AppContext
from strava_rehab.db.models import Activity, Delivery, SuggestionRow
from strava_rehab.services import connect as athletes
from strava_rehab.text import description_block as blocks

UNDONE = "undone:"


def deliver_description(
    ctx: AppContext, suggestion: SuggestionRow, *, dry_run: bool = False
) -> str | None:
    """Write the suggestion's block into the description; returns the new text if it changed."""
    settings = ctx.settings
    body = suggestion.public_text if suggestion.kind != "none" else ""
    block = blocks.render_block(body, settings.delivery.max_block_chars) if body else None
    wanted = blocks.block_hash(block)
    if suggestion.delivered_hash in (wanted, UNDONE + wanted):
        return None
    api = ctx.athlete_api(athletes.access_token(ctx, suggestion.athlete_id))
    current = api.activity(suggestion.activity_id)  # re-read: the runner may have just edited it
    description = current.get("description") or ""
    if blocks.has_opt_out(settings.delivery.opt_out_tag, current.get("name"), description):
        return None
    merged = blocks.merge(description, block)
    if dry_run:
        return merged if merged != description else None
    changed = merged != description
    if changed:
        api.update_description(suggestion.activity_id, merged)
    now = ctx.clock()
    with ctx.db.transaction() as session:
        row = session.get(SuggestionRow, suggestion.id)
        if row is not None:
            row.delivered_hash = wanted
        activity = session.get(Activity, suggestion.activity_id)
        if activity is not None:
            activity.description = merged
        if changed:
            session.add(
                Delivery(
                    athlete_id=suggestion.athlete_id,
                    activity_id=suggestion.activity_id,
                    channel="description",
                    action="write" if block else "remove",
                    text=block or "",
                    created_at=now,
                )
            )
    return merged if changed else None
