"""Strava tokens at rest: encrypted with Fernet, never stored or logged in the clear.

``secret_key`` may hold several comma-separated keys, newest first (MultiFernet): old tokens stay
readable while ``strava-rehab keys rotate`` re-encrypts them under the newest key. In the embedded
mode, a missing key is generated once into the data directory with mode 0600.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from strava_rehab.settings import ConfigError, Settings

KEY_FILE_NAME = "secret.key"


class TokenVault:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ConfigError("secret_key: at least one Fernet key is required")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except ValueError:
            raise ConfigError(
                "secret_key: not a valid Fernet key (expected 32 url-safe base64-encoded bytes; "
                'generate one with: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())")'
            ) from None

    def encrypt(self, token: str) -> bytes:
        return self._fernet.encrypt(token.encode())

    def decrypt(self, blob: bytes) -> str:
        try:
            return self._fernet.decrypt(blob).decode()
        except InvalidToken:
            raise ConfigError(
                "stored Strava tokens cannot be decrypted with the configured secret_key; "
                "restore the old key (or list it after the new one) or reconnect the athlete"
            ) from None

    def rotate(self, blob: bytes) -> bytes:
        return self._fernet.rotate(blob)


def _key_file(settings: Settings) -> Path:
    return settings.data_dir / KEY_FILE_NAME


def load_or_create_keys(settings: Settings) -> list[bytes]:
    if settings.secret_key is not None:
        raw = settings.secret_key.get_secret_value()
        return [part.strip().encode() for part in raw.split(",") if part.strip()]
    path = _key_file(settings)
    if path.exists():
        return [line.strip().encode() for line in path.read_text().splitlines() if line.strip()]
    if not settings.embedded:
        raise ConfigError(
            "secret_key is not set: with a shared database every process needs the same key; "
            "set STRAVA_REHAB_SECRET_KEY"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    # O_EXCL: two processes starting at once must not each write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_or_create_keys(settings)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return [key]


def vault_for(settings: Settings) -> TokenVault:
    return TokenVault(load_or_create_keys(settings))
