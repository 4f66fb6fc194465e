"""Queueing a job inside an SQLAlchemy transaction, on the same PostgreSQL connection.

The job row commits with whatever else the transaction writes (a webhook event, an outbox
message) or not at all. A queueing lock already taken ("this job is already waiting") is not
an error: the waiting job will see the new rows when it runs. It is caught inside a savepoint,
because a unique violation would otherwise abort the whole transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from procrastinate import exceptions
from procrastinate.manager import JobManager
from procrastinate.sync_psycopg_connector import SyncPsycopgConnector
from procrastinate.tasks import Task, configure_task
from sqlalchemy.orm import Session

# Defers always go through the caller's connection, never a pool, so this connector is never
# opened. A worker's own (async) connector would want an async connection here.
_MANAGER = JobManager(SyncPsycopgConnector())


def defer_in(
    session: Session,
    task: Task[Any, Any, Any],
    *,
    lock: str | None = None,
    queueing_lock: str | None = None,
    schedule_at: datetime | None = None,
    **task_kwargs: Any,
) -> bool:
    """Queue ``task(**task_kwargs)``; False if a job with this queueing lock already waits."""
    try:
        with session.begin_nested():
            # Asking for the connection inside emits the SAVEPOINT (SQLAlchemy is lazy about it,
            # and the job's INSERT goes past it on the raw connection).
            raw = session.connection().connection.driver_connection
            configure_task(
                name=task.name,
                job_manager=_MANAGER,
                queue=task.queue,
                lock=lock,
                queueing_lock=queueing_lock,
                schedule_at=schedule_at,
                connection=raw,
            ).defer(**task_kwargs)
    except exceptions.AlreadyEnqueued:
        return False
    return True
