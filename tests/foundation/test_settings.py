"""Settings precedence, config errors that name the key, and secrets that never leak."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from strava_rehab.db.token_vault import TokenVault, vault_for
from strava_rehab.settings import ConfigError, load_settings


def write_config(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    return path


def test_defaults_without_file_or_env() -> None:
    s = load_settings()
    assert s.strava_url == "https://www.strava.com"
    assert s.api_url == "https://www.strava.com/api/v3"
    assert s.resolved_database_url.startswith("sqlite:///")
    assert s.resolved_database_url.endswith("/strava-rehab/strava-rehab.db")
    assert s.analysis.spike_small == pytest.approx(1.10)


def test_precedence_default_then_file_then_env(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(
        isolated_env / "config" / "strava-rehab.toml",
        'strava_url = "http://file.example"\nbackfill_days = 150\n[analysis]\nspike_small = 1.2\n',
    )
    s = load_settings()
    assert s.strava_url == "http://file.example"  # file beats default
    assert s.backfill_days == 150
    assert s.analysis.spike_small == pytest.approx(1.2)
    assert s.http_max_retries == 3  # default where neither says anything

    monkeypatch.setenv("STRAVA_REHAB_STRAVA_URL", "http://env.example")
    monkeypatch.setenv("STRAVA_REHAB_ANALYSIS__SPIKE_SMALL", "1.15")
    s = load_settings()
    assert s.strava_url == "http://env.example"  # env beats file
    assert s.analysis.spike_small == pytest.approx(1.15)
    assert s.backfill_days == 150  # file still applies where env is silent
    assert s.api_url == "http://env.example/api/v3"
    assert s.oauth_url == "http://env.example/oauth"


def test_config_file_named_by_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(tmp_path / "elsewhere.toml", "max_athletes = 3\n")
    monkeypatch.setenv("STRAVA_REHAB_CONFIG", str(path))
    assert load_settings().max_athletes == 3


def test_strava_ecosystem_credential_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRAVA_CLIENT_ID", "4242")
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", "abc-secret-value")
    s = load_settings()
    assert s.client_id == 4242
    assert s.client_secret is not None
    assert s.client_secret.get_secret_value() == "abc-secret-value"


def test_unknown_key_names_the_file_and_key_and_suggests(isolated_env: Path) -> None:
    path = write_config(isolated_env / "config" / "strava-rehab.toml", 'databse_url = "x"\n')
    with pytest.raises(ConfigError) as err:
        load_settings()
    message = str(err.value)
    assert str(Path("config") / "strava-rehab.toml") in message or str(path) in message
    assert "databse_url" in message
    assert "did you mean 'database_url'" in message


def test_unknown_nested_key(isolated_env: Path) -> None:
    write_config(isolated_env / "config" / "strava-rehab.toml", "[delivery]\nopt_out = 'x'\n")
    with pytest.raises(ConfigError, match=r"delivery\.opt_out.*did you mean 'opt_out_tag'"):
        load_settings()


def test_wrong_type_names_the_key_and_what_is_expected(isolated_env: Path) -> None:
    write_config(isolated_env / "config" / "strava-rehab.toml", 'backfill_days = "lots"\n')
    with pytest.raises(ConfigError, match=r"backfill_days.*valid integer"):
        load_settings()


def test_bad_env_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRAVA_REHAB_HTTP_MAX_RETRIES", "many")
    with pytest.raises(ConfigError, match=r"STRAVA_REHAB_HTTP_MAX_RETRIES.*integer"):
        load_settings()


def test_unreadable_and_invalid_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRAVA_REHAB_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="missing.toml: config file not found"):
        load_settings()
    bad = write_config(tmp_path / "bad.toml", "this is = = not toml")
    monkeypatch.setenv("STRAVA_REHAB_CONFIG", str(bad))
    with pytest.raises(ConfigError, match="bad.toml: not valid TOML"):
        load_settings()


def test_errors_never_echo_a_secret(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "s3cret-client-value-123"
    write_config(
        isolated_env / "config" / "strava-rehab.toml",
        f'client_secret = "{secret}"\nclient_id = "not-a-number"\n'
        f'[notify]\nurls = ["{secret}"]\nbogus = 1\n',
    )
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert secret not in str(err.value)
    assert "client_id" in str(err.value)


def test_secret_key_generated_once_with_mode_0600() -> None:
    s = load_settings()
    vault = vault_for(s)
    key_file = s.data_dir / "secret.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    blob = vault.encrypt("token-value")
    assert b"token-value" not in blob
    # A second start reads the same key: tokens stay readable.
    assert vault_for(load_settings()).decrypt(blob) == "token-value"


def test_key_rotation_keeps_old_tokens_readable(monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    blob = TokenVault([old.encode()]).encrypt("abc")
    monkeypatch.setenv("STRAVA_REHAB_SECRET_KEY", f"{new},{old}")
    vault = vault_for(load_settings())
    rotated = vault.rotate(blob)
    assert TokenVault([new.encode()]).decrypt(rotated) == "abc"
    with pytest.raises(ConfigError, match="cannot be decrypted"):
        TokenVault([Fernet.generate_key()]).decrypt(rotated)


def test_shared_database_requires_an_explicit_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRAVA_REHAB_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1/x")
    with pytest.raises(ConfigError, match="STRAVA_REHAB_SECRET_KEY"):
        vault_for(load_settings())
