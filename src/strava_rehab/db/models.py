"""The stored state of the product, one table per thing a runner or Strava would name.

Times are stored as timezone-aware UTC. Activities keep their raw Strava JSON next to the typed
columns so a later feature can re-derive what it needs without another API call.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import false
from sqlalchemy.types import TypeDecorator

# Named constraints let Alembic's batch mode rebuild SQLite tables and drop constraints by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out, on every backend (SQLite alone would return naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON}


def _athlete_fk() -> Any:
    return ForeignKey("athletes.id", ondelete="CASCADE")


def _activity_fk() -> Any:
    return ForeignKey("activities.id", ondelete="CASCADE")


class Athlete(Base):
    __tablename__ = "athletes"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    firstname: Mapped[str] = mapped_column(String(100), default="")
    lastname: Mapped[str] = mapped_column(String(100), default="")
    scopes: Mapped[str] = mapped_column(String(200), default="")
    access_token: Mapped[bytes] = mapped_column(LargeBinary)
    refresh_token: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="connected")
    status_message: Mapped[str] = mapped_column(Text, default="")
    # A lease, not a lock: a process that dies mid-refresh cannot block the athlete for ever.
    refresh_lease_until: Mapped[datetime | None]
    connected_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Is the stored refresh token the one Strava last answered with? "current"; "unconfirmed"
    # (a refresh with it was sent and its answer lost); "lost" (then refused: reconnect).
    token_state: Mapped[str] = mapped_column(
        String(20), default="current", server_default="current"
    )
    # Strava's units for this athlete ("meters" / "feet", GET /athlete); None until read.
    measurement_preference: Mapped[str | None] = mapped_column(String(10))


class Activity(Base):
    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    athlete_id: Mapped[int] = mapped_column(BigInteger, _athlete_fk(), index=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    sport_type: Mapped[str] = mapped_column(String(50))
    counted: Mapped[bool] = mapped_column(Boolean)
    distance_m: Mapped[float] = mapped_column(Float)
    moving_time_s: Mapped[int] = mapped_column(Integer)
    elapsed_time_s: Mapped[int] = mapped_column(Integer)
    start_utc: Mapped[datetime]
    local_date: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(80), default="")
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    trainer: Mapped[bool] = mapped_column(Boolean, default=False)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    # Hash of the summary fields that matter; a change means the detail must be fetched again.
    summary_hash: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    private_note: Mapped[str | None] = mapped_column(Text)
    perceived_exertion: Mapped[float | None] = mapped_column(Float)
    detail_hash: Mapped[str | None] = mapped_column(String(64))
    detail_fetched_at: Mapped[datetime | None]
    raw_summary: Mapped[dict[str, Any]]
    raw_detail: Mapped[dict[str, Any] | None]
    analysed_hash: Mapped[str | None] = mapped_column(String(64))
    synced_at: Mapped[datetime]
    # When a create event announced it (its event_time); None: found by a listing. Upload habits
    # (quota.timeofday) and "events stopped" (quota.polling) are read from it.
    announced_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_activities_athlete_date", "athlete_id", "local_date"),)


class SyncState(Base):
    __tablename__ = "sync_state"

    athlete_id: Mapped[int] = mapped_column(BigInteger, _athlete_fk(), primary_key=True)
    # Epoch seconds of the newest start seen; the next incremental sync starts an overlap before it.
    # During a backfill it is the resume point: every start up to it is stored (a time, not a page
    # number, so a deletion on an earlier page cannot shift what the resume skips).
    newest_start_epoch: Mapped[int | None] = mapped_column(BigInteger)
    # A backfill in progress: the start of its window, kept so a resume covers the same window.
    backfill_after_epoch: Mapped[int | None] = mapped_column(BigInteger)
    backfill_done: Mapped[bool] = mapped_column(Boolean, default=False)
    last_sync_at: Mapped[datetime | None]
    last_reconcile_at: Mapped[datetime | None]
    resume_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    # The last listing (a poll or a reconciliation) and how many new or changed activities it
    # found: the adaptive poll plan (quota.polling.PollRecord) starts from it.
    last_listed_at: Mapped[datetime | None]
    last_listed_found: Mapped[int | None] = mapped_column(Integer)
    # A fair backfill (quota.backfill): everything from this local date to today is listed.
    backfill_oldest: Mapped[date | None] = mapped_column(Date)


class PainReportRow(Base):
    __tablename__ = "pain_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(BigInteger, _athlete_fk(), index=True)
    activity_id: Mapped[int | None] = mapped_column(BigInteger, _activity_fk(), index=True)
    local_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(40))
    side: Mapped[str | None] = mapped_column(String(10))
    score: Mapped[float | None] = mapped_column(Float)
    timing: Mapped[str | None] = mapped_column(String(20))
    negated: Mapped[bool] = mapped_column(Boolean, default=False)
    trend: Mapped[str | None] = mapped_column(String(10))
    red_flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    unknown_terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text, default="")
    score_confidence: Mapped[str | None] = mapped_column(String(10))
    estimated_score: Mapped[float | None] = mapped_column(Float)
    symptoms: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]


class FindingRow(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(BigInteger, _athlete_fk(), index=True)
    activity_id: Mapped[int | None] = mapped_column(BigInteger, _activity_fk(), index=True)
    local_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(30))
    band: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    value: Mapped[float] = mapped_column(Float)
    reference: Mapped[float | None] = mapped_column(Float)
    ratio: Mapped[float | None] = mapped_column(Float)
    hazard_ratio: Mapped[str | None] = mapped_column(String(80))
    explanation: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime]


class SuggestionRow(Base):
    __tablename__ = "suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(BigInteger, _athlete_fk(), index=True)
    activity_id: Mapped[int] = mapped_column(BigInteger, _activity_fk(), unique=True)
    local_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    protocol_id: Mapped[str | None] = mapped_column(String(60))
    phase: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    exercises: Mapped[list[str]] = mapped_column(JSON, default=list)
    decision: Mapped[dict[str, Any]]
    # The protocol states the decision started from: re-deciding an edited run starts there
    # again instead of from the states this very decision produced.
    prior_states: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    input_hash: Mapped[str] = mapped_column(String(64))
    public_text: Mapped[str] = mapped_column(Text, default="")
    private_text: Mapped[str] = mapped_column(Text, default="")
    # Hash of the block last written to the description ("" = none): no API call when unchanged.
    # "undone:<hash>" after an undo, hence 80 (PostgreSQL enforces the length, SQLite does not).
    delivered_hash: Mapped[str] = mapped_column(String(80), default="")
    # The run's own decision facts (quota.churn.RunDecisionFacts) now, and those of the block last
    # delivered: an earlier run's block is PUT again only when they differ, never because a
    # rolling figure (this week's km) moved.
    decision_facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    delivered_facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ProtocolStateRow(Base):
    __tablename__ = "protocol_states"

    athlete_id: Mapped[int] = mapped_column(BigInteger, _athlete_fk(), primary_key=True)
    protocol_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    phase: Mapped[int] = mapped_column(Integer)
    started_on: Mapped[date] = mapped_column(Date)
    last_full_on: Mapped[date | None] = mapped_column(Date)
    last_score: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime]
    # When the current phase began (a phase's minimum days count from here); NULL: unknown.
    phase_started_on: Mapped[date | None] = mapped_column(Date)


class Delivery(Base):
    """What we wrote or sent, where and when: the record that makes repairs and undo possible."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(BigInteger, _athlete_fk(), index=True)
    activity_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    channel: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class WebhookEvent(Base):
    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(BigInteger)
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int] = mapped_column(BigInteger)
    aspect_type: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[int] = mapped_column(BigInteger, index=True)
    event_time: Mapped[int] = mapped_column(BigInteger)
    updates: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        UniqueConstraint(
            "subscription_id",
            "object_type",
            "object_id",
            "aspect_type",
            "event_time",
            name="uq_webhook_events_identity",
        ),
    )


