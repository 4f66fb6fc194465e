"""Settings: defaults, then the TOML file, then the environment (highest wins).

Every setting has one name used everywhere: ``database_url`` in the file is
``STRAVA_REHAB_DATABASE_URL`` in the environment; nested sections use ``__``
(``STRAVA_REHAB_ANALYSIS__SPIKE_SMALL``). The Strava app credentials are also read from the
ecosystem's usual ``STRAVA_CLIENT_ID`` / ``STRAVA_CLIENT_SECRET``.

Errors never echo a value: a bad secret must not end up in a terminal or a log.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from strava_rehab.content.toml_file import TomlFileError, read_toml
from strava_rehab.errors import UserFacingError, entry_path
from strava_rehab.load.model import LoadThresholds
from strava_rehab.rehab.policy import RehabPolicy

CONFIG_ENV = "STRAVA_REHAB_CONFIG"
DEFAULT_CONFIG_FILE = Path("config") / "strava-rehab.toml"
ENV_PREFIX = "STRAVA_REHAB_"
PainSource = Literal["private_note", "description", "title"]


class ConfigError(UserFacingError):
    """A configuration problem a user can fix; the message says where and what is expected."""


def default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "strava-rehab"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeliverySettings(_Section):
    write_description: bool = True
    opt_out_tag: str = "#norehab"
    # The description is public: pain scores and condition names stay out of it unless asked for.
    public_show_score: bool = False
    public_show_condition: bool = False
    max_block_chars: int = Field(default=1200, ge=200, le=4000)


class NotifySettings(_Section):
    # apprise URLs (ntfy://, tgram://, mailtos://, discord://, json://...). Empty: log only.
    urls: list[SecretStr] = Field(default_factory=list)
    max_attempts: int = Field(default=8, ge=1)
    retry_base_s: float = Field(default=30.0, gt=0)


class WorkerSettings(_Section):
    sync_cron: str = "*/30 * * * *"
    inbox_interval_s: float = Field(default=5.0, gt=0)
    outbox_interval_s: float = Field(default=30.0, gt=0)
    digest_cron: str = "0 18 * * sun"
    timezone: str = "UTC"
    health_file: Path | None = None
    # The one scheduler per install holds a lease in the database, renewed every third of it;
    # a killed holder's is taken over once it has run out.
    scheduler_lease_s: float = Field(default=60.0, ge=3, le=3600)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        hide_input_in_errors=True,
        validate_default=True,
        populate_by_name=True,
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    strava_url: str = "https://www.strava.com"
    client_id: int | None = Field(
        default=None,
        validation_alias=AliasChoices("client_id", "STRAVA_REHAB_CLIENT_ID", "STRAVA_CLIENT_ID"),
    )
    client_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "client_secret", "STRAVA_REHAB_CLIENT_SECRET", "STRAVA_CLIENT_SECRET"
        ),
    )
    secret_key: SecretStr | None = None
    public_url: str = "http://127.0.0.1:8000"
    webhook_verify_token: SecretStr | None = None
    webhook_path_token: SecretStr | None = None
    scopes: str = "read,activity:read_all,activity:write"
    max_athletes: int = Field(default=10, ge=1)
    run_sport_types: list[str] = Field(default_factory=lambda: ["Run", "TrailRun", "VirtualRun"])
    backfill_days: int = Field(default=120, ge=60)
    sync_overlap_days: int = Field(default=3, ge=0)
    reconcile_days: int = Field(default=60, ge=1)
    reconcile_every_hours: float = Field(default=24.0, gt=0)
    detail_window_days: int = Field(default=42, ge=7)
    pain_sources: list[PainSource] = Field(
        default_factory=lambda: list[PainSource](["private_note", "description"])
    )
    pain_language: str = "en"
    http_timeout_s: float = Field(default=10.0, gt=0)
    http_max_retries: int = Field(default=3, ge=0, le=10)
    token_refresh_margin_s: int = Field(default=600, ge=0, le=3600)
    rate_safety_margin: float = Field(default=0.95, gt=0, le=1)
    rate_limit_max_wait_s: float = Field(default=30.0, ge=0, le=120)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    analysis: LoadThresholds = Field(default_factory=LoadThresholds)
    rehab: RehabPolicy = Field(default_factory=RehabPolicy)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = _active_config_path()
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'strava-rehab.db'}"

    @property
    def embedded(self) -> bool:
        """The embedded default: one process on SQLite."""
        return self.resolved_database_url.startswith("sqlite")

    @property
    def api_url(self) -> str:
        return self.strava_url.rstrip("/") + "/api/v3"

    @property
    def oauth_url(self) -> str:
        return self.strava_url.rstrip("/") + "/oauth"

    @property
    def run_types(self) -> frozenset[str]:
        return frozenset(self.run_sport_types)


def _active_config_path() -> Path | None:
    named = os.environ.get(CONFIG_ENV)
    if named:
        return Path(named).expanduser()
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        return read_toml(path, missing=f"config file not found (named by {CONFIG_ENV})")
    except TomlFileError as exc:
        raise ConfigError(str(exc)) from None


def _known_keys(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def _describe(error: Any, file_data: dict[str, Any], path: Path | None) -> str:
    loc = [str(part) for part in error["loc"]]
    key = entry_path(loc)
    top = loc[0] if loc else ""
    if top in file_data and path is not None:
        where = str(path)
    else:
        where = f"environment ({ENV_PREFIX}{'__'.join(p.upper() for p in loc)})"
    if error["type"] == "extra_forbidden":
        owner: type[BaseModel] = Settings
        for part in loc[:-1]:
            annotation = owner.model_fields[part].annotation if part in owner.model_fields else None
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                owner = annotation
        hint = difflib.get_close_matches(loc[-1], _known_keys(owner), n=1)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
        return f"{where}: unknown setting '{key}'{suggestion}"
    return f"{where}: setting '{key}': {error['msg']}"


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, turning every problem into a ConfigError that names file and key."""
    path = _active_config_path()
    file_data = _read_config_file(path) if path is not None else {}
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = [_describe(err, file_data, path) for err in exc.errors(include_input=False)]
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from None
