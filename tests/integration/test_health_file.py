"""The worker health file under writers in several processes at once: whole, and no crash."""

from __future__ import annotations

import json
import multiprocessing
import time
from pathlib import Path
from typing import Any

from strava_rehab.context import open_context
from strava_rehab.settings import load_settings
from strava_rehab.worker import health_path, write_health

WRITES = 300


def _write_many(data_dir: str, barrier: Any, queue: multiprocessing.Queue[str]) -> None:
    ctx = open_context(load_settings(data_dir=Path(data_dir)), migrate=False)
    barrier.wait(60)
    try:
        for n in range(WRITES):
            write_health(ctx, "sync", True, f"write {n}")
    except Exception as exc:
        queue.put(f"{type(exc).__name__}: {exc}")
    else:
        queue.put("ok")
    finally:
        ctx.close()


def test_three_processes_writing_the_health_file_at_once_never_collide(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = load_settings(data_dir=data_dir)
    forked = multiprocessing.get_context("fork")  # the product is imported already: quick
    queue: multiprocessing.Queue[str] = forked.Queue()
    barrier = forked.Barrier(3)
    procs = [
        forked.Process(target=_write_many, args=(str(data_dir), barrier, queue)) for _ in range(3)
    ]
    for p in procs:
        p.start()
    path = settings.worker.health_file or data_dir / "worker.health"
    torn = 0
    while any(p.is_alive() for p in procs):
        try:
            json.loads(path.read_text())
        except FileNotFoundError:
            pass
        except ValueError:
            torn += 1
        time.sleep(0.001)
    for p in procs:
        p.join(60)
    outcomes = [queue.get(timeout=5) for _ in procs]
    assert outcomes == ["ok"] * 3  # the old fixed "worker.tmp" raised FileNotFoundError here
    assert torn == 0  # a reader never saw half a file
    ctx = open_context(settings, migrate=False)
    assert health_path(ctx) == path
    ctx.close()
    assert json.loads(path.read_text())["job"] == "sync"
    assert sorted(p.name for p in data_dir.iterdir() if "health" in p.name) == ["worker.health"]
