"""The one storage gateway: every question the product asks of the database, and every mapping
between stored rows and the pure core's models.

Services and entry points call these functions; none of them opens a session of its own. Each
function is one short read (a read-only snapshot) or one transaction, so callers never hold a
write lock across a Strava call.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import defer

from strava_rehab.db.engine import Database, affected, upsert_insert
from strava_rehab.db.leases import serialise_athlete
from strava_rehab.db.models import (
    Activity,
    Athlete,
    AthleteChannel,
    Delivery,
    FindingRow,
    OutboxMessage,
    PainReportRow,
    ProtocolStateRow,
    SuggestionRow,
    SyncState,
    WebhookEvent,
)
from strava_rehab.db.token_vault import TokenVault
from strava_rehab.load import Finding, RunSession
from strava_rehab.notify.outbox import enqueue
from strava_rehab.pain import PainReport
from strava_rehab.rehab import Decision, ProtocolState
from strava_rehab.text.units import UnitSystem

# --- rows <-> models ------------------------------------------------------------------------------


def run_session(row: Activity) -> RunSession:
    return RunSession(
        activity_id=row.id,
        local_date=row.local_date,
        start_utc=row.start_utc,
        distance_m=row.distance_m,
        moving_time_s=row.moving_time_s,
        sport_type=row.sport_type,
        manual=row.manual,
        trainer=row.trainer,
    )


# A finding's fields are the model's: the row has the same columns, plus whose and when.
FINDING_FIELDS = tuple(Finding.model_fields)


def finding_of(row: FindingRow) -> Finding:
    return Finding.model_validate({name: getattr(row, name) for name in FINDING_FIELDS})


def finding_row(athlete_id: int, finding: Finding, now: datetime) -> FindingRow:
    return FindingRow(athlete_id=athlete_id, computed_at=now, **finding.model_dump())


def finding_key(finding: Finding) -> tuple[Any, ...]:
    """A finding's identity for "did anything change?": floats rounded as they are stored."""
    return tuple(
        round(value, 6) if isinstance(value, float) else value
        for value in (getattr(finding, name) for name in FINDING_FIELDS)
    )


def pain_of(row: PainReportRow) -> PainReport:
    return PainReport(
        region=row.region,
        side=row.side,  # type: ignore[arg-type]
        score=row.score,
        timing=row.timing,  # type: ignore[arg-type]
        negated=row.negated,
        trend=row.trend,  # type: ignore[arg-type]
        red_flags=tuple(row.red_flags or ()),
        unknown_terms=tuple(row.unknown_terms or ()),
        text=row.text,
        score_confidence=row.score_confidence,  # type: ignore[arg-type]
        estimated_score=row.estimated_score,
        symptoms=tuple(row.symptoms or ()),
    )


def pain_row(
    athlete_id: int,
    activity_id: int | None,
    day: date,
    source: str,
    report: PainReport,
    now: datetime,
) -> PainReportRow:
    return PainReportRow(
        athlete_id=athlete_id,
        activity_id=activity_id,
        local_date=day,
        source=source,
        region=report.region,
        side=report.side,
        score=report.score,
        timing=report.timing,
        negated=report.negated,
        trend=report.trend,
        red_flags=list(report.red_flags),
        unknown_terms=list(report.unknown_terms),
        text=report.text[:2000],
        score_confidence=report.score_confidence,
        estimated_score=report.estimated_score,
        symptoms=list(report.symptoms),
        created_at=now,
    )


@dataclass(frozen=True)
class StoredPain:
    """A pain report as stored: whose, which run (None: logged by hand), which day, read where."""

    athlete_id: int
    activity_id: int | None
    local_date: date
    source: str
    report: PainReport


def _stored_pain(row: PainReportRow) -> StoredPain:
    return StoredPain(row.athlete_id, row.activity_id, row.local_date, row.source, pain_of(row))


def protocol_state_of(row: ProtocolStateRow) -> ProtocolState:
    return ProtocolState(
        protocol_id=row.protocol_id,
        phase=row.phase,
        started_on=row.started_on,
        last_full_on=row.last_full_on,
        last_score=row.last_score,
        phase_started_on=row.phase_started_on,
    )


# --- athletes -------------------------------------------------------------------------------------


def athlete(db: Database, athlete_id: int) -> Athlete | None:
    with db.read() as session:
        return session.get(Athlete, athlete_id)


def all_athletes(db: Database) -> list[Athlete]:
    with db.read() as session:
        return list(session.scalars(select(Athlete).order_by(Athlete.id)))


def athletes_with_sync_state(db: Database) -> list[tuple[Athlete, SyncState | None]]:
    with db.read() as session:
        return [
            (a, session.get(SyncState, a.id))
            for a in session.scalars(select(Athlete).order_by(Athlete.id))
        ]


def rotate_tokens(db: Database, vault: TokenVault) -> int:
    """Re-encrypt every stored token under the vault's newest key; returns how many athletes."""
    with db.transaction() as session:
        rows = list(session.scalars(select(Athlete)))
        for row in rows:
            row.access_token = vault.rotate(row.access_token)
            row.refresh_token = vault.rotate(row.refresh_token)
        for channel in session.scalars(select(AthleteChannel)):
            channel.urls = vault.rotate(channel.urls)
    return len(rows)


def athlete_channels(db: Database) -> dict[int, bytes]:
    """Every athlete's own notification channels, encrypted: athlete id -> blob."""
    with db.read() as session:
        return {c.athlete_id: c.urls for c in session.scalars(select(AthleteChannel))}