class AthleteChannel(Base):
    """An athlete's own notification channels: apprise URLs, a JSON list encrypted by the vault."""

    __tablename__ = "athlete_channels"

    athlete_id: Mapped[int] = mapped_column(BigInteger, _athlete_fk(), primary_key=True)
    urls: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime]


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(BigInteger, _athlete_fk(), index=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class RateWindow(Base):
    """App-wide Strava usage per rate window, shared by every process of this install."""

    __tablename__ = "rate_budget"

    bucket: Mapped[str] = mapped_column(String(20), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0)
    limit: Mapped[int] = mapped_column(Integer)


class OAuthState(Base):
    __tablename__ = "oauth_states"

    state: Mapped[str] = mapped_column(String(100), primary_key=True)
    redirect_uri: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # The browser flow: sha256 of the nonce in the browser's cookie (None: the CLI's loopback),
    # and whether the flow began with a valid invitation code.
    browser_hash: Mapped[str | None] = mapped_column(String(64))
    invited: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AppState(Base):
    """Small app-wide facts, such as the push subscription id."""

    __tablename__ = "app_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class RunnerSettings(Base):
    """What a runner chose on their own page; no row means the defaults (write, both)."""

    __tablename__ = "runner_settings"

    athlete_id: Mapped[int] = mapped_column(BigInteger, _athlete_fk(), primary_key=True)
    write_back_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # "description", "notification" or "both".
    destination: Mapped[str] = mapped_column(String(20), default="both")
    # Their own apprise URL, encrypted with the token vault (it works like a password).
    notification_url: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The runner's override of the text's units ("auto" = Strava's measurement preference) and
    # language ("auto" = the note's language, else the install's ``language`` setting).
    units: Mapped[str] = mapped_column(String(10), default="auto", server_default="auto")
    language: Mapped[str] = mapped_column(String(10), default="auto", server_default="auto")
    updated_at: Mapped[datetime]


class WebSession(Base):
    """A signed-in browser. Only a hash of the session id is stored; sign-out deletes the row."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    athlete_id: Mapped[int] = mapped_column(BigInteger, _athlete_fk(), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class Lease(Base):
    """A named claim one process holds until ``until``: a description being written, the
    install's one scheduler. Taken atomically (``db/leases.py``); a killed holder's runs out."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    # Unique per claim; ``host`` and ``pid`` say who holds it (and let the same host see that
    # the holder is dead without waiting for the lease to run out).
    owner: Mapped[str] = mapped_column(String(100))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    until: Mapped[datetime]
    taken_at: Mapped[datetime]
