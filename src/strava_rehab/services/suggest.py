"""Automatic post-run suggestions: analyse, read the pain, decide, and deliver.

One pass over an athlete is idempotent by construction:
- findings and pain reports are recomputed from stored activities and replaced;
- a run's suggestion is decided again only when its inputs changed (``input_hash``), starting
  from the protocol states it started from the first time (``prior_states``);
- the description is re-read just before writing, our block is replaced (never appended), and a
  write happens only when the block differs from what is already there;
- a notification is enqueued once per suggestion text (the outbox's ``dedupe_key``).
A pass that dies halfway leaves nothing that the next pass does not finish or redo identically.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, select

from strava_rehab.content.knowledge import library, policy_of, vocabulary_with_hash
from strava_rehab.context import AppContext
from strava_rehab.db.models import (
    Activity,
    Athlete,
    FindingRow,
    PainReportRow,
    ProtocolStateRow,
    SuggestionRow,
)
from strava_rehab.db.records import finding_of, pain_of, pain_row, run_session
from strava_rehab.load import Finding, analyze
from strava_rehab.notify.outbox import enqueue
from strava_rehab.pain import parse_pain
from strava_rehab.rehab import (
    Decision,
    PainEntry,
    ProtocolState,
    Situation,
    decide,
    render_private,
    render_public,
)
from strava_rehab.services.deliver import deliver_description
from strava_rehab.settings import Settings
from strava_rehab.strava.errors import MissingScope, NotFound, RateLimitReached
from strava_rehab.text import description_block as blocks

log = logging.getLogger(__name__)

PAIN_HISTORY_DAYS = 42
# On the first sync, runs from the last few days get a suggestion too; older history does not,
# so connecting never floods months of old activities with text.
FIRST_SUGGESTION_LOOKBACK = timedelta(days=3)


@dataclass
class PostRunReport:
    athlete_id: int
    findings: int = 0
    pain_reports: int = 0
    decided: list[int] = field(default_factory=list)
    written: list[int] = field(default_factory=list)
    would_write: dict[int, str] = field(default_factory=dict)
    notified: int = 0
    error: str = ""

    def summary(self) -> str:
        text = (
            f"athlete {self.athlete_id}: {self.findings} findings, {self.pain_reports} pain "
            f"reports, {len(self.decided)} suggestions decided, {len(self.written)} descriptions "
            "written"
        )
        return text + (f"; stopped: {self.error}" if self.error else "")


def pain_texts(settings: Settings, row: Activity) -> dict[str, str]:
    """The runner's own words, by source; our block is never read back as their pain."""
    texts = {
        "private_note": row.private_note or "",
        "description": blocks.without_block(row.description),
        "title": row.name or "",
    }
    return {source: texts[source] for source in settings.pain_sources if texts[source].strip()}


def _window_start(ctx: AppContext, today: date) -> date:
    return today - timedelta(days=ctx.settings.detail_window_days)


def _finding_key(f: Finding) -> tuple[Any, ...]:
    return (
        f.activity_id,
        f.local_date,
        f.kind,
        f.band,
        f.severity,
        round(f.value, 6),
        None if f.reference is None else round(f.reference, 6),
        None if f.ratio is None else round(f.ratio, 6),
        f.hazard_ratio,
        f.explanation,
        f.source,
    )


def refresh_findings(ctx: AppContext, athlete_id: int, today: date) -> int:
    """Recompute the findings of the recent window (edits and deletes included).

    The analysis runs outside any write transaction, and the stored findings are rewritten
    only when they changed, so a pass with nothing new takes no write lock at all.
    """
    cutoff = _window_start(ctx, today)
    thresholds = ctx.settings.analysis
    since = cutoff - timedelta(days=thresholds.spike_window_days + 14)
    with ctx.db.read() as session:
        runs = [
            run_session(row)
            for row in session.scalars(
                select(Activity).where(
                    Activity.athlete_id == athlete_id,
                    Activity.counted.is_(True),
                    Activity.local_date >= since,
                )
            )
        ]
        stored = {
            _finding_key(finding_of(row))
            for row in session.scalars(
                select(FindingRow).where(
                    FindingRow.athlete_id == athlete_id, FindingRow.local_date >= cutoff
                )
            )
        }
    report = analyze(runs, as_of=max([today, *(r.local_date for r in runs)]), thresholds=thresholds)
    fresh = [f for f in report.findings if f.local_date >= cutoff]
    if {_finding_key(f) for f in fresh} == stored and len(fresh) == len(stored):
        return len(fresh)
    now = ctx.clock()
    with ctx.db.transaction() as session:
        session.execute(
            delete(FindingRow).where(
                FindingRow.athlete_id == athlete_id, FindingRow.local_date >= cutoff
            )
        )
        for f in fresh:
            session.add(
                FindingRow(
                    athlete_id=athlete_id,
                    activity_id=f.activity_id,
                    local_date=f.local_date,
                    kind=f.kind,
                    band=f.band,
                    severity=f.severity,
                    value=f.value,
                    reference=f.reference,
                    ratio=f.ratio,
                    hazard_ratio=f.hazard_ratio,
                    explanation=f.explanation,
                    source=f.source,
                    computed_at=now,
                )
            )
    return len(fresh)