def set_athlete_channels(db: Database, athlete_id: int, blob: bytes, now: datetime) -> bool:
    """Store (replace) an athlete's encrypted channels; False when no such athlete is stored."""
    with db.transaction() as session:
        if session.get(Athlete, athlete_id) is None:
            return False
        row = session.get(AthleteChannel, athlete_id)
        if row is None:
            session.add(AthleteChannel(athlete_id=athlete_id, urls=blob, updated_at=now))
        else:
            row.urls, row.updated_at = blob, now
        return True


def clear_athlete_channels(db: Database, athlete_id: int) -> bool:
    """Drop an athlete's own channels (the install default applies again); False if none."""
    with db.transaction() as session:
        row = session.get(AthleteChannel, athlete_id)
        if row is None:
            return False
        session.delete(row)
        return True


# --- activities -----------------------------------------------------------------------------------

# Strava's raw JSON of a run (a few kB each) is for re-reading fields later and for the copy
# command; the post-run pass never reads it, and decoding it was a fifth of an event's time.
# raiseload: a new reader of it here fails loudly instead of loading it row by row.
_WITHOUT_RAW = (
    defer(Activity.raw_summary, raiseload=True),
    defer(Activity.raw_detail, raiseload=True),
)


def counted_runs(
    db: Database, athlete_id: int, *, since: date | None = None, until: date | None = None
) -> list[RunSession]:
    """The runs that count towards load (``Activity.counted``), between two local dates."""
    query = (
        select(Activity)
        .options(*_WITHOUT_RAW)
        .where(Activity.athlete_id == athlete_id, Activity.counted.is_(True))
    )
    if since is not None:
        query = query.where(Activity.local_date >= since)
    if until is not None:
        query = query.where(Activity.local_date <= until)
    with db.read() as session:
        return [run_session(row) for row in session.scalars(query)]


def activities_of(db: Database, athlete_ids: list[int], limit: int = 0) -> list[Activity]:
    """Stored activities, newest first (``limit`` 0: all)."""
    query = select(Activity).where(Activity.athlete_id.in_(athlete_ids))
    query = query.order_by(Activity.start_utc.desc())
    if limit:
        query = query.limit(limit)
    with db.read() as session:
        return list(session.scalars(query))


def activity_count(db: Database, athlete_id: int) -> int:
    with db.read() as session:
        return len(
            session.scalars(select(Activity.id).where(Activity.athlete_id == athlete_id)).all()
        )


def detailed_activities_since(db: Database, athlete_id: int, since: date) -> list[Activity]:
    """Activities whose detail (description, note) has been read, from ``since`` on."""
    with db.read() as session:
        return list(
            session.scalars(
                select(Activity)
                .options(*_WITHOUT_RAW)
                .where(
                    Activity.athlete_id == athlete_id,
                    Activity.local_date >= since,
                    Activity.detail_hash.is_not(None),
                )
            )
        )


def suggestable_runs(db: Database, athlete_id: int, since: date) -> list[Activity]:
    """Counted runs with their detail read, from ``since`` on, oldest first.

    Runs that start at the same second come in id order: each decision starts from the protocol
    states the one before left, so the order must not be whatever the database returns for a
    tie (on PostgreSQL that follows where an upsert last put the row).
    """
    with db.read() as session:
        return list(
            session.scalars(
                select(Activity)
                .options(*_WITHOUT_RAW)
                .where(
                    Activity.athlete_id == athlete_id,
                    Activity.counted.is_(True),
                    Activity.detail_hash.is_not(None),
                    Activity.local_date >= since,
                )
                .order_by(Activity.start_utc, Activity.id)
            )
        )


# --- findings -------------------------------------------------------------------------------------


def findings_since(db: Database, athlete_id: int, since: date) -> list[Finding]:
    with db.read() as session:
        return [
            finding_of(row)
            for row in session.scalars(
                select(FindingRow).where(
                    FindingRow.athlete_id == athlete_id, FindingRow.local_date >= since
                )
            )
        ]


def replace_findings(
    db: Database, athlete_id: int, since: date, findings: list[Finding], now: datetime
) -> None:
    with db.transaction() as session:
        serialise_athlete(session, athlete_id)  # two processes replacing: no rows twice
        session.execute(
            delete(FindingRow).where(
                FindingRow.athlete_id == athlete_id, FindingRow.local_date >= since
            )
        )
        session.add_all(finding_row(athlete_id, f, now) for f in findings)


def findings_for_run(db: Database, activity: Activity) -> list[Finding]:
    """The findings a run is decided on (see ``findings_for_runs``)."""
    return findings_for_runs(db, activity.athlete_id, [activity])[activity.id]


def findings_for_runs(
    db: Database, athlete_id: int, activities: list[Activity]
) -> dict[int, list[Finding]]:
    """Per run: its own findings, and the weekly progression notice of its day when a run that
    started no later carries it (``load.progression``: once per day, on the first run over the
    threshold). A later run's notice is not this run's: the week went over with that run, and
    deciding this one on it again would rewrite its block for a run it knew nothing of.
    One query for all the runs of a pass."""
    found: dict[int, list[Finding]] = {a.id: [] for a in activities}
    if not activities:
        return found
    days = {a.local_date for a in activities}
    with db.read() as session:
        rows = session.execute(
            # The carrier of a finding is its run (an outer join: some have none).
            select(FindingRow, Activity.start_utc)
            .outerjoin(Activity, Activity.id == FindingRow.activity_id)
            .where(
                FindingRow.athlete_id == athlete_id,
                FindingRow.activity_id.in_(list(found))
                | (
                    FindingRow.local_date.in_(sorted(days))
                    & (FindingRow.kind == "weekly_progression")
                ),
            )
            .order_by(FindingRow.id)
        ).all()
    for row, carrier_start in rows:
        for activity in activities:
            own = row.activity_id == activity.id
            notice = (
                row.kind == "weekly_progression"
                and row.local_date == activity.local_date
                and carrier_start is not None
                and carrier_start <= activity.start_utc
            )
            if own or notice:
                found[activity.id].append(finding_of(row))
    return found


