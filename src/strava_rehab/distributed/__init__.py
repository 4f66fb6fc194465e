"""The distributed runner: the same services as jobs on procrastinate, N workers on PostgreSQL.

``runner = "procrastinate"`` in the settings. One unit of work per athlete or per message:

- ``sync_athlete(athlete_id)``: sync, then the post-run pass (the periodic ``sync_all`` fans one
  out per connected athlete, once per period across all workers: the database dedupes it);
- ``post_run(athlete_id)``: apply that athlete's stored webhook events, then the post-run pass
  (``serve`` queues it in the transaction that stores the event);
- ``send_notification(message_id)``: one outbox message; ``send_digest(athlete_id)`` per athlete.

Both athlete tasks take the lock ``athlete:<id>``: one athlete is never worked on by two workers
at once, and the token refresh happens inside it. A queueing lock per task and athlete makes a
burst of events queue one job. A spent rate budget or a 429 ends the job and queues it again
for when the window resets (``schedule_at``); no worker sleeps. procrastinate is imported only
here, so the embedded default never needs it.
"""

from strava_rehab.distributed.app import build_app, conninfo

__all__ = ["build_app", "conninfo"]
