"""``strava-rehab worker`` in distributed mode: one procrastinate worker process.

Run as many as you like on one PostgreSQL database. Each one:
- queues a catch-up ``sync_all`` when it starts (deduped: workers starting within a few
  minutes of each other queue one);
- runs up to ``concurrency`` jobs at a time, each sync task in its own thread;
- stops gracefully on SIGTERM or SIGINT: no new job, running ones finish (up to
  ``distributed.shutdown_timeout_s``), then it unregisters;
- sends a heartbeat; the periodic ``retry_stalled_jobs`` (any worker) retries the running jobs
  of a worker whose heartbeat stopped (killed, lost its node).
"""

from __future__ import annotations

import logging

from sqlalchemy import text

from strava_rehab.context import AppContext
from strava_rehab.distributed.app import build_app
from strava_rehab.settings import ConfigError, Settings

log = logging.getLogger(__name__)


def check_queue_schema(ctx: AppContext) -> None:
    with ctx.db.read() as session:
        present = session.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar()
    if present is None:
        raise ConfigError(
            "the job queue schema is missing: run `strava-rehab db upgrade` (with the "
            "'distributed' extra installed; if it was missing then, `db downgrade 0003` first)"
        )


def run_worker(settings: Settings, *, concurrency: int | None = None) -> None:
    dapp = build_app(settings)
    dist = settings.distributed
    try:
        ctx = dapp.contexts.get()
        check_queue_schema(ctx)
        dapp.queue_catch_up(ctx)
        log.info("worker starting: concurrency %d", concurrency or dist.concurrency)
        dapp.app.run_worker(
            concurrency=concurrency or dist.concurrency,
            fetch_job_polling_interval=dist.poll_interval_s,
            abort_job_polling_interval=max(dist.poll_interval_s, 1.0),
            update_heartbeat_interval=dist.heartbeat_s,
            stalled_worker_timeout=dist.stalled_after_s,
            shutdown_graceful_timeout=dist.shutdown_timeout_s,
            install_signal_handlers=True,
            delete_jobs="successful",
        )
    finally:
        dapp.contexts.close()
    log.info("worker stopped")


def run_until_idle(settings: Settings) -> None:
    """One full pass, in this process: fan out a sync per athlete and run every job until the
    queue is empty (tests, and a cron-style ``worker --once`` on the distributed runner)."""
    dapp = build_app(settings)
    try:
        ctx = dapp.contexts.get()
        check_queue_schema(ctx)
        dapp.queue_sync_all(ctx, everyone=True)
        dapp.app.run_worker(
            wait=False,
            concurrency=1,
            fetch_job_polling_interval=0.1,
            install_signal_handlers=False,
            listen_notify=False,
            delete_jobs="successful",
        )
    finally:
        dapp.contexts.close()