# --- pain -----------------------------------------------------------------------------------------


def pain_between(
    db: Database, athlete_id: int, since: date, until: date | None = None
) -> list[StoredPain]:
    """The athlete's pain reports from ``since`` (to ``until``), oldest first."""
    query = select(PainReportRow).where(
        PainReportRow.athlete_id == athlete_id, PainReportRow.local_date >= since
    )
    if until is not None:
        query = query.where(PainReportRow.local_date <= until)
    with db.read() as session:
        return [
            _stored_pain(row)
            for row in session.scalars(query.order_by(PainReportRow.local_date, PainReportRow.id))
        ]


def pain_log(db: Database, athlete_ids: list[int]) -> list[StoredPain]:
    """Every stored pain report of the athletes, newest first."""
    with db.read() as session:
        return [
            _stored_pain(row)
            for row in session.scalars(
                select(PainReportRow)
                .where(PainReportRow.athlete_id.in_(athlete_ids))
                .order_by(PainReportRow.local_date.desc(), PainReportRow.id.desc())
            )
        ]


def add_pain(db: Database, pain: StoredPain, now: datetime) -> None:
    with db.transaction() as session:
        session.add(
            pain_row(
                pain.athlete_id, pain.activity_id, pain.local_date, pain.source, pain.report, now
            )
        )


def replace_activity_pain(
    db: Database,
    athlete_id: int,
    parsed: list[tuple[int, date, str, list[tuple[str, PainReport]]]],
    now: datetime,
) -> int:
    """Replace the pain read from each activity's text (hand-logged reports stay).

    ``parsed`` holds ``(activity_id, local_date, fingerprint, [(source, report), ...])``; the
    fingerprint is stored so the same text is not read again. Returns the reports stored.
    """
    count = 0
    with db.transaction() as session:
        serialise_athlete(session, athlete_id)  # two processes replacing: no rows twice
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


# --- protocol states and suggestions --------------------------------------------------------------


def protocol_states(db: Database, athlete_id: int) -> list[ProtocolState]:
    with db.read() as session:
        return [
            protocol_state_of(row)
            for row in session.scalars(
                select(ProtocolStateRow)
                .where(ProtocolStateRow.athlete_id == athlete_id)
                .order_by(ProtocolStateRow.protocol_id)
            )
        ]


def suggestion_for(db: Database, activity_id: int) -> SuggestionRow | None:
    with db.read() as session:
        return session.scalar(select(SuggestionRow).where(SuggestionRow.activity_id == activity_id))


def suggestions_for(db: Database, activity_ids: list[int]) -> dict[int, SuggestionRow]:
    """The stored suggestion of each run that has one (one query for a pass's runs)."""
    if not activity_ids:
        return {}
    with db.read() as session:
        return {
            row.activity_id: row
            for row in session.scalars(
                select(SuggestionRow).where(SuggestionRow.activity_id.in_(activity_ids))
            )
        }


def suggestions_since(db: Database, athlete_id: int, since: date) -> list[SuggestionRow]:
    with db.read() as session:
        return list(
            session.scalars(
                select(SuggestionRow).where(
                    SuggestionRow.athlete_id == athlete_id, SuggestionRow.local_date >= since
                )
            )
        )


def suggestions_of(db: Database, athlete_ids: list[int]) -> list[SuggestionRow]:
    """The athletes' suggestions, newest first."""
    with db.read() as session:
        return list(
            session.scalars(
                select(SuggestionRow)
                .where(SuggestionRow.athlete_id.in_(athlete_ids))
                .order_by(SuggestionRow.local_date.desc())
            )
        )


@dataclass(frozen=True)
class Message:
    """A notification to enqueue with the suggestion, once per ``dedupe_key``."""

    dedupe_key: str
    kind: str
    title: str
    body: str


def save_suggestion(
    db: Database,
    activity: Activity,
    decision: Decision,
    prior: list[ProtocolState],
    input_hash: str,
    *,
    public_text: str,
    private_text: str,
    message: Message | None,
    now: datetime,
    decision_facts: dict[str, Any] | None = None,
) -> SuggestionRow:
    """In one transaction: the run's suggestion, the protocol state it moves to, its message."""
    with db.transaction() as session:
        serialise_athlete(session, activity.athlete_id)  # two processes deciding the same run
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
        row.public_text = public_text
        row.private_text = private_text
        row.decision_facts = decision_facts
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
            state_row.phase_started_on = state.phase_started_on
            state_row.updated_at = now
        if message is not None:
            enqueue(
                session,
                athlete_id=activity.athlete_id,
                dedupe_key=message.dedupe_key,
                kind=message.kind,
                title=message.title,
                body=message.body,
                now=now,
            )
        session.flush()
        session.expunge(row)
        return row


# --- descriptions we wrote ------------------------------------------------------------------------


@dataclass(frozen=True)
class DescriptionCopy:
    name: str
    description: str
    fetched_at: datetime


def description_copy(db: Database, activity_id: int) -> DescriptionCopy | None:
    """Our stored name and description of an activity and when its detail was read (None: no
    detail stored), so a write right after the read needs no second GET."""
    with db.read() as session:
        row = session.execute(
            select(Activity.name, Activity.description, Activity.detail_fetched_at).where(
                Activity.id == activity_id
            )
        ).one_or_none()
    if row is None or row.detail_fetched_at is None:
        return None
    return DescriptionCopy(row.name or "", row.description or "", row.detail_fetched_at)


