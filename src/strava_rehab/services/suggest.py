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

from strava_rehab.content.knowledge import library, pain_languages_with_hash, policy_of
from strava_rehab.content.translations import AVAILABLE_LANGUAGES
from strava_rehab.content.translations import voice as load_voice
from strava_rehab.context import AppContext
from strava_rehab.db import gateway
from strava_rehab.db.models import (
    Activity,
    Athlete,
    SuggestionRow,
)
from strava_rehab.load import Finding, LoadThresholds, RunSession, analyze, daily_distance_km
from strava_rehab.pain import PainLanguages
from strava_rehab.quota.churn import facts_from_decision
from strava_rehab.rehab import (
    Decision,
    PainEntry,
    ProtocolState,
    Situation,
    decide,
    render_private,
    render_public,
)
from strava_rehab.rehab.policy import FIRST_SUGGESTION_LOOKBACK
from strava_rehab.services.deliver import deliver_description, writer_for, writes_descriptions
from strava_rehab.settings import Settings
from strava_rehab.strava.errors import MissingScope, NotFound, RateLimitReached
from strava_rehab.text import description_block as blocks
from strava_rehab.text.notification import notification_text
from strava_rehab.text.voice import Voice

log = logging.getLogger(__name__)

PAIN_HISTORY_DAYS = 42
# Situation.recent_weekly_km: the larger of the last 7 days' total and the weekly mean of the
# last 28 days, so both a steady high-mileage runner and a sudden big week count as high.
WEEKLY_KM_DAYS = 28


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


def refresh_findings(ctx: AppContext, athlete_id: int, today: date) -> int:
    """Recompute the findings of the recent window (edits and deletes included).

    The analysis runs outside any write transaction, and the stored findings are rewritten
    only when they changed, so a pass with nothing new takes no write lock at all.
    """
    cutoff = _window_start(ctx, today)
    thresholds = ctx.settings.analysis
    since = cutoff - timedelta(days=thresholds.spike_window_days + 14)
    runs = gateway.counted_runs(ctx.db, athlete_id, since=since)
    stored = {gateway.finding_key(f) for f in gateway.findings_since(ctx.db, athlete_id, cutoff)}
    report = analyze(runs, as_of=max([today, *(r.local_date for r in runs)]), thresholds=thresholds)
    fresh = [f for f in report.findings if f.local_date >= cutoff]
    if {gateway.finding_key(f) for f in fresh} == stored and len(fresh) == len(stored):
        return len(fresh)
    gateway.replace_findings(ctx.db, athlete_id, cutoff, fresh, ctx.clock())
    return len(fresh)


def refresh_pain(ctx: AppContext, athlete_id: int, today: date) -> int:
    """Read pain from the recent activities' own text (hand-logged reports are kept).

    An activity is parsed again only when its text, the sources read or the vocabulary changed
    (``Activity.analysed_hash``), so re-running a pass writes nothing.
    """
    cutoff = _window_start(ctx, today)
    vocab, vocab_hash = pain_languages_with_hash(ctx.settings)
    work = []
    for row in gateway.detailed_activities_since(ctx.db, athlete_id, cutoff):
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
            [(source, r) for source, text in texts.items() for r in vocab.read(text).reports],
        )
        for activity_id, day, texts, fingerprint in work
    ]
    return gateway.replace_activity_pain(ctx.db, athlete_id, parsed, ctx.clock())


def _hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _eligible(ctx: AppContext, athlete: Athlete, today: date) -> list[Activity]:
    cutoff = _window_start(ctx, today)
    first_day = (athlete.connected_at - FIRST_SUGGESTION_LOOKBACK).date()
    return gateway.suggestable_runs(ctx.db, athlete.id, max(cutoff, first_day))


def recent_weekly_km(
    runs: list[RunSession], activity: Activity, thresholds: LoadThresholds
) -> float:
    """The runner's own recent weekly km as of this run: runs that started later do not count
    (a second run that day must not change what the first one was decided on)."""
    end = activity.local_date
    start = end - timedelta(days=WEEKLY_KM_DAYS - 1)
    before = [r for r in runs if r.start_utc <= activity.start_utc]
    daily = daily_distance_km(before, start, end, thresholds=thresholds)
    return round(max(sum(daily[-7:]), sum(daily) * 7 / WEEKLY_KM_DAYS), 1)


# A note's unread fragments, by (text, vocabulary hash): every pass re-builds every eligible
# run's situation, and a note only needs reading once per process.
_UNREAD: dict[tuple[str, str], tuple[str, ...]] = {}
_UNREAD_MAX = 4096