def refresh_pain(ctx: AppContext, athlete_id: int, today: date) -> int:
    """Read pain from the recent activities' own text (hand-logged reports are kept).

    An activity is parsed again only when its text, the sources read or the vocabulary changed
    (``Activity.analysed_hash``), so re-running a pass writes nothing.
    """
    cutoff = _window_start(ctx, today)
    vocab, vocab_hash = vocabulary_with_hash(ctx.settings)
    with ctx.db.read() as session:
        rows = session.scalars(
            select(Activity).where(
                Activity.athlete_id == athlete_id,
                Activity.local_date >= cutoff,
                Activity.detail_hash.is_not(None),
            )
        ).all()
        work = []
        for row in rows:
            texts = pain_texts(ctx.settings, row)
            fingerprint = _hash([texts, vocab_hash])
            if fingerprint != row.analysed_hash:
                work.append((row.id, row.local_date, texts, fingerprint))
    if not work:
        return 0
    parsed = [
        (
            activity_id,
            day,
            fingerprint,
            [(source, r) for source, text in texts.items() for r in parse_pain(text, vocab)],
        )
        for activity_id, day, texts, fingerprint in work
    ]
    now = ctx.clock()
    count = 0
    with ctx.db.transaction() as session:
        for activity_id, day, fingerprint, reports in parsed:
            activity = session.get(Activity, activity_id)
            if activity is None:  # deleted meanwhile
                continue
            session.execute(
                delete(PainReportRow).where(
                    PainReportRow.activity_id == activity_id, PainReportRow.source != "cli"
                )
            )
            for source, report in reports:
                session.add(pain_row(athlete_id, activity_id, day, source, report, now))
                count += 1
            activity.analysed_hash = fingerprint
    return count


def _hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _eligible(ctx: AppContext, athlete: Athlete, today: date) -> list[Activity]:
    cutoff = _window_start(ctx, today)
    first_day = (athlete.connected_at - FIRST_SUGGESTION_LOOKBACK).date()
    with ctx.db.read() as session:
        return list(
            session.scalars(
                select(Activity)
                .where(
                    Activity.athlete_id == athlete.id,
                    Activity.counted.is_(True),
                    Activity.detail_hash.is_not(None),
                    Activity.local_date >= max(cutoff, first_day),
                )
                .order_by(Activity.start_utc)
            )
        )


def _situation(
    ctx: AppContext, activity: Activity, states: list[ProtocolState]
) -> tuple[Situation, str]:
    since = activity.local_date - timedelta(days=PAIN_HISTORY_DAYS)
    with ctx.db.read() as session:
        pain_rows = session.scalars(
            select(PainReportRow)
            .where(
                PainReportRow.athlete_id == activity.athlete_id,
                PainReportRow.local_date >= since,
                PainReportRow.local_date <= activity.local_date,
            )
            .order_by(PainReportRow.local_date, PainReportRow.id)
        ).all()
        finding_rows = session.scalars(
            select(FindingRow).where(
                FindingRow.athlete_id == activity.athlete_id,
                (FindingRow.activity_id == activity.id)
                | (
                    (FindingRow.local_date == activity.local_date)
                    & (FindingRow.kind == "weekly_progression")
                ),
            )
        ).all()
    today = [pain_of(r) for r in pain_rows if r.activity_id == activity.id]
    # A report logged by hand for the run's date counts as today's too.
    today += [
        pain_of(r)
        for r in pain_rows
        if r.activity_id is None and r.local_date == activity.local_date
    ]
    history = [
        PainEntry(local_date=r.local_date, activity_id=r.activity_id, report=pain_of(r))
        for r in pain_rows
        if r.activity_id != activity.id
        and not (r.activity_id is None and r.local_date == activity.local_date)
    ]
    findings = [finding_of(r) for r in finding_rows]
    situation = Situation(
        today=activity.local_date,
        activity_id=activity.id,
        pain_today=today,
        pain_history=history,
        findings=findings,
        states=states,
    )
    return situation, _hash(situation.model_dump(mode="json", exclude={"states"}))


def _current_states(ctx: AppContext, athlete_id: int) -> list[ProtocolState]:
    with ctx.db.read() as session:
        return [
            ProtocolState(
                protocol_id=r.protocol_id,
                phase=r.phase,
                started_on=r.started_on,
                last_full_on=r.last_full_on,
                last_score=r.last_score,
            )
            for r in session.scalars(
                select(ProtocolStateRow).where(ProtocolStateRow.athlete_id == athlete_id)
            )
        ]


