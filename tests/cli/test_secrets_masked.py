"""Secrets inside URLs never reach the terminal: a database password, the webhook path token."""

from __future__ import annotations

import json

import pytest

from strava_rehab.cli import main
from strava_rehab.redact import mask_url, mask_webhook_url

PASSWORD = "db-pass-W0rd-7731"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            f"postgresql+psycopg://rehab:{PASSWORD}@db:5432/rehab",
            "postgresql+psycopg://rehab:***@db:5432/rehab",
        ),
        (
            f"postgresql://rehab@db/rehab?password={PASSWORD}&sslmode=require",
            "postgresql://rehab@db/rehab?password=***&sslmode=require",
        ),
        ("sqlite:////var/lib/strava-rehab/x.db", "sqlite:////var/lib/strava-rehab/x.db"),
    ],
)
def test_mask_url(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_mask_webhook_url() -> None:
    assert (
        mask_webhook_url("https://x.org/strava/webhook/Tok3n_-x")
        == "https://x.org/strava/webhook/..."
    )


@pytest.mark.parametrize("as_json", [False, True])
def test_config_show_and_check_mask_the_database_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, as_json: bool
) -> None:
    monkeypatch.setenv(
        "STRAVA_REHAB_DATABASE_URL", f"postgresql+psycopg://rehab:{PASSWORD}@db/rehab"
    )
    code, out, err = cli(capsys, "config", "show", *(["--json"] if as_json else []))
    assert code == 0, err
    assert PASSWORD not in out + err
    if as_json:
        assert json.loads(out)["database_url"] == "postgresql+psycopg://rehab:***@db/rehab"
    else:
        assert "database_url = postgresql+psycopg://rehab:***@db/rehab" in out
    code, out, err = cli(capsys, "config", "check")
    assert code == 0 and PASSWORD not in out + err