def _unread_in(text: str, vocab: PainLanguages, vocab_hash: str) -> tuple[str, ...]:
    """What looked like pain in the text but was not understood (``read_note(...).unread``),
    less the unknown body parts the pain reports already carry (the decision names those)."""
    key = (text, vocab_hash)
    found = _UNREAD.get(key)
    if found is None:
        reading = vocab.read(text)
        reported = {r.text for r in reading.reports if r.region is None and not r.negated}
        found = tuple(fragment for fragment in reading.unread if fragment not in reported)
        if len(_UNREAD) >= _UNREAD_MAX:
            _UNREAD.clear()
        _UNREAD[key] = found
    return found


def unread_notes(ctx: AppContext, activity: Activity) -> list[str]:
    """The run's own text that could not be read, for the runner's notification."""
    vocab, vocab_hash = pain_languages_with_hash(ctx.settings)
    fragments = [
        fragment
        for text in pain_texts(ctx.settings, activity).values()
        for fragment in _unread_in(text, vocab, vocab_hash)
    ]
    return list(dict.fromkeys(fragments))


@dataclass(frozen=True)
class PassFacts:
    """What one pass decides its runs on, read once for all of them (three queries, not three
    per run): the pain reports of the window, the findings and the stored suggestion of each
    run."""

    pain: list[gateway.StoredPain]
    findings: dict[int, list[Finding]]
    suggestions: dict[int, SuggestionRow]

    @classmethod
    def read(cls, ctx: AppContext, athlete_id: int, eligible: list[Activity]) -> PassFacts:
        if not eligible:
            return cls([], {}, {})
        first = min(a.local_date for a in eligible) - timedelta(days=PAIN_HISTORY_DAYS)
        last = max(a.local_date for a in eligible)
        return cls(
            pain=gateway.pain_between(ctx.db, athlete_id, first, last),
            findings=gateway.findings_for_runs(ctx.db, athlete_id, eligible),
            suggestions=gateway.suggestions_for(ctx.db, [a.id for a in eligible]),
        )


def _situation(
    ctx: AppContext,
    activity: Activity,
    states: list[ProtocolState],
    runs: list[RunSession],
    known: PassFacts,
) -> tuple[Situation, str]:
    since = activity.local_date - timedelta(days=PAIN_HISTORY_DAYS)
    pain = [p for p in known.pain if since <= p.local_date <= activity.local_date]
    today = [p.report for p in pain if p.activity_id == activity.id]
    # A report logged by hand for the run's date counts as today's too.
    today += [
        p.report for p in pain if p.activity_id is None and p.local_date == activity.local_date
    ]
    history = [
        PainEntry(local_date=p.local_date, activity_id=p.activity_id, report=p.report)
        for p in pain
        if p.activity_id != activity.id
        and not (p.activity_id is None and p.local_date == activity.local_date)
    ]
    # Pain still there this morning, logged by hand on the run's day, is also the verdict on the
    # day before (Silbernagel 2007: had it settled by the next morning?). The rules only read
    # the worst of today's reports, so it goes among the earlier entries too, after that day's
    # runs: there it breaks a series of calm entries, and a runner sore every morning does not
    # move on because each evening's run felt fine.
    history += [
        PainEntry(
            local_date=activity.local_date - timedelta(days=1), activity_id=None, report=p.report
        )
        for p in pain
        if p.activity_id is None
        and p.local_date == activity.local_date
        and p.report.timing == "next_morning"
    ]
    history.sort(key=lambda entry: entry.local_date)  # stable: a day's own order is kept
    findings = known.findings[activity.id]
    situation = Situation(
        today=activity.local_date,
        activity_id=activity.id,
        pain_today=today,
        pain_history=history,
        findings=findings,
        states=states,
        recent_weekly_km=recent_weekly_km(runs, activity, ctx.settings.analysis),
        unread_notes=unread_notes(ctx, activity),
    )
    return situation, _hash(situation.model_dump(mode="json", exclude={"states"}))


# A note's language, by (text, vocabulary hash): like ``_UNREAD``, once per process.
_NOTE_LANGUAGE: dict[tuple[str, str], str | None] = {}


def note_language(ctx: AppContext, activity: Activity) -> str | None:
    """The language the run's own text is written in, when one vocabulary alone reads it."""
    vocab, vocab_hash = pain_languages_with_hash(ctx.settings)
    found: set[str] = set()
    for text in pain_texts(ctx.settings, activity).values():
        key = (text, vocab_hash)
        if key not in _NOTE_LANGUAGE:
            if len(_NOTE_LANGUAGE) >= _UNREAD_MAX:
                _NOTE_LANGUAGE.clear()
            _NOTE_LANGUAGE[key] = vocab.language_of(text)
        language = _NOTE_LANGUAGE[key]
        if language is not None:
            found.add(language)
    return found.pop() if len(found) == 1 else None


