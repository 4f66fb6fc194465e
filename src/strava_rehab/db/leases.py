"""Named leases in the database: one process at a time does a thing, on SQLite and PostgreSQL.

``take`` is one statement, ``INSERT … ON CONFLICT (name) DO UPDATE … WHERE until < now
RETURNING owner``: it wins when the name is free or its lease has run out, and loses when another
owner's lease is still running, atomically on both backends (SQLite's ``BEGIN IMMEDIATE``
serialises writers; PostgreSQL locks the conflicting row). A holder on this host whose process
is gone (killed) is taken over at once, by a conditional update on its owner token, rather than
after its lease; a holder on another host is waited out. ``renew`` and ``release`` only touch a
lease the caller still owns, so a holder that lost its lease cannot extend or free the next one.

Used for a description write (``description:<activity id>``, ``services/deliver.py``) and for
the one scheduler per install (``scheduler``, ``worker/``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from strava_rehab.db.engine import Database, affected, upsert_insert
from strava_rehab.db.models import Lease

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Taken:
    """The outcome of ``take``: whether we hold it, and who does (us, or the other holder)."""

    won: bool
    holder: str
    until: datetime


def host_name() -> str:
    return socket.gethostname()[:255]


def this_process() -> str:
    """What a person reads to find a holder: the host and the process id."""
    return describe(host_name(), os.getpid())


def describe(host: str, pid: int) -> str:
    return f"{host} pid {pid}"


def new_owner() -> str:
    """A token unique to one claim: two threads, or a restarted process with a reused pid,
    never pass for each other."""
    return uuid.uuid4().hex


def process_alive(pid: int) -> bool:
    """Whether a process of this host is still running (a zombie is not)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True


def take(db: Database, name: str, *, owner: str, now: datetime, lease: timedelta) -> Taken:
    """Take ``name`` until ``now + lease`` if it is free, expired or its holder is dead."""
    host, pid = host_name(), os.getpid()
    with db.transaction() as session:
        statement = upsert_insert(session)(Lease).values(
            name=name, owner=owner, host=host, pid=pid, until=now + lease, taken_at=now
        )
        won = session.execute(
            statement.on_conflict_do_update(
                index_elements=[Lease.name],
                set_={
                    "owner": statement.excluded.owner,
                    "host": statement.excluded.host,
                    "pid": statement.excluded.pid,
                    "until": statement.excluded.until,
                    "taken_at": statement.excluded.taken_at,
                },
                where=(Lease.until < now) | (Lease.owner == owner),
            ).returning(Lease.owner)
        ).scalar_one_or_none()
        if won == owner:
            return Taken(True, describe(host, pid), now + lease)
        row = session.scalars(select(Lease).where(Lease.name == name)).one()
        other = describe(row.host, row.pid)
        if row.host != host or process_alive(row.pid):
            return Taken(False, other, row.until)
        # Its holder was killed on this host: take it over, unless someone else just did.
        taken_over = affected(
            session.execute(
                update(Lease)
                .where(Lease.name == name, Lease.owner == row.owner)
                .values(owner=owner, host=host, pid=pid, until=now + lease, taken_at=now)
            )
        )
        if not taken_over:
            return Taken(False, other, row.until)
        log.info("lease %s taken over from %s, which is no longer running", name, other)
        return Taken(True, describe(host, pid), now + lease)


def renew(db: Database, name: str, *, owner: str, now: datetime, lease: timedelta) -> bool:
    """Extend our lease; False when it is no longer ours (it ran out and was taken over)."""
    with db.transaction() as session:
        return bool(
            affected(
                session.execute(
                    update(Lease)
                    .where(Lease.name == name, Lease.owner == owner)
                    .values(until=now + lease)
                )
            )
        )


def release(db: Database, name: str, *, owner: str) -> None:
    """Give up our lease (a lease someone else took over meanwhile stays theirs)."""
    with db.transaction() as session:
        session.execute(delete(Lease).where(Lease.name == name, Lease.owner == owner))


def holder_of(db: Database, name: str, now: datetime) -> Taken | None:
    """Who holds ``name`` now, if anyone (an expired lease is nobody's)."""
    with db.read() as session:
        row = session.scalars(select(Lease).where(Lease.name == name)).one_or_none()
        if row is None or row.until < now:
            return None
        return Taken(False, describe(row.host, row.pid), row.until)


def serialise_athlete(session: Session, athlete_id: int) -> None:
    """Within a write transaction: one process at a time past this point for the athlete.

    For read-then-insert writes (a run's suggestion and protocol state): on PostgreSQL two
    processes would both read "none" and the second insert would collide, so a transaction-level
    advisory lock orders them (the second then reads the first's row). SQLite needs nothing:
    its ``BEGIN IMMEDIATE`` already lets one writer in at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": athlete_id})
