"""The command line: help, exit codes, JSON output, and secrets that never appear."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from strava_rehab.cli import app, main
from strava_rehab.sandbox import Sandbox, SandboxConfig

SECRET = "cli-test-client-secret-0042"
KEY = "Yq5wn0Wk2ib2n1tXbUQd1C9P1sgmVpX0F6fQ9wq2xjU="  # a valid Fernet key, only for this test

COMMANDS = [
    "status",
    "version",
    "connect",
    "disconnect",
    "athletes",
    "sync",
    "activities",
    "sandbox",
    "analyze",
    "suggestions",
    "undo",
    "worker",
    "serve",
    "db",
    "config",
    "keys",
    "pain",
    "webhook",
    "notify",
]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "strava_rehab", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


def test_help_lists_every_command() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    import typer.main

    from strava_rehab.cli import _register

    _register()
    group = typer.main.get_command(app)
    names = list(group.commands)  # type: ignore[attr-defined]
    assert set(COMMANDS) <= set(names)
    for name in names:
        code, out, _ = cli(capsys, name, "--help")
        assert code == 0 and "Usage" in out, name


def test_usage_error_exits_2() -> None:
    assert run("sync", "--no-such-flag").returncode == 2
    assert run("no-such-command").returncode == 2


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("databse_url = 'x'\n", "databse_url"),
        ("backfill_days = 'many'\n", "backfill_days"),
        ("[worker]\nsync_cron = 5\n", "worker.sync_cron"),
    ],
)
def test_bad_config_makes_any_command_exit_1_naming_the_key(
    tmp_path: Path, body: str, named: str
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(body)
    for command in (["athletes"], ["sync"], ["db", "upgrade"]):
        result = run(*command, env={"STRAVA_REHAB_CONFIG": str(config)})
        assert result.returncode == 1, result.stderr
        assert named in result.stderr and str(config) in result.stderr
        assert "Traceback" not in result.stderr


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(port=0, client_secret=SECRET)) as sb:
        yield sb


@pytest.fixture
def cli_env(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {
        "STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"),
        "STRAVA_REHAB_STRAVA_URL": sandbox.url,
        "STRAVA_CLIENT_ID": "12345",
        "STRAVA_CLIENT_SECRET": SECRET,
        "STRAVA_REHAB_SECRET_KEY": KEY,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def test_whole_cli_flow_with_json_output(
    capsys: pytest.CaptureFixture[str], sandbox: Sandbox, cli_env: dict[str, str]
) -> None:
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
    code, out, _ = cli(capsys, "connect", "--code", authorize)
    assert code == 0 and "Connected" in out and "activity:write" in out

    code, out, _ = cli(capsys, "sync", "--json")
    synced = json.loads(out)
    assert code == 0 and synced[0]["complete"] and synced[0]["created"]

    code, out, _ = cli(capsys, "activities", "--json", "--limit", "0")
    listed = json.loads(out)
    assert {a["activity_id"] for a in listed} == set(synced[0]["created"])

    code, out, _ = cli(capsys, "analyze", "--json")
    analysis = json.loads(out)
    assert analysis["metrics"]["last_7d_km"] > 0
    assert {"activity_id", "kind", "band", "value", "reference", "explanation", "source"} <= set(
        analysis["findings"][0]
    )
    assert any(f["kind"] == "session_spike" for f in analysis["findings"]), [
        (f["kind"], f["local_date"]) for f in analysis["findings"]
    ]
    code, out, _ = cli(capsys, "analyze")
    assert code == 0 and "Last 14 days" in out and "Current figures" in out
    assert "session spike" in out and "source: Frandsen" in out
    assert out.count("source: Frandsen") == 1  # the evidence is said once, not per finding

    code, out, _ = cli(capsys, "pain", "log", "shinbone", "3", "--side", "left", "--when", "during")
    assert code == 0 and "shin 3/10" in out
    code, out, err = cli(capsys, "pain", "log", "elbow-ish", "3")
    assert code == 1 and "unknown body region" in err and "shin" in err
    code, _, err = cli(capsys, "pain", "log", "shin", "11")
    assert code == 1 and "outside 0-10" in err
    code, out, _ = cli(capsys, "pain", "list", "--json")
    pains = json.loads(out)
    assert any(p["source"] == "cli" and p["region"] == "shin" for p in pains)

    code, out, _ = cli(capsys, "worker", "--once")
    assert code == 0
    code, out, _ = cli(capsys, "pain", "list", "--json")
    assert any(p["source"] != "cli" for p in json.loads(out))  # read from the seeded run's note
    code, out, _ = cli(capsys, "suggestions", "--json")
    suggestions = json.loads(out)
    assert suggestions
    for s in suggestions:
        assert {"activity_id", "reason", "protocol", "phase", "exercises", "delivered"} <= set(s)
    assert any(s["delivered"] for s in suggestions)

    code, out, _ = cli(capsys, "status", "--json")
    state = json.loads(out)
    assert state["athletes"] == {"connected": 1}
    assert state["rate_budget"]["read_15m"]["used"] >= synced[0]["api_calls"]
    assert state["outbox"] == {"sent": len([s for s in suggestions if s["kind"] != "none"])}
    assert state["worker_health"]["ok"] is True
    code, out, _ = cli(capsys, "status")
    assert "athletes: 1 of 10" in out and "Strava budget" in out

    code, out, _ = cli(capsys, "undo", "--all", "--dry-run")
    assert code == 0 and "would restore" in out
    code, out, _ = cli(capsys, "undo", "--all")
    assert "removed our block" in out

    code, out, _ = cli(capsys, "athletes", "--json")
    assert json.loads(out)[0]["status"] == "connected"
    code, out, _ = cli(capsys, "disconnect", "--dry-run")
    assert code == 0 and "Would deauthorize" in out
    code, out, _ = cli(capsys, "athletes", "--json")
    assert json.loads(out)[0]["status"] == "connected"  # the dry run changed nothing
    code, out, _ = cli(capsys, "disconnect", "--yes")
    assert code == 0
    code, out, _ = cli(capsys, "athletes", "--json")
    assert json.loads(out) == []


def test_secrets_appear_in_no_output_and_no_log_line(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    outputs = []
    for args in (
        ["-vv", "config", "show"],
        ["-vv", "config", "show", "--json"],
        ["-vv", "connect", "--code", "not-a-real-code"],
        ["-vv", "sync"],
        ["-vv", "worker", "--once"],
        ["-vv", "db", "upgrade"],
    ):
        outputs.append(run(*args, env=cli_env))
    sandbox.stop()  # an unreachable Strava: errors and retries get logged
    outputs.append(
        run(
            "-vv", "connect", "--code", "abc", env={**cli_env, "STRAVA_REHAB_HTTP_MAX_RETRIES": "0"}
        )
    )
    bad = tmp_path / "bad.toml"
    bad.write_text(f'client_secret = "{SECRET}"\nsecret_key = "{KEY}"\nbackfill_days = "x"\n')
    outputs.append(run("athletes", env={"STRAVA_REHAB_CONFIG": str(bad)}))
    assert outputs[2].returncode == 1 and "refused" in outputs[2].stderr
    assert outputs[-1].returncode == 1 and "backfill_days" in outputs[-1].stderr
    for result in outputs:
        text = result.stdout + result.stderr
        assert SECRET not in text
        assert KEY not in text
    shown = outputs[0].stdout
    assert "client_secret = **********" in shown


def test_sandbox_command_serves_strava_until_terminated() -> None:
    import signal

    proc = subprocess.Popen(
        [sys.executable, "-m", "strava_rehab", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "Strava sandbox listening on http://127.0.0.1:" in first
        url = first.strip().rsplit(" ", 1)[-1]
        state = requests.get(url + "/_sandbox", timeout=5).json()
        assert state["athletes"]
        denied = requests.get(url + "/api/v3/athlete", timeout=5)
        assert denied.status_code == 401  # a real API: no token, no data
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert proc.returncode in (0, -signal.SIGTERM)
