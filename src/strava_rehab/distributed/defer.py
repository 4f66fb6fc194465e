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
from procrastinate.tasks import Task
from sqlalchemy.orm import Session


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
    raw = session.connection().connection.driver_connection
    try:
        with session.begin_nested():
            task.configure(
                lock=lock, queueing_lock=queueing_lock, schedule_at=schedule_at, connection=raw
            ).defer(**task_kwargs)
    except exceptions.AlreadyEnqueued:
        return False
    return True
