"""The embedded worker: APScheduler 3 in one process, running ``strava_rehab.services.jobs``.

One thread executes jobs (``max_instances=1``, coalescing), so jobs never overlap and an athlete
is never refreshed from two places in this process. Several processes on one database would each
start a scheduler: the distributed mode uses a task engine instead, with the same job functions.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from strava_rehab.context import AppContext
from strava_rehab.services import jobs
from strava_rehab.settings import ConfigError

log = logging.getLogger(__name__)

Job = Callable[[AppContext, threading.Event], Any]

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
    tmp = path.with_suffix(".tmp")
    tmp.write_text(
        json.dumps({"time": ctx.clock().isoformat(), "job": job, "ok": ok, "detail": detail[:300]})
    )
    tmp.replace(path)  # atomic: a reader never sees half a file


def cron(expression: str, timezone: str, name: str) -> CronTrigger:
    try:
        return CronTrigger.from_crontab(expression, timezone=timezone)
    except (ValueError, KeyError) as exc:
        raise ConfigError(
            f"worker.{name}: not a valid cron expression {expression!r} ({exc})"
        ) from None


class Worker:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.stop = threading.Event()
        self.last: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._running: set[str] = set()
        self._again: set[str] = set()
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
            "sync": jobs.sync_and_suggest,
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
        for name, trigger in self._triggers.items():
            extra: dict[str, Any] = {}
            if name == "sync" and catch_up:
                # A catch-up sync at start: schedules live in the settings, state in our tables.
                extra["next_run_time"] = datetime.now(trigger.timezone)
            self.scheduler.add_job(
                self._run, trigger, args=[name], id=name, name=name, replace_existing=True, **extra
            )
        self.scheduler.start()
        log.info(
            "worker started: sync %s, digest %s",
            self.ctx.settings.worker.sync_cron,
            self.ctx.settings.worker.digest_cron,
        )

    def wake(self, name: str = "inbox") -> None:
        """Run a job now (a webhook just arrived) instead of waiting for its interval."""
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
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        log.info("worker stopped")

    def running(self) -> bool:
        return bool(self.scheduler.running)
