"""The embedded worker: APScheduler 3 in one process, running ``strava_rehab.services.jobs``.

One thread executes jobs (``max_instances=1``, coalescing), so jobs never overlap and an athlete
is never refreshed from two places in this process. One scheduler runs per install (per
database): it holds the ``scheduler`` lease (``db/leases.py``) and renews it every third of
``worker.scheduler_lease_s`` from a thread of its own. A second ``worker`` exits 1 naming the
holder; a second ``serve`` answers webhooks without a scheduler (standby) and takes the lease
over once it runs out, as does any scheduler when the holder was killed. A scheduler that finds
its lease taken over (it was stopped longer than the lease) pauses its jobs until it gets it
back. ``worker --once`` takes no lease: its cycle is safe beside a scheduler (descriptions and
messages are claimed one by one).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from strava_rehab.errors import UserFacingError
from strava_rehab.settings import ConfigError

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

    from strava_rehab.context import AppContext
    from strava_rehab.db import leases
    from strava_rehab.services import jobs

# Imported where they are used, not here: APScheduler where the scheduler is built (``worker
# --once``, ``status`` and the health file never start one), the jobs and the leases (the
# database) by the Worker, so that ``config check`` can validate a cron expression (``cron``)
# without loading the database layer.

log = logging.getLogger(__name__)

SCHEDULER_LEASE = "scheduler"


class SchedulerBusy(UserFacingError):
    """Another process already runs this install's scheduler."""


Job = Callable[["AppContext", threading.Event], Any]

# ``worker --once`` exit codes, for cron and systemd (README, ``worker --help``). 1 and 2 keep the
# CLI's meaning: a configuration problem, bad usage.
EXIT_OK = 0
EXIT_ATHLETE_FAILED = 3  # one or more athletes' cycles stopped with an error
EXIT_STRAVA_UNREACHABLE = 4  # Strava did not answer (network, timeouts, 5xx): try again later


def cycle_exit_code(report: jobs.CycleReport) -> int:
    """The exit code of one cycle; a rate-limit pause is planned (it resumes), not a failure."""
    if any(s.unreachable for s in report.synced):
        return EXIT_STRAVA_UNREACHABLE
    failed = [s for s in report.synced if s.error and s.resume_at is None]
    if failed or any(p.error for p in report.post_run):
        return EXIT_ATHLETE_FAILED
    return EXIT_OK


def health_path(ctx: AppContext) -> Path:
    return ctx.settings.worker.health_file or ctx.settings.data_dir / "worker.health"


def write_health(ctx: AppContext, job: str, ok: bool, detail: str = "") -> None:
    path = health_path(ctx)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(
        {"time": ctx.clock().isoformat(), "job": job, "ok": ok, "detail": detail[:300]}
    )
    # A temporary name of this write's own, in the same directory: two processes (or threads)
    # never write into one file, and the rename is atomic, so a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def cron(expression: str, timezone: str, name: str) -> CronTrigger:
    from apscheduler.triggers.cron import CronTrigger

    try:
        return CronTrigger.from_crontab(expression, timezone=timezone)
    except (ValueError, KeyError) as exc:
        raise ConfigError(
            f"worker.{name}: not a valid cron expression {expression!r} ({exc})"
        ) from None