def description_targets(
    db: Database, athlete_ids: list[int], activity_id: int | None
) -> list[tuple[int, int]]:
    """``(owner, activity)`` pairs whose description we wrote (or the one named, if theirs)."""
    with db.read() as session:
        if activity_id is not None:
            row = session.get(Activity, activity_id)
            owner = row.athlete_id if row else None
            if owner is None:
                owner = session.scalar(
                    select(Delivery.athlete_id).where(Delivery.activity_id == activity_id).limit(1)
                )
            if owner is None or owner not in athlete_ids:
                return []
            return [(owner, activity_id)]
        written = session.execute(
            select(Delivery.athlete_id, Delivery.activity_id)
            .where(Delivery.athlete_id.in_(athlete_ids), Delivery.channel == "description")
            .distinct()
        ).all()
        return sorted({(a, b) for a, b in written if b is not None})


def record_description(
    db: Database,
    *,
    athlete_id: int,
    activity_id: int,
    description: str,
    delivered_hash: str,
    action: str | None,
    block: str,
    now: datetime,
    delivered_facts: dict[str, Any] | None = None,
    undone: bool = False,
) -> None:
    """After a PUT: the description we now hold, the suggestion's delivered hash and the facts
    its block was decided on (``quota.churn``), the delivery."""
    with db.transaction() as session:
        suggestion = session.scalar(
            select(SuggestionRow).where(SuggestionRow.activity_id == activity_id)
        )
        if suggestion is not None:
            suggestion.delivered_hash = delivered_hash
            facts = delivered_facts if delivered_facts is not None else suggestion.decision_facts
            suggestion.delivered_facts = None if facts is None else {**facts, "undone": undone}
        activity = session.get(Activity, activity_id)
        if activity is not None:
            activity.description = description
        if action is not None:
            session.add(
                Delivery(
                    athlete_id=athlete_id,
                    activity_id=activity_id,
                    channel="description",
                    action=action,
                    text=block,
                    created_at=now,
                )
            )


# --- the install at a glance ----------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    athletes: Counter[str]
    inbox_pending: int
    outbox: Counter[str]


def counts(db: Database) -> Counts:
    with db.read() as session:
        athlete_states = Counter(session.scalars(select(Athlete.status)))
        inbox_pending = session.scalar(
            select(func.count())
            .select_from(WebhookEvent)
            .where(WebhookEvent.processed_at.is_(None))
        )
        outbox = Counter(session.scalars(select(OutboxMessage.status)))
    return Counts(athlete_states, int(inbox_pending or 0), outbox)


def ping(db: Database) -> str:
    """``"ok"`` if the database answers, else ``"error: <type>"`` (health reports, never raises)."""
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


# --- syncing with Strava --------------------------------------------------------------------------

# What a summary (listing) sets on an activity, and what its detail adds; ``id`` is the key and
# ``analysed_hash`` is ours. An upsert writes exactly these, so a listing never wipes a detail
# already read. A new Strava field goes into one of the two (tests/db check every column is).
ACTIVITY_SUMMARY_COLUMNS = (
    "athlete_id",
    "name",
    "sport_type",
    "counted",
    "distance_m",
    "moving_time_s",
    "elapsed_time_s",
    "start_utc",
    "local_date",
    "timezone",
    "manual",
    "trainer",
    "private",
    "summary_hash",
    "raw_summary",
    "synced_at",
)
ACTIVITY_DETAIL_COLUMNS = (
    "description",
    "private_note",
    "perceived_exertion",
    "raw_detail",
    "detail_hash",
    "detail_fetched_at",
)


def _values(row: Activity, columns: tuple[str, ...]) -> dict[str, Any]:
    return {"id": row.id, **{name: getattr(row, name) for name in columns}}


def sync_state(db: Database, athlete_id: int) -> SyncState:
    """The athlete's sync progress, created by whichever process asks first (never twice)."""
    with db.transaction() as session:
        session.execute(
            upsert_insert(session)(SyncState)
            .values(athlete_id=athlete_id, backfill_done=False, last_error="")
            .on_conflict_do_nothing(index_elements=[SyncState.athlete_id])
        )
        state = session.get(SyncState, athlete_id)
        assert state is not None
        session.expunge(state)
        return state


def restart_backfill(db: Database, athlete_id: int) -> None:
    """Backfill the whole window again from its start (``sync --full``)."""
    sync_state(db, athlete_id)
    with db.transaction() as session:
        session.execute(
            update(SyncState)
            .where(SyncState.athlete_id == athlete_id)
            .values(backfill_done=False, backfill_after_epoch=None, newest_start_epoch=None)
        )


def store_activity_page(
    db: Database, athlete_id: int, rows: list[Activity], progress: dict[str, Any]
) -> tuple[list[int], list[int]]:
    """Upsert a listing's activities (summary columns only) and save the sync progress reached,
    in one transaction; returns the ids ``(created, changed)``.

    One INSERT ... ON CONFLICT DO UPDATE, rows in id order: two processes storing overlapping
    pages at once neither collide on the key nor deadlock on each other's row locks.
    """
    rows = sorted({row.id: row for row in rows}.values(), key=lambda row: row.id)
    with db.transaction() as session:
        before: dict[int, str] = {}
        if rows:
            found = session.execute(
                select(Activity.id, Activity.summary_hash).where(
                    Activity.id.in_([row.id for row in rows])
                )
            )
            before = {activity_id: digest for activity_id, digest in found}
            stmt = upsert_insert(session)(Activity)
            stmt = stmt.on_conflict_do_update(
                index_elements=[Activity.id],
                set_={name: stmt.excluded[name] for name in ACTIVITY_SUMMARY_COLUMNS},
            )
            session.execute(stmt, [_values(row, ACTIVITY_SUMMARY_COLUMNS) for row in rows])
        if progress:
            session.execute(
                update(SyncState).where(SyncState.athlete_id == athlete_id).values(**progress)
            )
    created = [row.id for row in rows if row.id not in before]
    changed = [row.id for row in rows if row.id in before and before[row.id] != row.summary_hash]
    return created, changed


