"""What a Python user expects of a command line: --version, completion, and a config file found
where users keep it, whichever folder the command runs from."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from strava_rehab import __version__


def run(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "strava_rehab", *args],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_version_flag_prints_the_version() -> None:
    result = run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"strava-rehab {__version__}"


def test_shell_completion_is_offered() -> None:
    assert "--install-completion" in run("--help").stdout
    result = run("--show-completion", "bash")
    assert result.returncode == 0, result.stderr
    assert "_strava_rehab_completion" in result.stdout


def _write(path: Path, max_athletes: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"max_athletes = {max_athletes}\n")
    return path


def _shown(result: subprocess.CompletedProcess[str]) -> tuple[str, str]:
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    source = lines[0].removeprefix("# config file: ")
    max_line = next(line for line in lines if line.startswith("max_athletes = "))
    return source, max_line.removeprefix("max_athletes = ")


def test_no_config_file_says_defaults_and_environment(isolated_env: Path) -> None:
    source, value = _shown(run("config", "show"))
    assert source == "none: defaults and environment"
    assert value == "10"


def test_user_config_dir_is_read_from_any_folder(isolated_env: Path, tmp_path: Path) -> None:
    user_file = _write(Path(os.environ["HOME"]) / ".config" / "strava-rehab" / "config.toml", 3)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    source, value = _shown(run("config", "show", cwd=elsewhere))
    assert value == "3"
    assert source == str(user_file.resolve())


def test_xdg_config_home_is_honoured(isolated_env: Path, tmp_path: Path) -> None:
    user_file = _write(tmp_path / "xdg" / "strava-rehab" / "config.toml", 4)
    source, value = _shown(run("config", "show", XDG_CONFIG_HOME=str(tmp_path / "xdg")))
    assert (source, value) == (str(user_file.resolve()), "4")


def test_precedence_env_then_project_then_user(isolated_env: Path, tmp_path: Path) -> None:
    _write(Path(os.environ["HOME"]) / ".config" / "strava-rehab" / "config.toml", 3)
    project = _write(isolated_env / "config" / "strava-rehab.toml", 5)
    source, value = _shown(run("config", "show"))
    assert (source, value) == (str(project.resolve()), "5")
    named = _write(tmp_path / "named.toml", 7)
    source, value = _shown(run("config", "show", STRAVA_REHAB_CONFIG=str(named)))
    assert value == "7"
    assert source == f"{named.resolve()} (named by STRAVA_REHAB_CONFIG)"