def runner_voice(
    ctx: AppContext,
    locale: gateway.RunnerLocale,
    note_lang: str | None = None,
) -> Voice:
    """The runner's units (their choice, else Strava's preference) and language (their choice;
    "auto": the note's own language when it is clearly one we ship, else the install's)."""
    language = locale.language
    if language == "auto" or language not in AVAILABLE_LANGUAGES:
        shipped = note_lang is not None and note_lang in AVAILABLE_LANGUAGES
        language = note_lang if note_lang is not None and shipped else ctx.settings.language
    return load_voice(language, locale.unit_system)


def _save_decision(
    ctx: AppContext,
    activity: Activity,
    decision: Decision,
    prior: list[ProtocolState],
    input_hash: str,
    situation: Situation,
    voice: Voice,
) -> SuggestionRow:
    settings = ctx.settings
    public = render_public(
        decision,
        show_condition=settings.delivery.public_show_condition,
        show_score=settings.delivery.public_show_score,
        max_chars=settings.delivery.max_block_chars - 100,
        voice=voice,
    )
    private = render_private(decision, voice)
    # Nothing to suggest is still worth a message when part of the note could not be read:
    # a note we did not understand is never dropped without telling the runner.
    notify = decision.kind != "none" or bool(decision.unread)
    message = None
    # A runner who chose "description only" on their page gets no notification.
    wanted = gateway.runner_choices(ctx.db, activity.athlete_id).destination != "description"
    if notify and wanted:
        title, body = notification_text(
            decision.kind,
            private,
            run_name=activity.name,
            local_date=activity.local_date,
            activity_id=activity.id,
            voice=voice,
        )
        message = gateway.Message(
            dedupe_key=f"suggestion:{activity.id}:{_hash(private)[:16]}",
            kind="suggestion",
            title=title,
            body=body,
        )
    return gateway.save_suggestion(
        ctx.db,
        activity,
        decision,
        prior,
        input_hash,
        public_text=public if decision.kind != "none" else "",
        private_text=private if notify else "",
        message=message,
        now=ctx.clock(),
        decision_facts=facts_from_decision(
            decision,
            activity.id,
            situation.findings,
            bands=(
                settings.rehab.safe_pain,
                settings.rehab.acceptable_pain,
                settings.rehab.red_flag_score,
            ),
        ).model_dump(mode="json"),
    )


def decide_suggestions(ctx: AppContext, athlete: Athlete, today: date) -> list[SuggestionRow]:
    """Decide (or reuse) the suggestion of every eligible run, oldest first."""
    policy = policy_of(ctx.settings)
    locale = gateway.runner_locale(ctx.db, athlete.id)
    rows: list[SuggestionRow] = []
    eligible = _eligible(ctx, athlete, today)
    runs: list[RunSession] = []
    if eligible:
        since = eligible[0].local_date - timedelta(days=WEEKLY_KM_DAYS)
        runs = gateway.counted_runs(ctx.db, athlete.id, since=since)
    known = PassFacts.read(ctx, athlete.id, eligible)
    for activity in eligible:
        existing = known.suggestions.get(activity.id)
        if existing is not None:
            prior = [ProtocolState.model_validate(s) for s in existing.prior_states]
        else:
            prior = gateway.protocol_states(ctx.db, athlete.id)
        situation, input_hash = _situation(ctx, activity, prior, runs, known)
        voice = runner_voice(ctx, locale, note_language(ctx, activity))
        if not voice.is_default:
            # Another language or unit system is another text: decide it again. English in km
            # keeps the hash it always had, so switching nothing re-decides nothing.
            input_hash = _hash([input_hash, voice.language, voice.units])
        if existing is not None and existing.input_hash == input_hash:
            rows.append(existing)
            continue
        decision = decide(situation, library(voice.language), policy, voice)
        rows.append(_save_decision(ctx, activity, decision, prior, input_hash, situation, voice))
    return rows


def process_athlete(ctx: AppContext, athlete_id: int, *, dry_run: bool = False) -> PostRunReport:
    report = PostRunReport(athlete_id)
    today = ctx.clock().date()
    athlete = gateway.athlete(ctx.db, athlete_id)
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
    if not writes_descriptions(ctx, athlete_id):
        return report
    writer = writer_for(ctx)
    for suggestion in suggestions:
        try:
            written = deliver_description(ctx, suggestion, dry_run=dry_run, writer=writer)
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
