"""The job queue at a glance, for ``strava-rehab status``: jobs per task and state."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import text

from strava_rehab.context import AppContext

STATES = ("waiting", "scheduled", "running", "failed")

QUERY = text(
    """
    SELECT task_name,
           CASE WHEN status = 'todo' AND scheduled_at > :now THEN 'scheduled'
                WHEN status = 'todo' THEN 'waiting'
                WHEN status = 'doing' THEN 'running'
                ELSE status::text END AS state,
           count(*) AS n
      FROM procrastinate_jobs
     WHERE status IN ('todo', 'doing', 'failed')
     GROUP BY 1, 2
    """
)


def queue_status(ctx: AppContext, now: datetime) -> dict[str, dict[str, int]]:
    """``{task: {"waiting": n, "scheduled": n, "running": n, "failed": n}}``.

    ``scheduled`` is waiting for a later time (a rate-limit window, a retry backoff).
    """
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATES, 0))
    with ctx.db.read() as session:
        for task, state, n in session.execute(QUERY, {"now": now}).all():
            counts[str(task)][str(state)] = int(n)
    return dict(sorted(counts.items()))


def format_queue(counts: dict[str, dict[str, int]]) -> list[str]:
    if not counts:
        return ["job queue: empty"]
    totals = {state: sum(c[state] for c in counts.values()) for state in STATES}
    lines = ["job queue: " + ", ".join(f"{totals[s]} {s}" for s in STATES)]
    for task, c in counts.items():
        lines.append(f"  {task}: " + ", ".join(f"{c[s]} {s}" for s in STATES if c[s]))
    return lines