def _save_decision(
    ctx: AppContext,
    activity: Activity,
    decision: Decision,
    prior: list[ProtocolState],
    input_hash: str,
) -> SuggestionRow:
    settings = ctx.settings
    public = render_public(
        decision,
        show_condition=settings.delivery.public_show_condition,
        show_score=settings.delivery.public_show_score,
        max_chars=settings.delivery.max_block_chars - 100,
    )
    private = render_private(decision)
    now = ctx.clock()
    with ctx.db.transaction() as session:
        row = session.scalar(select(SuggestionRow).where(SuggestionRow.activity_id == activity.id))
        if row is None:
            row = SuggestionRow(
                athlete_id=activity.athlete_id,
                activity_id=activity.id,
                created_at=now,
                delivered_hash="",
            )
            session.add(row)
        row.local_date = activity.local_date
        row.kind = decision.kind
        row.protocol_id = decision.protocol_id
        row.phase = decision.phase
        row.reason = "; ".join(decision.reasons)
        row.exercises = [p.name for p in decision.exercises]
        row.decision = decision.model_dump(mode="json")
        row.prior_states = [s.model_dump(mode="json") for s in prior]
        row.input_hash = input_hash
        row.public_text = public if decision.kind != "none" else ""
        row.private_text = private if decision.kind != "none" else ""
        row.updated_at = now
        if decision.next_state is not None:
            state = decision.next_state
            state_row = session.get(ProtocolStateRow, (activity.athlete_id, state.protocol_id))
            if state_row is None:
                state_row = ProtocolStateRow(
                    athlete_id=activity.athlete_id, protocol_id=state.protocol_id
                )
                session.add(state_row)
            state_row.phase = state.phase
            state_row.started_on = state.started_on
            state_row.last_full_on = state.last_full_on
            state_row.last_score = state.last_score
            state_row.updated_at = now
        if decision.kind != "none":
            enqueue(
                session,
                athlete_id=activity.athlete_id,
                dedupe_key=f"suggestion:{activity.id}:{_hash(private)[:16]}",
                kind="suggestion",
                title=f"strava-rehab: {activity.name or 'your run'} ({activity.local_date})",
                body=private
                + f"\n\nView on Strava: https://www.strava.com/activities/{activity.id}"
                "\nPowered by Strava",
                now=now,
            )
        session.flush()
        session.expunge(row)
        return row


def decide_suggestions(ctx: AppContext, athlete: Athlete, today: date) -> list[SuggestionRow]:
    """Decide (or reuse) the suggestion of every eligible run, oldest first."""
    lib = library()
    policy = policy_of(ctx.settings)
    rows: list[SuggestionRow] = []
    for activity in _eligible(ctx, athlete, today):
        with ctx.db.read() as session:
            existing = session.scalar(
                select(SuggestionRow).where(SuggestionRow.activity_id == activity.id)
            )
            if existing is not None:
                session.expunge(existing)
        if existing is not None:
            prior = [ProtocolState.model_validate(s) for s in existing.prior_states]
        else:
            prior = _current_states(ctx, athlete.id)
        situation, input_hash = _situation(ctx, activity, prior)
        if existing is not None and existing.input_hash == input_hash:
            rows.append(existing)
            continue
        decision = decide(situation, lib, policy)
        rows.append(_save_decision(ctx, activity, decision, prior, input_hash))
    return rows


def process_athlete(ctx: AppContext, athlete_id: int, *, dry_run: bool = False) -> PostRunReport:
    report = PostRunReport(athlete_id)
    today = ctx.clock().date()
    with ctx.db.transaction() as session:
        athlete = session.get(Athlete, athlete_id)
        if athlete is not None:
            session.expunge(athlete)
    if athlete is None or athlete.status != "connected":
        report.error = "not connected"
        return report
    report.findings = refresh_findings(ctx, athlete_id, today)
    report.pain_reports = refresh_pain(ctx, athlete_id, today)
    suggestions = decide_suggestions(ctx, athlete, today)
    report.decided = [s.activity_id for s in suggestions]
    can_write = "activity:write" in athlete.scopes.split(",")
    if not (ctx.settings.delivery.write_description and can_write):
        return report
    for suggestion in suggestions:
        try:
            written = deliver_description(ctx, suggestion, dry_run=dry_run)
        except NotFound:
            continue
        except MissingScope:
            log.warning("athlete %s has not granted activity:write; not writing", athlete_id)
            break
        except RateLimitReached as exc:
            report.error = str(exc)
            break
        if written is not None:
            if dry_run:
                report.would_write[suggestion.activity_id] = written
            else:
                report.written.append(suggestion.activity_id)
    log.info("post-run %s", report.summary())
    return report
