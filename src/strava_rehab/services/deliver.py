"""Our block in the athlete's own activity descriptions: written after a run, removed on undo.

Both go through one writer (``DescriptionWriter._rewrite``): take the description (our stored
copy when it is younger than ``delivery.reread_after_s``, else a fresh GET: the runner may have
edited it since), change only our block, PUT it if it changed, and record what the PUT answered
(the updated activity, so no GET follows). A new run therefore costs one GET (the detail, when
its event arrived) and one PUT.

No churn (``quota.churn``): a block already delivered is PUT again only when the run's own
decision changed (advice, protocol, phase, red flag, region, exercises, its own findings), never
because a rolling figure in its text moved (a second run the same day changes "this week: 42 km").
An undone suggestion is remembered (``delivered_hash = "undone:<hash>"``), so the next worker
cycle does not write the same block again; a new suggestion (new pain, new run) still can.

Several processes (workers, ``serve``, ``undo``) may reach one activity at once, so a write
first claims the activity in the database (a lease ``description:<id>``, ``db/leases.py``), then
re-reads the suggestion (the copy in hand may predate another process's write), and releases
the claim when done. A process that finds the activity claimed leaves it to the holder, which
looks at the suggestion once more after releasing, so a newer version saved meanwhile is still
written. A holder killed mid-write delays that activity until its lease runs out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from strava_rehab.context import AppContext
from strava_rehab.db import gateway, leases
from strava_rehab.db.engine import Database
from strava_rehab.db.models import SuggestionRow
from strava_rehab.quota.churn import RunDecisionFacts, should_rewrite_earlier
from strava_rehab.services import connect as athletes
from strava_rehab.strava.api import AthleteApi
from strava_rehab.strava.errors import NotFound
from strava_rehab.text import description_block as blocks

log = logging.getLogger(__name__)

UNDONE = "undone:"
# Longer than a GET and a PUT can take with their retries and a rate-limit wait.
DESCRIPTION_LEASE = timedelta(minutes=5)
# A newer suggestion saved while we wrote the previous one is written in the same call.
MAX_ROUNDS = 3
BUSY = "another process is writing this description right now; try again in a few minutes"


@dataclass(frozen=True)
class UndoResult:
    activity_id: int
    outcome: str


@dataclass(frozen=True)
class Rewrite:
    """What one pass of the writer saw and did."""

    before: str
    after: str
    block: str | None
    changed: bool
    skipped: str = ""


@dataclass(frozen=True)
class DescriptionWriter:
    db: Database
    api_for: Callable[[int], AthleteApi]
    clock: Callable[[], datetime]
    opt_out_tag: str
    max_block_chars: int
    # Our stored copy of a description younger than this is trusted instead of a fresh GET.
    reread_after: timedelta = timedelta(0)

    @contextmanager
    def _claimed(self, activity_id: int) -> Iterator[bool]:
        """Hold the activity's description claim for the block; yields False if another has it."""
        name, owner = f"description:{activity_id}", leases.new_owner()
        taken = leases.take(self.db, name, owner=owner, now=self.clock(), lease=DESCRIPTION_LEASE)
        if not taken.won:
            log.info("activity %s: being written by %s; left to it", activity_id, taken.holder)
            yield False
            return
        try:
            yield True
        finally:
            leases.release(self.db, name, owner=owner)

    def _rewrite(
        self,
        athlete_id: int,
        activity_id: int,
        block: str | None,
        mode: Literal["write", "undo"],
        *,
        dry_run: bool,
        facts: dict[str, Any] | None = None,
    ) -> Rewrite:
        """Re-read, set our block (``mode="undo"`` removes it), PUT if changed, record."""
        api = self.api_for(athlete_id)
        current = self._current(api, activity_id, fresh=mode == "undo")
        description = current.get("description") or ""
        if mode == "write" and blocks.has_opt_out(
            self.opt_out_tag, current.get("name"), description
        ):
            return Rewrite(description, description, block, False, skipped="opt-out")
        if mode == "undo":
            block = blocks.our_block(description)
            if block is None:
                return Rewrite(description, description, None, False, skipped="no block")
        merged = blocks.merge(description, block if mode == "write" else None)
        changed = merged != description
        if dry_run:
            return Rewrite(description, merged, block, changed, skipped="dry run")
        if changed:
            answer = api.update_description(activity_id, merged)
            # The PUT answers with the updated activity: that is what Strava now holds.
            stored = answer.get("description")
            merged = stored if isinstance(stored, str) else merged
        action: str | None = "undo"
        if mode == "undo":
            delivered = UNDONE + blocks.block_hash(block)
        else:
            delivered = blocks.block_hash(block)
            action = ("write" if block else "remove") if changed else None
        gateway.record_description(
            self.db,
            athlete_id=athlete_id,
            activity_id=activity_id,
            description=merged,
            delivered_hash=delivered,
            action=action,
            block=block or "",
            now=self.clock(),
            delivered_facts=facts,
            undone=mode == "undo",
        )
        return Rewrite(description, merged, block, changed)

    def _current(self, api: AthleteApi, activity_id: int, *, fresh: bool) -> dict[str, Any]:
        """The activity's name and description: our copy if young enough, else one GET."""
        if not fresh and self.reread_after > timedelta(0):
            copy = gateway.description_copy(self.db, activity_id)
            if copy is not None and self.clock() - copy.fetched_at <= self.reread_after:
                return {"name": copy.name, "description": copy.description}
        return api.activity(activity_id)

    @staticmethod
    def _own_decision_unchanged(suggestion: SuggestionRow) -> bool:
        """A block was delivered (or undone) and the run's own decision is the same since."""
        if not suggestion.delivered_hash or suggestion.delivered_facts is None:
            return False  # never delivered (the new run), or delivered before facts were kept
        if suggestion.decision_facts is None:
            return False
        delivered = RunDecisionFacts.model_validate(suggestion.delivered_facts)
        current = RunDecisionFacts.model_validate(suggestion.decision_facts)
        # An undo is the runner's choice, kept until the advice itself changes.
        current = current.model_copy(update={"undone": delivered.undone})
        return not should_rewrite_earlier(delivered, current).rewrite

    def _wanted(self, suggestion: SuggestionRow) -> tuple[str | None, bool]:
        """The block the suggestion asks for, and whether it is already delivered (or undone)."""
        body = suggestion.public_text if suggestion.kind != "none" else ""
        block = blocks.render_block(body, self.max_block_chars) if body else None
        wanted = blocks.block_hash(block)
        return block, suggestion.delivered_hash in (wanted, UNDONE + wanted)

    def deliver(self, suggestion: SuggestionRow, *, dry_run: bool = False) -> str | None:
        """Write the suggestion's block into the description; returns the new text if it changed."""
        block, delivered = self._wanted(suggestion)
        if delivered or self._own_decision_unchanged(suggestion):
            return None
        if dry_run:
            done = self._rewrite(
                suggestion.athlete_id, suggestion.activity_id, block, "write", dry_run=True
            )
            return done.after if done.changed and done.skipped != "opt-out" else None
        written: str | None = None
        for _ in range(MAX_ROUNDS):
            with self._claimed(suggestion.activity_id) as ours:
                if not ours:
                    return written  # the holder looks again after releasing
                # Re-read under the claim: another process may have written it meanwhile.
                current = gateway.suggestion_for(self.db, suggestion.activity_id)
                if current is None:
                    return written
                block, delivered = self._wanted(current)
                if delivered or self._own_decision_unchanged(current):
                    return written
                done = self._rewrite(
                    current.athlete_id,
                    current.activity_id,
                    block,
                    "write",
                    dry_run=False,
                    facts=current.decision_facts,
                )
                if done.skipped == "opt-out":
                    return written
                if done.changed:
                    written = done.after
            # Released: a newer suggestion saved while we held the claim was left to us.
            current = gateway.suggestion_for(self.db, suggestion.activity_id)
            if current is None or self._wanted(current)[1] or self._own_decision_unchanged(current):
                return written
        return written

    def undo(
        self, athlete_ids: list[int], activity_id: int | None, *, dry_run: bool = False
    ) -> list[UndoResult]:
        """Take our block back out, leaving every other byte of the description as it was."""
        results = []
        for owner, target in gateway.description_targets(self.db, athlete_ids, activity_id):
            try:
                if dry_run:
                    done = self._rewrite(owner, target, None, "undo", dry_run=True)
                else:
                    with self._claimed(target) as ours:
                        if not ours:
                            results.append(UndoResult(target, BUSY))
                            continue
                        done = self._rewrite(owner, target, None, "undo", dry_run=False)
            except NotFound:
                results.append(UndoResult(target, "not found at Strava (deleted?)"))
                continue
            if done.skipped == "no block":
                results.append(UndoResult(target, "no strava-rehab block"))
            elif dry_run:
                results.append(UndoResult(target, f"would restore to {done.after!r}"))
            else:
                results.append(UndoResult(target, "removed our block"))
        return results


