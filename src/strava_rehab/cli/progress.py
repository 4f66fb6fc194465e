"""Showing a sync's progress: a rich progress bar on a terminal, one line per step otherwise."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from strava_rehab.cli.output import err
from strava_rehab.services.sync_progress import SyncProgress, SyncStep


def step_line(step: SyncStep) -> str:
    """The one line a step gets where there is no terminal (cron, CI, a log file)."""
    if step.stage == "pages":
        return (
            f"sync athlete {step.athlete_id}: page {step.done} listed "
            f"({step.listed} activities so far)"
        )
    return f"sync athlete {step.athlete_id}: detail {step.done} of {step.total} read"


class LineProgress:
    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def __call__(self, step: SyncStep) -> None:
        stream = self._stream or sys.stderr
        stream.write(step_line(step) + "\n")
        stream.flush()


class BarProgress:
    """Two bars per athlete: pages listed (no total known) and details read (of how many)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[tuple[int, str], TaskID] = {}

    def __call__(self, step: SyncStep) -> None:
        key = (step.athlete_id, step.stage)
        if key not in self._tasks:
            what = "pages listed" if step.stage == "pages" else "details read"
            self._tasks[key] = self._progress.add_task(
                f"athlete {step.athlete_id}: {what}", total=step.total
            )
        # A detail step is announced before it is read: the count shows the ones done.
        done = step.done if step.stage == "pages" else step.done - 1
        self._progress.update(self._tasks[key], completed=done, total=step.total)

    def finish(self) -> None:
        for (_, stage), task in self._tasks.items():
            if stage == "details":
                total = self._progress.tasks[task].total
                self._progress.update(task, completed=total)


@contextmanager
def sync_progress(quiet: bool = False) -> Iterator[SyncProgress | None]:
    """The progress display for ``sync``: bars on a terminal (stderr), lines otherwise."""
    if quiet:
        yield None
        return
    if not err.is_terminal:
        yield LineProgress()
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=False) as progress:
        bars = BarProgress(progress)
        yield bars
        bars.finish()