def delete_unlisted_activities(
    db: Database,
    athlete_id: int,
    after: datetime,
    listed: set[int],
    stored_before: datetime | None = None,
) -> list[int]:
    """Delete the athlete's activities starting after ``after`` that a complete listing of that
    window did not return (deleted on Strava, or made private without read_all).

    ``stored_before``: when the listing began. A run another process stored meanwhile (its
    webhook arrived while we paged) was uploaded after our pages were read, not deleted: it
    stays, and the next reconciliation judges it.
    """
    with db.transaction() as session:
        query = select(Activity.id).where(
            Activity.athlete_id == athlete_id, Activity.start_utc > after
        )
        if stored_before is not None:
            query = query.where(Activity.synced_at < stored_before)
        stored = session.scalars(query).all()
        gone = sorted(activity_id for activity_id in stored if activity_id not in listed)
        if gone:
            session.execute(delete(Activity).where(Activity.id.in_(gone)))
    return gone


def finish_sync_pass(
    db: Database,
    athlete_id: int,
    newest_start_epoch: int | None,
    reconciled_at: datetime | None,
    *,
    listed_at: datetime | None = None,
    found: int = 0,
) -> None:
    """A listing ran to its end: the backfill (if any) is done; ``reconciled_at`` if it was
    a reconciliation too; ``listed_at`` and what it ``found`` start the next poll plan."""
    values: dict[str, Any] = {
        "backfill_done": True,
        "backfill_after_epoch": None,
        "newest_start_epoch": newest_start_epoch,
    }
    if reconciled_at is not None:
        values["last_reconcile_at"] = reconciled_at
    if listed_at is not None:
        values["last_listed_at"] = listed_at
        values["last_listed_found"] = found
    with db.transaction() as session:
        session.execute(
            update(SyncState).where(SyncState.athlete_id == athlete_id).values(**values)
        )


def record_backfill_step(
    db: Database,
    athlete_id: int,
    *,
    oldest: date,
    newest_start_epoch: int | None,
    done: bool,
    now: datetime,
) -> None:
    """A fair-backfill step listed its range to the end: history is complete from ``oldest``."""
    values: dict[str, Any] = {"backfill_oldest": oldest, "newest_start_epoch": newest_start_epoch}
    if done:
        values |= {
            "backfill_done": True,
            "backfill_after_epoch": None,
            "last_reconcile_at": now,
            "last_listed_at": now,
            "last_listed_found": 0,
        }
    with db.transaction() as session:
        session.execute(
            update(SyncState).where(SyncState.athlete_id == athlete_id).values(**values)
        )


@dataclass(frozen=True)
class Uploads:
    """One athlete's upload instants (quota.timeofday.UploadHistory) and their time zone."""

    timezone: str
    times: tuple[datetime, ...]


def upload_times(db: Database, since: datetime) -> dict[int, Uploads]:
    """Each athlete's uploads since ``since``: a create event's time, else the run's end."""
    with db.read() as session:
        rows = session.execute(
            select(
                Activity.athlete_id,
                Activity.start_utc,
                Activity.elapsed_time_s,
                Activity.announced_at,
                Activity.timezone,
            )
            .where(Activity.start_utc >= since - timedelta(days=1))
            .order_by(Activity.athlete_id, Activity.start_utc)
        ).all()
    found: dict[int, tuple[str, list[datetime]]] = {}
    for athlete_id, start, elapsed, announced, zone in rows:
        upload = announced or start + timedelta(seconds=elapsed)
        if upload < since:
            continue
        entry = found.setdefault(athlete_id, (zone or "UTC", []))
        entry[1].append(upload)
        if zone:
            found[athlete_id] = (zone, entry[1])  # the latest run's zone is theirs now
    return {a: Uploads(zone, tuple(times)) for a, (zone, times) in found.items()}


def athletes_owed_a_pass(db: Database, since: date) -> set[int]:
    """Athletes with work a killed pass left: a block decided but never delivered, or a run
    read since ``since`` with no decision yet. The scheduler runs their suggestion pass."""
    with db.read() as session:
        undelivered = session.scalars(
            select(SuggestionRow.athlete_id)
            .where(
                SuggestionRow.public_text != "",
                SuggestionRow.delivered_hash == "",
                SuggestionRow.local_date >= since,
            )
            .distinct()
        ).all()
        undecided = session.scalars(
            select(Activity.athlete_id)
            .outerjoin(SuggestionRow, SuggestionRow.activity_id == Activity.id)
            .where(
                Activity.counted.is_(True),
                Activity.detail_fetched_at.is_not(None),
                Activity.local_date >= since,
                SuggestionRow.id.is_(None),
            )
            .distinct()
        ).all()
    return set(undelivered) | set(undecided)


def activities_by_id(db: Database, activity_ids: list[int]) -> list[Activity]:
    if not activity_ids:
        return []
    with db.read() as session:
        rows = session.scalars(select(Activity).where(Activity.id.in_(activity_ids))).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def mark_announced(db: Database, activity_id: int, event_time: datetime) -> None:
    """A create event announced this activity (kept once: the first event's time)."""
    with db.transaction() as session:
        session.execute(
            update(Activity)
            .where(Activity.id == activity_id, Activity.announced_at.is_(None))
            .values(announced_at=event_time)
        )


@dataclass(frozen=True)
class SecondLookFacts:
    athlete_id: int
    activity_id: int
    ended_at: datetime
    detail_fetched_at: datetime | None
    has_pain_information: bool
    # The runner's own words as we hold them (our block is cut by the caller).
    description: str
    private_note: str