def writer_for(ctx: AppContext) -> DescriptionWriter:
    return DescriptionWriter(
        db=ctx.db,
        api_for=lambda athlete_id: ctx.athlete_api(athletes.access_token(ctx, athlete_id)),
        clock=ctx.clock,
        opt_out_tag=ctx.settings.delivery.opt_out_tag,
        max_block_chars=ctx.settings.delivery.max_block_chars,
        reread_after=timedelta(seconds=ctx.settings.delivery.reread_after_s),
    )


def writes_descriptions(ctx: AppContext, athlete_id: int) -> bool:
    """The runner's own choice (their page): not paused, and not notifications only."""
    choices = gateway.runner_choices(ctx.db, athlete_id)
    return not (choices.write_back_paused or choices.destination == "notification")


def deliver_description(
    ctx: AppContext,
    suggestion: SuggestionRow,
    *,
    dry_run: bool = False,
    writer: DescriptionWriter | None = None,
) -> str | None:
    """Write one suggestion's block, if the runner wants descriptions written (a pass over
    many runs asks ``writes_descriptions`` once and passes its ``writer_for``)."""
    if writer is None:
        if not writes_descriptions(ctx, suggestion.athlete_id):
            return None
        writer = writer_for(ctx)
    return writer.deliver(suggestion, dry_run=dry_run)


def undo_blocks(
    ctx: AppContext, *, athlete_ids: list[int], activity_id: int | None, dry_run: bool = False
) -> list[UndoResult]:
    return writer_for(ctx).undo(athlete_ids, activity_id, dry_run=dry_run)
