"""`athlete locale` and the `language` setting refuse unknown values with what is accepted."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from strava_rehab.settings import ConfigError, load_settings


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "strava_rehab", *args],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("--units", "kilometres"),
            "error: --units: unknown value 'kilometres'; accepted: auto, metric, imperial",
        ),
        (("--language", "fr"), "error: --language: unknown value 'fr'; accepted: auto, en, de"),
    ],
)
def test_an_unknown_choice_is_one_line_naming_what_is_accepted(
    args: tuple[str, ...], line: str
) -> None:
    result = run("athlete", "locale", "--athlete", "1", *args)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr.splitlines() == [line]


def test_an_unknown_install_language_lists_the_available_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(language="fr")
    message = str(caught.value)
    assert "language" in message
    assert "unknown language 'fr'; available languages: en, de" in message
    assert "Traceback" not in message