def second_look_facts(
    db: Database, athlete_ids: list[int], since: datetime
) -> list[SecondLookFacts]:
    """Counted runs started since ``since`` with their detail time and whether any pain is
    known for them (a report from their own text, a zero included, or logged by hand that day)."""
    with db.read() as session:
        runs = session.execute(
            select(
                Activity.athlete_id,
                Activity.id,
                Activity.start_utc,
                Activity.elapsed_time_s,
                Activity.detail_fetched_at,
                Activity.local_date,
                Activity.description,
                Activity.private_note,
            ).where(
                Activity.athlete_id.in_(athlete_ids),
                Activity.counted.is_(True),
                Activity.start_utc >= since,
            )
        ).all()
        if not runs:
            return []
        ids = [run.id for run in runs]
        with_pain = set(
            session.scalars(
                select(PainReportRow.activity_id).where(PainReportRow.activity_id.in_(ids))
            ).all()
        )
        by_hand = set(
            session.execute(
                select(PainReportRow.athlete_id, PainReportRow.local_date).where(
                    PainReportRow.athlete_id.in_(athlete_ids),
                    PainReportRow.activity_id.is_(None),
                    PainReportRow.local_date >= since.date() - timedelta(days=1),
                )
            ).all()
        )
    return [
        SecondLookFacts(
            athlete_id=run.athlete_id,
            activity_id=run.id,
            ended_at=run.start_utc + timedelta(seconds=run.elapsed_time_s),
            detail_fetched_at=run.detail_fetched_at,
            description=run.description or "",
            private_note=run.private_note or "",
            has_pain_information=run.id in with_pain
            or (run.athlete_id, run.local_date) in {(a, d) for a, d in by_hand},
        )
        for run in runs
    ]


def record_sync_outcome(
    db: Database,
    athlete_id: int,
    *,
    error: str,
    resume_at: datetime | None,
    completed_at: datetime | None,
) -> None:
    """How the athlete's last sync pass ended (nothing if the athlete has no sync state)."""
    values: dict[str, Any] = {"last_error": error, "resume_at": resume_at}
    if completed_at is not None:
        values["last_sync_at"] = completed_at
    with db.transaction() as session:
        session.execute(
            update(SyncState).where(SyncState.athlete_id == athlete_id).values(**values)
        )


def counted_activities_since(db: Database, athlete_id: int, since: date) -> list[Activity]:
    """The activities that count (runs), from ``since`` on, newest first."""
    with db.read() as session:
        return list(
            session.scalars(
                select(Activity)
                .where(
                    Activity.athlete_id == athlete_id,
                    Activity.counted.is_(True),
                    Activity.local_date >= since,
                )
                .order_by(Activity.start_utc.desc())
            )
        )


def store_activity_detail(db: Database, row: Activity, *, create: bool) -> bool:
    """Store an activity as its detail reads (summary and detail columns); False if it was not
    stored because it is gone and ``create`` is False (a deletion meanwhile stays a deletion)."""
    values = _values(row, ACTIVITY_SUMMARY_COLUMNS + ACTIVITY_DETAIL_COLUMNS)
    with db.transaction() as session:
        if not create:
            changes = {name: value for name, value in values.items() if name != "id"}
            done = session.execute(update(Activity).where(Activity.id == row.id).values(changes))
            return bool(affected(done))
        stmt = upsert_insert(session)(Activity).values(values)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[Activity.id],
                set_={name: stmt.excluded[name] for name in values if name != "id"},
            )
        )
        return True


def delete_activity(db: Database, activity_id: int) -> bool:
    """Forget one activity (and, by cascade, what was derived from it); False if not stored."""
    with db.transaction() as session:
        return bool(affected(session.execute(delete(Activity).where(Activity.id == activity_id))))


# --- connecting athletes: OAuth states, grants and the token-refresh lease ------------------------

# Is the stored refresh token the one Strava last answered with (see services/connect.py)?
REFRESH_CURRENT = "current"
REFRESH_UNCONFIRMED = "unconfirmed"  # a refresh with it was sent; the answer is not stored (yet)
REFRESH_LOST = "lost"  # unconfirmed, then refused: the pair Strava holds is lost to us


@dataclass(frozen=True)
class NewGrant:
    """What an authorization gives us to keep: who, what they granted, their encrypted tokens."""

    athlete_id: int
    firstname: str
    lastname: str
    scopes: str
    access_token: bytes
    refresh_token: bytes
    expires_at: datetime


def athlete_count(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Athlete)) or 0)


def store_grant(db: Database, grant: NewGrant, now: datetime, max_athletes: int) -> bool | None:
    """Keep an athlete's grant: True if they were stored already (a reconnect), False if new,
    None if they are new and the install already serves ``max_athletes``."""
    with db.transaction() as session:
        row = session.get(Athlete, grant.athlete_id)
        reconnected = row is not None
        if row is None:
            if int(session.scalar(select(func.count()).select_from(Athlete)) or 0) >= max_athletes:
                return None
            row = Athlete(id=grant.athlete_id, connected_at=now)
            session.add(row)
        row.firstname = grant.firstname
        row.lastname = grant.lastname
        row.scopes = grant.scopes
        row.access_token = grant.access_token
        row.refresh_token = grant.refresh_token
        row.expires_at = grant.expires_at
        row.status = "connected"
        row.status_message = ""
        row.token_state = REFRESH_CURRENT
        row.refresh_lease_until = None
        row.updated_at = now
    return reconnected


