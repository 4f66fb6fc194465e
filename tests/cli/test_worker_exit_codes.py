"""``worker --once`` exits non-zero when an athlete's cycle failed or Strava was unreachable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from strava_rehab.cli import main
from strava_rehab.sandbox import Sandbox, SandboxConfig
from strava_rehab.worker import EXIT_ATHLETE_FAILED, EXIT_STRAVA_UNREACHABLE

SECRET = "exit-code-test-secret"


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(port=0, client_secret=SECRET)) as sb:
        for key, value in {
            "STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"),
            "STRAVA_REHAB_STRAVA_URL": sb.url,
            "STRAVA_CLIENT_ID": "12345",
            "STRAVA_CLIENT_SECRET": SECRET,
            "STRAVA_REHAB_HTTP_MAX_RETRIES": "0",
        }.items():
            monkeypatch.setenv(key, value)
        yield sb


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out + err


def connect(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    params: dict[str, str | int] = {
        "client_id": 12345,
        "redirect_uri": "http://localhost/cb",
        "response_type": "code",
        "scope": "read,activity:read_all,activity:write",
        "state": "s",
    }
    authorize = requests.get(
        f"{sandbox.url}/oauth/authorize", params=params, allow_redirects=False, timeout=5
    ).headers["Location"]
    assert cli(capsys, "connect", "--code", authorize)[0] == 0


def test_ok_cycle_exits_0(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    connect(sandbox, capsys)
    assert cli(capsys, "worker", "--once")[0] == 0


def test_unreachable_strava_exits_4(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    connect(sandbox, capsys)
    sandbox.stop()
    code, out = cli(capsys, "worker", "--once")
    assert code == EXIT_STRAVA_UNREACHABLE == 4, out
    assert "Traceback" not in out


def test_a_failed_athlete_exits_3(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    connect(sandbox, capsys)
    sandbox.revoke(sandbox.seed_athlete_id)  # Strava now rejects the athlete's token
    code, out = cli(capsys, "worker", "--once")
    assert code == EXIT_ATHLETE_FAILED == 3, out


def test_exit_codes_are_documented(capsys: pytest.CaptureFixture[str]) -> None:
    code, help_text = cli(capsys, "worker", "--help")
    assert code == 0 and "3 an athlete's cycle failed" in help_text
    assert "4 Strava was unreachable" in help_text
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "3 one or more athletes' cycles failed" in readme
    assert "4 Strava was unreachable" in readme
