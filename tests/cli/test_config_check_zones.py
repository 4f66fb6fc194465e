"""Time zones, cron expressions and languages are checked when the settings load.

``config check`` (and any other command) refuses each in one line naming the file and the key,
exit 1; before, a malformed cron passed every command but ``config check`` and the worker.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.cli.test_one_line_errors import run

from strava_rehab.settings import ConfigError, load_settings

BAD = [
    ("[worker]\ntimezone = 'Mars/Olympus_Mons'\n", "worker.timezone", "IANA name"),
    ("[worker]\nsync_cron = 'every half hour'\n", "worker.sync_cron", "cron expression"),
    ("[worker]\ndigest_cron = '0 18 * * sunday-ish'\n", "worker.digest_cron", "cron expression"),
    ("[worker]\ndigest_cron = '0 24 * * sun'\n", "worker.digest_cron", "cron expression"),
    ("[distributed]\noutbox_sweep_cron = '*/5 * *'\n", "distributed.outbox_sweep_cron", "cron"),
    ("pain_languages = ['en', 'tlh']\n", "pain_languages", "available languages: de, en, es"),
    ("pain_language = 'xx'\n", "pain_language", "available languages: de, en, es"),
    ("language = 'fr'\n", "language", "available languages: en, de"),
]


@pytest.mark.parametrize(("body", "key", "says"), BAD, ids=[b[1] + ":" + b[0][-12:] for b in BAD])
def test_config_check_names_the_file_and_the_key(
    tmp_path: Path, body: str, key: str, says: str
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f"data_dir = '{tmp_path / 'data'}'\n{body}")
    line = run("config", "check", env={"STRAVA_REHAB_CONFIG": str(config)})
    assert f"setting '{key}'" in line and str(config) in line and says in line


def test_a_malformed_cron_stops_every_command_not_only_the_worker(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f"data_dir = '{tmp_path / 'data'}'\n[worker]\nsync_cron = '61 * * * *'\n")
    line = run("athletes", env={"STRAVA_REHAB_CONFIG": str(config)})
    assert "setting 'worker.sync_cron'" in line


def test_a_valid_zone_and_cron_load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("STRAVA_REHAB_CONFIG", raising=False)
    worker = load_settings(
        data_dir=tmp_path, worker={"timezone": "America/New_York", "digest_cron": "0 18 * * sun"}
    ).worker
    assert (worker.timezone, worker.digest_cron) == ("America/New_York", "0 18 * * sun")
    with pytest.raises(ConfigError, match=r"worker\.sync_cron"):
        load_settings(data_dir=tmp_path, worker={"sync_cron": "* * * *"})


def test_the_digest_fires_at_its_hour_in_the_configured_zone(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from strava_rehab.worker import cron

    worker = load_settings(
        data_dir=tmp_path, worker={"timezone": "America/New_York", "digest_cron": "0 18 * * sun"}
    ).worker
    trigger = cron(worker.digest_cron, worker.timezone, "digest_cron")
    fire = trigger.get_next_fire_time(None, datetime(2026, 12, 1, tzinfo=UTC))
    assert fire is not None
    assert fire.astimezone(UTC) == datetime(2026, 12, 6, 23, 0, tzinfo=UTC)  # 18:00 EST