def mark_athlete_disconnected(
    db: Database, athlete_id: int, message: str, now: datetime, *, sent: bytes | None = None
) -> bool:
    """Mark the athlete disconnected; with ``sent`` (the stored refresh token Strava refused),
    only if that is still the stored one. False if nothing was marked."""
    with db.transaction() as session:
        row = session.get(Athlete, athlete_id)
        if row is None or (sent is not None and row.refresh_token != sent):
            return False
        row.status = "disconnected"
        row.status_message = message
        row.refresh_lease_until = None
        row.updated_at = now
    return True


def delete_athlete(db: Database, athlete_id: int) -> bool:
    """Delete the athlete and, by cascade, everything stored about them; False if unknown."""
    with db.transaction() as session:
        row = session.get(Athlete, athlete_id)
        if row is None:
            return False
        session.delete(row)
        # Events carry only ids, but they are still about this athlete.
        session.execute(delete(WebhookEvent).where(WebhookEvent.owner_id == athlete_id))
    return True


@dataclass(frozen=True)
class StoredTokens:
    """An athlete's stored tokens (encrypted) and the state of the refresh token.

    ``token_state`` is as it was before this call; ``claimed``: this caller now holds the refresh
    lease (until ``lease_until``), and the stored state says "unconfirmed" until the caller
    records Strava's answer.
    """

    status: str
    status_message: str
    access_token: bytes
    refresh_token: bytes
    expires_at: datetime
    token_state: str
    lease_until: datetime | None
    claimed: bool


def _stored_tokens(row: Athlete, claimed: bool) -> StoredTokens:
    return StoredTokens(
        row.status,
        row.status_message,
        row.access_token,
        row.refresh_token,
        row.expires_at,
        row.token_state,
        row.refresh_lease_until,
        claimed,
    )


def stored_tokens(db: Database, athlete_id: int) -> StoredTokens | None:
    with db.read() as session:
        row = session.get(Athlete, athlete_id)
        return None if row is None else _stored_tokens(row, claimed=False)


def claim_token_refresh(
    db: Database, athlete_id: int, now: datetime, refresh_before: datetime, lease: timedelta
) -> StoredTokens | None:
    """The athlete's tokens; if the access token expires before ``refresh_before``, also the
    refresh lease unless another caller holds a live one (an atomic UPDATE, so two processes
    never both refresh). A refresh token already refused ("lost") is never claimed. Claiming
    marks the token "unconfirmed" in the same transaction, so a process killed while Strava
    holds its refresh leaves that fact behind. None if the athlete is unknown."""
    with db.transaction() as session:
        row = session.get(Athlete, athlete_id)
        if row is None:
            return None
        before = _stored_tokens(row, claimed=False)
        claimed = False
        if (
            row.status == "connected"
            and row.token_state != REFRESH_LOST
            and row.expires_at <= refresh_before
        ):
            claimed = bool(
                affected(
                    session.execute(
                        update(Athlete)
                        .where(Athlete.id == athlete_id)
                        .where(
                            (Athlete.refresh_lease_until.is_(None))
                            | (Athlete.refresh_lease_until < now)
                        )
                        .values(refresh_lease_until=now + lease, token_state=REFRESH_UNCONFIRMED)
                    )
                )
            )
        if not claimed:
            return before
        return replace(before, claimed=True, lease_until=now + lease)


def store_refreshed_tokens(
    db: Database,
    athlete_id: int,
    access_token: bytes,
    refresh_token: bytes,
    expires_at: datetime,
    now: datetime,
) -> bool:
    """Keep the pair a refresh returned (now "current") and release the lease; False if the
    athlete is gone."""
    with db.transaction() as session:
        row = session.get(Athlete, athlete_id)
        if row is None:
            return False
        row.access_token = access_token
        row.refresh_token = refresh_token
        row.expires_at = expires_at
        row.token_state = REFRESH_CURRENT
        row.refresh_lease_until = None
        row.updated_at = now
    return True


def release_token_refresh(
    db: Database, athlete_id: int, sent: bytes, token_state: str, now: datetime
) -> bool:
    """Give the refresh lease back and record what is known of the refresh token ``sent`` (the
    stored, encrypted value that was sent). A compare-and-set: if another process has stored a
    new pair meanwhile, nothing is written and the answer is False."""
    with db.transaction() as session:
        return bool(
            affected(
                session.execute(
                    update(Athlete)
                    .where(Athlete.id == athlete_id, Athlete.refresh_token == sent)
                    .values(refresh_lease_until=None, token_state=token_state, updated_at=now)
                )
            )
        )


# --- the runner's own page ------------------------------------------------------------------------

# Imported here, not at the top, so this section merges as one block with other work.
from strava_rehab.db.models import RunnerSettings, WebSession  # noqa: E402


@dataclass(frozen=True)
class RunnerChoices:
    """A runner's own settings (the defaults when they never saved any)."""

    write_back_paused: bool = False
    destination: str = "both"
    notification_url: bytes | None = None  # encrypted with the token vault


def runner_choices(db: Database, athlete_id: int) -> RunnerChoices:
    with db.read() as session:
        row = session.get(RunnerSettings, athlete_id)
        if row is None:
            return RunnerChoices()
        return RunnerChoices(row.write_back_paused, row.destination, row.notification_url)


def save_runner_choices(
    db: Database, athlete_id: int, choices: RunnerChoices, now: datetime
) -> bool:
    """Store the runner's settings; False when the athlete is gone."""
    with db.transaction() as session:
        if session.get(Athlete, athlete_id) is None:
            return False
        row = session.get(RunnerSettings, athlete_id)
        if row is None:
            row = RunnerSettings(athlete_id=athlete_id)
            session.add(row)
        row.write_back_paused = choices.write_back_paused
        row.destination = choices.destination
        row.notification_url = choices.notification_url
        row.updated_at = now
    return True


