"""Database connections and migrations.

SQLite (the embedded default) runs in WAL mode with a busy timeout, so the web server and the
worker thread can read while one of them writes; foreign keys are switched on, because deleting
an athlete must cascade to everything stored about them.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    Column,
    Connection,
    CursorResult,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    Result,
    String,
    Table,
    create_engine,
    event,
    inspect,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from strava_rehab.db.files import prepare_private_file, restrict_files, sqlite_file

if TYPE_CHECKING:  # Alembic (0.2 s to import, every dialect) loads only to migrate
    from alembic.config import Config
    from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 15_000
READ_ONLY = "strava_rehab_read_only"
# The newest migration's revision. Bump it with every new migration: a test checks it is the
# head of the migration tree. Knowing it without Alembic lets a start on a current database
# (every start but the first after an upgrade) skip loading Alembic and its scripts.
SCHEMA_HEAD = "0012_runner_locale"
# Alembic's own bookkeeping table, as ``alembic stamp`` creates it.
_VERSIONS = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL (it stays so: later connections find it set). On a new file a
    second connection can meet the first one's lock here, and SQLite answers "database is
    locked" at once instead of calling the busy handler: wait and retry, as the handler would,
    up to the busy timeout."""
    waited, pause = 0.0, 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or waited >= SQLITE_BUSY_TIMEOUT_MS / 1000:
                raise
        time.sleep(pause)
        waited += pause
        pause = min(pause * 2, 0.1)


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    database_file = sqlite_file(url)
    if database_file is not None:
        prepare_private_file(database_file)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN; we emit it ourselves (see "begin").
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten with zeros: a disconnected athlete leaves no bytes behind.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()
        if database_file is not None:
            restrict_files(database_file)  # the -wal and -shm files exist from here on

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: two processes never both read-then-write the
        # same row and deadlock on upgrade; the busy timeout makes the second one wait instead.
        # Read-only work (``Database.read``) starts a deferred transaction and never waits on it.
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    script_location = resources.files("strava_rehab.db") / "migrations"
    config = Config()
    config.set_main_option("script_location", str(script_location))
    # ConfigParser interpolates '%': a URL-encoded password or path would not survive unescaped.
    url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def _stored_revisions(conn: Connection) -> list[str] | None:
    """What ``alembic_version`` holds, read without Alembic; None when there is no such table."""
    if not inspect(conn).has_table(_VERSIONS.name):
        return None
    return [str(v) for v in conn.execute(select(_VERSIONS.c.version_num)).scalars()]


def at_head(engine: Engine) -> bool:
    """True when the schema is at ``SCHEMA_HEAD`` (a quick read, no Alembic)."""
    with engine.connect() as conn:
        return _stored_revisions(conn) == [SCHEMA_HEAD]


def _create_fresh(engine: Engine) -> bool:
    """Create a new SQLite database at head in one transaction, as Alembic's recipe for a new
    database does (``create_all``, then stamp head): the models *are* the head schema, which
    ``test_models_and_migrations_do_not_drift`` and the fresh-schema test hold true. Running
    every migration one by one costs a first start about a third of a second more. Returns False
    (nothing done) unless the database is empty; PostgreSQL always migrates (its migrations
    also install procrastinate's schema, which the models do not describe)."""
    if engine.dialect.name != "sqlite":
        return False
    from strava_rehab.db.models import Base

    # BEGIN IMMEDIATE (see make_engine): a second process starting at the same moment waits
    # here, then finds the tables and leaves them alone.
    with engine.begin() as conn:
        if inspect(conn).get_table_names():
            return False
        Base.metadata.create_all(conn)
        _VERSIONS.create(conn)
        conn.execute(_VERSIONS.insert().values(version_num=SCHEMA_HEAD))
    return True


def ensure_schema(engine: Engine) -> None:
    """Bring the schema to head if it is behind (the embedded default does this always)."""
    if at_head(engine):
        return
    if _create_fresh(engine):
        log.info("created the database schema at revision %s", SCHEMA_HEAD)
        return
    log.info("applying database migrations")
    upgrade(engine)


class FairWriteLock:
    """First come, first served: the order in which this process's threads get to write.

    SQLite's busy handler polls with growing sleeps (up to 100 ms), so a webhook that has to
    answer Strava quickly can keep losing the write lock to the worker's back-to-back writes.
    Queuing writers of one process on tickets hands the lock over at once and in order; other
    processes still meet at SQLite's lock and busy timeout. Re-entrant for the owning thread.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._next = 0
        self._serving = 0
        self._owner: int | None = None
        self._depth = 0

    def __enter__(self) -> None:
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
                return
            ticket = self._next
            self._next += 1
            while self._serving != ticket:
                self._cond.wait()
            self._owner, self._depth = me, 1

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._serving += 1
                self._cond.notify_all()


class Database:
    """The engine and a session factory; ``transaction()`` commits, or rolls back on error."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )
        self._write_lock: contextlib.AbstractContextManager[None] = (
            FairWriteLock() if self.engine.dialect.name == "sqlite" else contextlib.nullcontext()
        )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._write_lock, self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only snapshot: on SQLite it takes no write lock, so writers are not held up."""
        with self._readers() as session, session.begin():
            yield session

    def session(self) -> Session:
        return self._sessions()

    def dispose(self) -> None:
        self.engine.dispose()


def upsert_insert(session: Session) -> type[SqliteInsert] | type[PostgresInsert]:
    """The INSERT with ON CONFLICT of the session's database (the same SQL on both). The
    PostgreSQL dialect (40 ms of imports) loads only when the database is PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import Insert as PostgresInsert

        return PostgresInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert

    return SqliteInsert


def affected(result: Result[Any]) -> int:
    """Rows changed by an UPDATE, DELETE or INSERT ... ON CONFLICT DO NOTHING."""
    return cast("CursorResult[Any]", result).rowcount