class Worker:
    def __init__(self, ctx: AppContext, *, standby_if_busy: bool = False) -> None:
        from strava_rehab.db import leases
        from strava_rehab.services import jobs

        self.ctx = ctx
        self.stop = threading.Event()
        # serve: without the lease, answer webhooks and stand by instead of refusing to start.
        self.standby_if_busy = standby_if_busy
        self._owner = leases.new_owner()
        self._lease = timedelta(seconds=ctx.settings.worker.scheduler_lease_s)
        self._holding = False
        self._other = ""  # who holds the lease when we do not
        self._keeper: threading.Thread | None = None
        self.last: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._running: set[str] = set()
        self._again: set[str] = set()
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        settings = ctx.settings.worker
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
            timezone=settings.timezone,
        )
        self._triggers = {
            "sync": cron(settings.sync_cron, settings.timezone, "sync_cron"),
            "inbox": IntervalTrigger(seconds=settings.inbox_interval_s),
            "outbox": IntervalTrigger(seconds=settings.outbox_interval_s),
            "digest": cron(settings.digest_cron, settings.timezone, "digest_cron"),
        }
        self._jobs: dict[str, Job] = {
            "sync": jobs.scheduled_sync,
            "inbox": jobs.drain_inbox,
            "outbox": jobs.send_outbox,
            "digest": jobs.send_digests,
        }

    def _run(self, name: str) -> None:
        with self._lock:
            self._running.add(name)
            self._again.discard(name)
        try:
            while True:
                self._run_once(name)
                with self._lock:
                    # Woken while running (a webhook during the drain): go again right away.
                    # Deciding and leaving happen under one lock, so no wake falls in between.
                    if name not in self._again or self.stop.is_set():
                        self._running.discard(name)
                        return
                    self._again.discard(name)
        except BaseException:
            with self._lock:
                self._running.discard(name)
            raise

    def _run_once(self, name: str) -> None:
        started = time.monotonic()
        try:
            result = self._jobs[name](self.ctx, self.stop)
        except Exception as exc:
            log.exception("job %s failed after %.1f s", name, time.monotonic() - started)
            write_health(self.ctx, name, False, f"{type(exc).__name__}: {exc}")
            self.last[name] = {"ok": False, "at": self.ctx.clock()}
            return
        summary = result.summary() if hasattr(result, "summary") else str(result)
        log.info(
            "job %s done in %.2f s: %s",
            name,
            time.monotonic() - started,
            summary.replace("\n", "; "),
        )
        write_health(self.ctx, name, True, summary)
        self.last[name] = {"ok": True, "at": self.ctx.clock()}

    def start(self, *, catch_up: bool = True) -> None:
        """Take the scheduler lease and start; SchedulerBusy if another holds it (or stand by)."""
        taken = self._take()
        if not taken.won and not self.standby_if_busy:
            raise SchedulerBusy(
                f"another scheduler runs on this database: {taken.holder} (its lease runs to "
                f"{taken.until:%Y-%m-%d %H:%M:%S} UTC); run one `worker` or `serve` per install "
                "(`worker --once` may run beside it), or wait for the lease if it was killed"
            )
        for name, trigger in self._triggers.items():
            extra: dict[str, Any] = {}
            if name == "sync" and catch_up:
                # A catch-up sync at start: schedules live in the settings, state in our tables.
                extra["next_run_time"] = datetime.now(trigger.timezone)
            self.scheduler.add_job(
                self._run, trigger, args=[name], id=name, name=name, replace_existing=True, **extra
            )
        if taken.won:
            self.scheduler.start()
            log.info(
                "worker started: sync %s, digest %s",
                self.ctx.settings.worker.sync_cron,
                self.ctx.settings.worker.digest_cron,
            )
        else:
            log.warning(
                "scheduler standing by: %s runs it; this process serves without one and takes "
                "over if its lease runs out",
                taken.holder,
            )
        self._keeper = threading.Thread(target=self._keep, name="scheduler-lease", daemon=True)
        self._keeper.start()

    def _take(self) -> leases.Taken:
        from strava_rehab.db import leases

        taken = leases.take(
            self.ctx.db, SCHEDULER_LEASE, owner=self._owner, now=self.ctx.clock(), lease=self._lease
        )
        self._holding = taken.won
        self._other = "" if taken.won else taken.holder
        return taken

    def _keep(self) -> None:
        interval = self._lease.total_seconds() / 3
        while not self.stop.wait(interval):
            try:
                self.check_lease()
            except Exception:  # the database is away for a moment: try again next round
                log.warning("scheduler lease check failed; retrying", exc_info=True)

    def check_lease(self) -> None:
        """One round of the lease keeper: renew ours, or take a free or expired one."""
        from strava_rehab.db import leases

        if self._holding:
            if leases.renew(
                self.ctx.db,
                SCHEDULER_LEASE,
                owner=self._owner,
                now=self.ctx.clock(),
                lease=self._lease,
            ):
                return
            self._holding = False
            current = leases.holder_of(self.ctx.db, SCHEDULER_LEASE, self.ctx.clock())
            self._other = current.holder if current else "nobody"
            if self.scheduler.running:
                self.scheduler.pause()
            log.error(
                "scheduler lease lost to %s (this process was stalled past its lease); "
                "jobs paused until it is free",
                self._other,
            )
            return
        if self.stop.is_set():
            return
        before = self._other
        if not self._take().won:
            return
        if not self.scheduler.running:
            self.scheduler.start()
            self.wake("sync")  # taking over from a killed holder: catch up at once
        else:
            self.scheduler.resume()
        log.warning("scheduler lease taken over from %s: jobs running here now", before)

    def scheduler_state(self) -> str:
        """For /healthz: "running", "stopped", or "standby (held by <host pid>)"."""
        if self._keeper is None or self.stop.is_set():
            return "stopped"
        return "running" if self._holding else f"standby (held by {self._other})"

    def wake(self, name: str = "inbox") -> None:
        """Run a job now (a webhook just arrived) instead of waiting for its interval."""
        if not self._holding:
            return  # standing by: the scheduler that holds the lease drains the inbox
        with self._lock:
            if name in self._running:
                self._again.add(name)  # the running job goes round once more when it ends
                return
        job = self.scheduler.get_job(name)
        if job is not None:
            job.modify(next_run_time=datetime.now(job.trigger.timezone))
            self.scheduler.wakeup()

    def shutdown(self) -> None:
        """Let the running job finish (it checks ``stop`` between athletes), then stop."""
        self.stop.set()
        if self._keeper is not None:
            self._keeper.join()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if self._holding:
            from strava_rehab.db import leases

            leases.release(self.ctx.db, SCHEDULER_LEASE, owner=self._owner)
            self._holding = False
        log.info("worker stopped")

    def running(self) -> bool:
        """Alive: running its jobs, or standing by for the lease (``serve`` beside a scheduler)."""
        if self._holding:
            return bool(self.scheduler.running)
        return self._keeper is not None and self._keeper.is_alive()
