"""An unknown STRAVA_REHAB_* variable is a warning naming the closest setting, not silence."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from strava_rehab.settings import unknown_env_warnings


def test_typos_are_named_with_the_closest_setting() -> None:
    warnings = unknown_env_warnings(
        {
            "STRAVA_REHAB_DATBASE_URL": "x",
            "STRAVA_REHAB_WORKER_TIMEZONE": "Europe/Berlin",  # one underscore: not nested
            "STRAVA_REHAB_ANALYSYS__SPIKE_SMALL": "1.3",
            "STRAVA_REHAB_ZZZZZZZZ": "1",
        }
    )
    assert warnings == [
        "STRAVA_REHAB_ANALYSYS__SPIKE_SMALL is not a setting and is ignored "
        "(did you mean STRAVA_REHAB_ANALYSIS__SPIKE_SMALL?)",
        "STRAVA_REHAB_DATBASE_URL is not a setting and is ignored "
        "(did you mean STRAVA_REHAB_DATABASE_URL?)",
        "STRAVA_REHAB_WORKER_TIMEZONE is not a setting and is ignored "
        "(did you mean STRAVA_REHAB_WORKER__TIMEZONE?)",
        "STRAVA_REHAB_ZZZZZZZZ is not a setting and is ignored",
    ]


def test_settings_sections_aliases_and_the_products_other_variables_are_quiet() -> None:
    assert (
        unknown_env_warnings(
            {
                "STRAVA_REHAB_CONFIG": "x.toml",
                "STRAVA_REHAB_CONTENT_DIR": "/c",
                "STRAVA_REHAB_TEST_PG_URL": "postgresql://",
                "STRAVA_REHAB_DATABASE_URL": "sqlite://",
                "strava_rehab_public_url": "http://x",  # settings are case-insensitive
                "STRAVA_REHAB_CLIENT_ID": "1",
                "STRAVA_REHAB_CLIENT_SECRET": "s",
                "STRAVA_REHAB_NOTIFY": '{"urls": []}',
                "STRAVA_REHAB_NOTIFY__URLS": "[]",
                "STRAVA_REHAB_WORKER__TIMEZONE": "UTC",
                "STRAVA_REHAB_ANALYSIS__SPIKE_SMALL": "1.3",
                "STRAVA_REHAB_WORKER__NO_SUCH": "1",  # an error already, not also a warning
                "STRAVA_CLIENT_ID": "1",
                "PATH": "/bin",
            }
        )
        == []
    )


def test_the_cli_warns_on_stderr_and_carries_on(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"),
        "STRAVA_REHAB_DATBASE_URL": "postgresql://nowhere/x",
    }
    result = subprocess.run(
        [sys.executable, "-m", "strava_rehab", "config", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" in result.stderr
    assert "STRAVA_REHAB_DATBASE_URL" in result.stderr
    assert "did you mean STRAVA_REHAB_DATABASE_URL?" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["STRAVA_REHAB_CONTENT_DIR", "STRAVA_REHAB_CONFIG"])
def test_no_warning_for_the_products_own_variables(tmp_path: Path, name: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text("")
    content = Path(__file__).resolve().parents[2] / "config"
    value = str(config) if name == "STRAVA_REHAB_CONFIG" else str(content)
    env = {**os.environ, "STRAVA_REHAB_DATA_DIR": str(tmp_path / "d"), name: value}
    result = subprocess.run(
        [sys.executable, "-m", "strava_rehab", "config", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and "WARNING" not in result.stderr, result.stderr