UNIT_CHOICES = ("auto", "metric", "imperial")


@dataclass(frozen=True)
class RunnerLocale:
    """How the runner's text is written: their own choices and what Strava says of them."""

    units: str = "auto"  # "auto" | "metric" | "imperial"
    language: str = "auto"  # "auto" | a language code
    measurement_preference: str | None = None  # "meters" | "feet" (GET /athlete), None: unread

    @property
    def unit_system(self) -> UnitSystem:
        """The runner's override, else Strava's preference; metric when neither is known."""
        if self.units in ("metric", "imperial"):
            return "imperial" if self.units == "imperial" else "metric"
        return "imperial" if self.measurement_preference == "feet" else "metric"


def runner_locale(db: Database, athlete_id: int) -> RunnerLocale:
    """The one place that answers "in which units and language do we write to this runner"."""
    with db.read() as session:
        athlete = session.get(Athlete, athlete_id)
        row = session.get(RunnerSettings, athlete_id)
        preference = athlete.measurement_preference if athlete is not None else None
        if row is None:
            return RunnerLocale(measurement_preference=preference)
        return RunnerLocale(row.units, row.language, preference)


def save_runner_locale(
    db: Database,
    athlete_id: int,
    now: datetime,
    *,
    units: str | None = None,
    language: str | None = None,
) -> bool:
    """Set the runner's units and/or language (None keeps it); False when the athlete is gone."""
    with db.transaction() as session:
        if session.get(Athlete, athlete_id) is None:
            return False
        row = session.get(RunnerSettings, athlete_id)
        if row is None:
            row = RunnerSettings(athlete_id=athlete_id, write_back_paused=False)
            row.destination = "both"
            row.units = "auto"
            row.language = "auto"
            session.add(row)
        if units is not None:
            row.units = units
        if language is not None:
            row.language = language
        row.updated_at = now
    return True


def set_measurement_preference(db: Database, athlete_id: int, preference: str | None) -> bool:
    """Store Strava's ``measurement_preference``; True when it changed."""
    with db.transaction() as session:
        athlete = session.get(Athlete, athlete_id)
        if athlete is None or athlete.measurement_preference == preference:
            return False
        athlete.measurement_preference = preference
    return True


def add_web_session(
    db: Database, id_hash: str, athlete_id: int, now: datetime, expires_at: datetime
) -> None:
    """A new signed-in browser (expired sessions of anyone are swept at the same time)."""
    with db.transaction() as session:
        session.execute(delete(WebSession).where(WebSession.expires_at <= now))
        session.add(
            WebSession(
                id_hash=id_hash, athlete_id=athlete_id, created_at=now, expires_at=expires_at
            )
        )


def web_session_owner(db: Database, id_hash: str, now: datetime) -> int | None:
    """The athlete a live session belongs to, or None (unknown, expired, signed out, deleted)."""
    with db.read() as session:
        row = session.get(WebSession, id_hash)
        if row is None or row.expires_at <= now:
            return None
        return row.athlete_id


def end_web_session(db: Database, id_hash: str) -> None:
    with db.transaction() as session:
        session.execute(delete(WebSession).where(WebSession.id_hash == id_hash))


def latest_activity_timezone(db: Database, athlete_id: int) -> str | None:
    """The timezone of the athlete's newest activity: where "today" is for them."""
    with db.read() as session:
        return session.scalar(
            select(Activity.timezone)
            .where(Activity.athlete_id == athlete_id)
            .order_by(Activity.local_date.desc(), Activity.start_utc.desc())
            .limit(1)
        )


def runs_with_our_block(db: Database, athlete_id: int) -> list[int]:
    """Runs whose description we last wrote our block into (not undone or removed since)."""
    with db.read() as session:
        last: dict[int, str] = {}
        for activity_id, action in session.execute(
            select(Delivery.activity_id, Delivery.action)
            .where(Delivery.athlete_id == athlete_id, Delivery.channel == "description")
            .order_by(Delivery.id)
        ):
            if activity_id is not None:
                last[activity_id] = action
    return sorted(activity_id for activity_id, action in last.items() if action == "write")


# The tables a runner's export holds, in the order of ``dashboard.export.KINDS``.
def _export_tables() -> dict[str, Any]:
    return {
        "activities": (Activity, (Activity.start_utc, Activity.id)),
        "pain_reports": (PainReportRow, (PainReportRow.local_date, PainReportRow.id)),
        "findings": (FindingRow, (FindingRow.local_date, FindingRow.id)),
        "suggestions": (SuggestionRow, (SuggestionRow.local_date, SuggestionRow.id)),
        "deliveries": (Delivery, (Delivery.id,)),
    }


def json_safe(value: Any) -> Any:
    """A stored value as JSON: dates and times as ISO strings, everything else as it is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def athlete_records(db: Database, athlete_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row of the athlete's activities, pain reports, findings, suggestions, deliveries,
    column by column (JSON-safe), for "download my data"."""
    out: dict[str, list[dict[str, Any]]] = {}
    with db.read() as session:
        for kind, (model, order) in _export_tables().items():
            columns = [column.key for column in model.__table__.columns]
            rows = session.scalars(
                select(model).where(model.athlete_id == athlete_id).order_by(*order)
            )
            out[kind] = [{name: json_safe(getattr(row, name)) for name in columns} for row in rows]
    return out


def athlete_record_counts(db: Database, athlete_id: int) -> dict[str, int]:
    """How many rows of each exported kind we hold about the athlete."""
    with db.read() as session:
        return {
            kind: int(
                session.scalar(
                    select(func.count()).select_from(model).where(model.athlete_id == athlete_id)
                )
                or 0
            )
            for kind, (model, _) in _export_tables().items()
        }
