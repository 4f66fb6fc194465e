"""How fast the command line starts: the wall time of whole ``strava-rehab`` processes.

Run on demand: ``.venv/bin/python benchmarks/bench_cli.py [--runs N]`` (default 10). Each
command runs N times as a real subprocess (after one unmeasured warm-up run), in a temporary
home with no settings file and no Strava credentials: the embedded SQLite default, no athletes.
Bytecode is cached (in the temporary directory) as in any installed package, even where
``PYTHONDONTWRITEBYTECODE`` is set. Prints the median and p90 wall time of each and whether its
target is met, judged on the median wall time. The machine is shared: p90 shows the spread,
and the median CPU time (user plus system) what a run costs when other processes hold the
cores:

- ``strava-rehab --help``: under 0.3 s;
- ``strava-rehab -q worker --once`` in a fresh data directory (so it creates and migrates the
  database first): under 1 s.

``--version``, ``config check`` and ``worker --once`` on an existing database have no target
of their own; they are printed for comparison.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HELP_TARGET_S = 0.3
WORKER_TARGET_S = 1.0


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    target_s: float | None
    # A fresh data directory for every run: the first-run cost (schema creation) is measured.
    fresh_data_dir: bool = False


CASES = (
    Case("--help", ("--help",), HELP_TARGET_S),
    Case("--version", ("--version",), None),
    Case("config check", ("config", "check"), None),
    Case("-q worker --once (fresh data dir)", ("-q", "worker", "--once"), WORKER_TARGET_S, True),
    Case("-q worker --once (existing database)", ("-q", "worker", "--once"), None),
)


def command() -> list[str]:
    """The installed console script, as a user runs it; else the module."""
    script = Path(sys.executable).parent / "strava-rehab"
    return [str(script)] if script.exists() else [sys.executable, "-m", "strava_rehab"]


def isolated_env(root: Path) -> dict[str, str]:
    """The caller's environment without our settings: defaults, a temporary home."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STRAVA_REHAB_", "STRAVA_CLIENT_"))
        and key not in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "PYTHONDONTWRITEBYTECODE")
    }
    # An installed package has its bytecode cached; without it every run compiles our modules
    # again. The warm-up run writes the cache, here, out of the source tree.
    env["PYTHONPYCACHEPREFIX"] = str(root.parent / "pycache")
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    env["HOME"] = str(home)
    env["SILENCE_TOKEN_WARNINGS"] = "true"  # stravalib's warning, should it be imported
    env["STRAVA_REHAB_DATA_DIR"] = str(root / "data")
    return env


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run."""
    cpu, started = cpu_of_children(), time.perf_counter()
    result = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(argv)} exited {result.returncode}:\n{result.stderr}")
    return elapsed, cpu_of_children() - cpu


def samples(case: Case, runs: int, root: Path) -> list[tuple[float, float]]:
    base = [*command(), *case.args]
    work = root / "work"  # no ./config/strava-rehab.toml here
    work.mkdir(parents=True, exist_ok=True)
    env = isolated_env(root)

    def env_of_run(i: int) -> dict[str, str]:
        if not case.fresh_data_dir:
            return env
        return {**env, "STRAVA_REHAB_DATA_DIR": str(root / f"data-{i}")}

    timed(base, env_of_run(-1), work)  # warm-up: page cache, .pyc, the database of later runs
    times = []
    for i in range(runs):
        times.append(timed(base, env_of_run(i), work))
        if case.fresh_data_dir:
            shutil.rmtree(root / f"data-{i}", ignore_errors=True)
    return times


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per command (default 10)")
    runs = parser.parse_args().runs
    if runs < 2:
        parser.error("--runs: give at least 2")
    print(f"{' '.join(command())}, {runs} runs per command")
    all_met = True
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        for case in CASES:
            measured = samples(case, runs, Path(tmp) / f"case-{CASES.index(case)}")
            times = [wall for wall, _ in measured]
            cpu = statistics.median(c for _, c in measured)
            median = statistics.median(times)
            if case.target_s is None:
                verdict = "(no target)"
            else:
                met = median < case.target_s
                all_met &= met
                verdict = f"target < {case.target_s:.1f} s: {'met' if met else 'MISSED'}"
            print(
                f"{case.name:<38} median {median:6.3f} s   p90 {p90(times):6.3f} s   "
                f"(cpu {cpu:5.3f} s)   {verdict}"
            )
    print("all targets met" if all_met else "some targets missed")


if __name__ == "__main__":
    main()
