"""The one storage gateway: every question the product asks of the database, and every mapping
between stored rows and the pure core's models.

Services and entry points call these functions; none of them opens a session of its own. Each
function is one short read (a read-only snapshot) or one transaction, so callers never hold a
write lock across a Strava call.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, text

from strava_rehab.db.engine import Database
from strava_rehab.db.leases import serialise_athlete
from strava_rehab.db.models import (
    Activity,
    Athlete,
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
    return len(rows)


# --- activities -----------------------------------------------------------------------------------


def counted_runs(
    db: Database, athlete_id: int, *, since: date | None = None, until: date | None = None
) -> list[RunSession]:
    """The runs that count towards load (``Activity.counted``), between two local dates."""
    query = select(Activity).where(Activity.athlete_id == athlete_id, Activity.counted.is_(True))
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
                select(Activity).where(
                    Activity.athlete_id == athlete_id,
                    Activity.local_date >= since,
                    Activity.detail_hash.is_not(None),
                )
            )
        )


def suggestable_runs(db: Database, athlete_id: int, since: date) -> list[Activity]:
    """Counted runs with their detail read, from ``since`` on, oldest first."""
    with db.read() as session:
        return list(
            session.scalars(
                select(Activity)
                .where(
                    Activity.athlete_id == athlete_id,
                    Activity.counted.is_(True),
                    Activity.detail_hash.is_not(None),
                    Activity.local_date >= since,
                )
                .order_by(Activity.start_utc)
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
    """The run's own findings, and the weekly progression of its day."""
    with db.read() as session:
        return [
            finding_of(row)
            for row in session.scalars(
                select(FindingRow).where(
                    FindingRow.athlete_id == activity.athlete_id,
                    (FindingRow.activity_id == activity.id)
                    | (
                        (FindingRow.local_date == activity.local_date)
                        & (FindingRow.kind == "weekly_progression")
                    ),
                )
            )
        ]


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
                select(ProtocolStateRow).where(ProtocolStateRow.athlete_id == athlete_id)
            )
        ]


def suggestion_for(db: Database, activity_id: int) -> SuggestionRow | None:
    with db.read() as session:
        return session.scalar(select(SuggestionRow).where(SuggestionRow.activity_id == activity_id))


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
) -> None:
    """After a PUT: the description we now hold, the suggestion's delivered hash, the delivery."""
    with db.transaction() as session:
        suggestion = session.scalar(
            select(SuggestionRow).where(SuggestionRow.activity_id == activity_id)
        )
        if suggestion is not None:
            suggestion.delivered_hash = delivered_hash
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
