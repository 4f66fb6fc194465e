"""Settings: defaults, then the TOML file, then the environment (highest wins).

Every setting has one name used everywhere: ``database_url`` in the file is
``STRAVA_REHAB_DATABASE_URL`` in the environment; nested sections use ``__``
(``STRAVA_REHAB_ANALYSIS__SPIKE_SMALL``). The Strava app credentials are also read from the
ecosystem's usual ``STRAVA_CLIENT_ID`` / ``STRAVA_CLIENT_SECRET``.

Errors never echo a value: a bad secret must not end up in a terminal or a log.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from strava_rehab.config_env import CONFIG_ENV
from strava_rehab.content.locate import ContentNotFoundError, content_dir
from strava_rehab.content.toml_file import TomlFileError, read_toml
from strava_rehab.content.translations import AVAILABLE_LANGUAGES
from strava_rehab.content.vocabulary import available_languages
from strava_rehab.errors import UserFacingError, entry_path
from strava_rehab.load.model import LoadThresholds
from strava_rehab.pain.vocabulary import _LANGUAGE as LANGUAGE_CODE
from strava_rehab.quota.settings import QuotaPolicy
from strava_rehab.rehab.policy import RehabPolicy

APP_NAME = "strava-rehab"
DEFAULT_CONFIG_FILE = Path("config") / "strava-rehab.toml"
ENV_PREFIX = "STRAVA_REHAB_"
PainSource = Literal["private_note", "description", "title"]
log = logging.getLogger(__name__)


class ConfigError(UserFacingError):
    """A configuration problem a user can fix; the message says where and what is expected."""


def default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "strava-rehab"


def _unguessable(code: SecretStr) -> SecretStr:
    if len(code.get_secret_value()) < 12:
        raise ValueError("use at least 12 characters, so that it cannot be guessed")
    return code


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _cron_expression(value: str) -> str:
    """A five-field crontab line APScheduler accepts; refused at load, naming the key."""
    # Only a value given in a file or the environment gets here (defaults are not validated),
    # so the scheduler's import is paid only by an install that sets one.
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(value, timezone="UTC")
    except (ValueError, KeyError) as exc:
        raise ValueError(
            f"not a valid cron expression ({exc}); "
            "expected 'minute hour day month weekday', e.g. '0 18 * * sun'"
        ) from None
    return value


CronExpression = Annotated[str, AfterValidator(_cron_expression)]


def _queue_cron_expression(value: str) -> str:
    """procrastinate's periodic tasks take the five fields plus an optional sixth: seconds."""
    fields = value.split()
    if len(fields) != 6:
        return _cron_expression(value)
    from apscheduler.triggers.cron import CronTrigger

    _cron_expression(" ".join(fields[:5]))
    try:
        CronTrigger(second=fields[5], timezone="UTC")
    except (ValueError, KeyError) as exc:
        raise ValueError(f"not a valid seconds field {fields[5]!r} ({exc})") from None
    return value


QueueCronExpression = Annotated[str, AfterValidator(_queue_cron_expression)]


class DeliverySettings(_Section):
    write_description: bool = True
    opt_out_tag: str = "#norehab"
    # The description is public: pain scores and condition names stay out of it unless asked for.
    public_show_score: bool = False
    public_show_condition: bool = False
    max_block_chars: int = Field(default=1200, ge=200, le=4000)
    # One read, one write per new run: the description is re-read just before the PUT only when
    # our copy is older than this (the runner may have edited it since); the PUT's answer is the
    # updated activity, recorded without another GET.
    reread_after_s: float = Field(default=300.0, ge=0, le=86400)


class NotifySettings(_Section):
    # apprise URLs (ntfy://, tgram://, mailtos://, discord://, json://...). Empty: log only.
    urls: list[SecretStr] = Field(default_factory=list)
    max_attempts: int = Field(default=8, ge=1)
    retry_base_s: float = Field(default=30.0, gt=0)


class WorkerSettings(_Section):
    # How often the scheduler looks for athletes whose listing is due (quota.polling decides who:
    # a reconciliation every other day with healthy webhooks, adaptive polling without).
    # Not a sync of everyone.
    # Cron expressions are read in ``timezone``: "0 18 * * sun" is six in the evening there.
    sync_cron: CronExpression = "*/5 * * * *"
    # Webhook events of different athletes are processed this many at a time (one athlete's in
    # order, by one thread).
    event_concurrency: int = Field(default=4, ge=1, le=32)
    inbox_interval_s: float = Field(default=5.0, gt=0)
    outbox_interval_s: float = Field(default=30.0, gt=0)
    digest_cron: CronExpression = "0 18 * * sun"
    timezone: str = "UTC"
    health_file: Path | None = None
    # Processed webhook events are deleted this many days after processing.
    inbox_retention_days: int = Field(default=14, ge=1, le=3650)
    # The one scheduler per install holds a lease in the database, renewed every third of it;
    # a killed holder's is taken over once it has run out.
    scheduler_lease_s: float = Field(default=60.0, ge=3, le=3600)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                "not a known time zone: use an IANA name such as 'Europe/Berlin' or 'UTC'"
            ) from None
        return value


class DistributedSettings(_Section):
    """The procrastinate runner (``runner = "procrastinate"``): N workers on PostgreSQL."""

    concurrency: int = Field(default=2, ge=1, le=64)
    # A job blocked by an athlete's lock is picked up on the next poll, whatever LISTEN says.
    poll_interval_s: float = Field(default=1.0, gt=0)
    heartbeat_s: float = Field(default=10.0, gt=0)
    # A worker silent this long is dead: its running jobs are retried by retry_stalled_jobs.
    stalled_after_s: float = Field(default=30.0, gt=0)
    # procrastinate's crons: the five fields, and optionally a sixth for the seconds.
    stalled_check_cron: QueueCronExpression = "* * * * *"
    outbox_sweep_cron: QueueCronExpression = "*/5 * * * *"
    shutdown_timeout_s: float = Field(default=60.0, gt=0)


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
    # The languages pain notes are written in, preferred first (config/pain-vocabulary.<code>.toml).
    # Other shipped languages still join a note their words find pain in, unless
    # pain_detect_languages is false; the preferred ones win where two read a word differently.
    pain_languages: list[str] = Field(default_factory=lambda: ["en"], min_length=1)
    pain_detect_languages: bool = True
    # The former single-language setting: pain_language = "de" means pain_languages = ["de"].
    pain_language: str | None = None
    # The language of the text runners read (description block, notifications, digest) when a
    # runner chose "auto" and their note is not clearly in another shipped language.
    language: str = "en"
    http_timeout_s: float = Field(default=10.0, gt=0)
    http_max_retries: int = Field(default=3, ge=0, le=10)
    token_refresh_margin_s: int = Field(default=600, ge=0, le=3600)
    rate_safety_margin: float = Field(default=0.95, gt=0, le=1)
    rate_limit_max_wait_s: float = Field(default=30.0, ge=0, le=120)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    runner: Literal["embedded", "procrastinate"] = "embedded"
    analysis: LoadThresholds = Field(default_factory=LoadThresholds)
    rehab: RehabPolicy = Field(default_factory=RehabPolicy)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    distributed: DistributedSettings = Field(default_factory=DistributedSettings)
    quota: QuotaPolicy = Field(default_factory=QuotaPolicy)

    @field_validator("pain_languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        for language in value:
            _check_language(language)
        return list(dict.fromkeys(value))

    @field_validator("language")
    @classmethod
    def _known_output_language(cls, value: str) -> str:
        if value not in AVAILABLE_LANGUAGES:
            raise ValueError(
                f"unknown language {value!r}; available languages: {', '.join(AVAILABLE_LANGUAGES)}"
            )
        return value

    @field_validator("pain_language")
    @classmethod
    def _known_language(cls, value: str | None) -> str | None:
        if value is not None:
            _check_language(value)
        return value

    @model_validator(mode="after")
    def _language_alias(self) -> Settings:
        if self.pain_language is not None:
            if "pain_languages" in self.model_fields_set and self.pain_languages != [
                self.pain_language
            ]:
                raise ValueError(
                    "pain_language and pain_languages disagree: set only pain_languages "
                    "(pain_language is its former, single-language name)"
                )
            self.pain_languages = [self.pain_language]
        return self

    @field_validator("strava_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        try:
            parts = urlsplit(value)
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http(s) URL, expected something like https://www.strava.com")
        return value

    # Who may connect through the web (/connect): athletes on the list, or anyone who opens the
    # invitation link (/connect?invite=...). Both unset: anyone. The CLI connect is not limited.
    connect_allowed_athletes: list[Annotated[int, Field(ge=1)]] = Field(default_factory=list)
    connect_invitation_code: Annotated[SecretStr, AfterValidator(_unguessable)] | None = None
    connect_attempts_per_minute: int = Field(default=10, ge=1, le=600)
    oauth_state_lifetime_s: int = Field(default=600, ge=60, le=3600)
    web_max_body_bytes: int = Field(default=8192, ge=1024, le=1_048_576)
    # The runner's own page: how long a sign-in lasts, and how many weeks the load chart shows.
    session_hours: float = Field(default=168.0, gt=0, le=24 * 90)
    dashboard_weeks: int = Field(default=12, ge=1, le=520)

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


def _check_language(language: str) -> None:
    """A language with a pain vocabulary in the content directory (listed when it has none)."""
    if not LANGUAGE_CODE.fullmatch(language):
        raise ValueError(f"{language!r} is not a language code (like 'en', 'de' or 'pt-BR')")
    try:
        available = available_languages(content_dir())
    except ContentNotFoundError:
        return  # the vocabulary loader reports the missing content directory itself
    if language not in available:
        raise ValueError(
            f"no pain vocabulary for language {language!r}; "
            f"available languages: {', '.join(available) or 'none'}"
        )


def user_config_file() -> Path:
    """The per-user settings file: ``~/.config/strava-rehab/config.toml`` (XDG) on Linux."""
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def _active_config_path() -> Path | None:
    """The settings file read: ``$STRAVA_REHAB_CONFIG``, else ``./config/strava-rehab.toml``,
    else the user's config file; None when there is none (defaults and environment only)."""
    named = os.environ.get(CONFIG_ENV)
    if named:
        return Path(named).expanduser()
    for candidate in (DEFAULT_CONFIG_FILE, user_config_file()):
        if candidate.is_file():
            return candidate
    return None


def config_source() -> str:
    """Which settings file is read, for ``config show``."""
    path = _active_config_path()
    if path is None:
        return "none: defaults and environment"
    how = f" (named by {CONFIG_ENV})" if os.environ.get(CONFIG_ENV) else ""
    return f"{path.resolve() if path.exists() else path}{how}"


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
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: setting '{key}': {message}"


# STRAVA_REHAB_* variables the product reads that are not settings.
NON_SETTING_ENV = frozenset({CONFIG_ENV, "STRAVA_REHAB_CONTENT_DIR", "STRAVA_REHAB_TEST_PG_URL"})


def _env_names(model: type[BaseModel], prefix: str) -> dict[str, type[BaseModel] | None]:
    """Every environment name a setting answers to, with its section model if it is one."""
    names: dict[str, type[BaseModel] | None] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        section = (
            annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel)
            else None
        )
        names[prefix + name.upper()] = section
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            for choice in alias.choices:
                if isinstance(choice, str) and choice.upper().startswith(ENV_PREFIX):
                    names[choice.upper()] = section
        if section is not None:
            names.update(_env_names(section, f"{prefix}{name.upper()}__"))
    return names


def unknown_env_warnings(environ: Mapping[str, str] | None = None) -> list[str]:
    """One warning per ``STRAVA_REHAB_*`` variable that is no setting, naming the closest one.

    pydantic-settings ignores them silently, so a typo would leave a default in force. Unknown
    keys inside a section that forbids them (``STRAVA_REHAB_WORKER__FOO``) are already errors.
    """
    known = _env_names(Settings, ENV_PREFIX)
    warnings = []
    for key in sorted(os.environ if environ is None else environ):
        upper = key.upper()
        if not upper.startswith(ENV_PREFIX) or upper in known or upper in NON_SETTING_ENV:
            continue
        head, _, rest = upper.partition("__")
        section = known.get(head)
        if rest and section is not None and section.model_config.get("extra") == "forbid":
            continue  # load_settings reports it as an unknown setting
        # Compared without the shared prefix, which would make every name look alike.
        names = [k.removeprefix(ENV_PREFIX) for k in [*known, *NON_SETTING_ENV]]
        hint = difflib.get_close_matches(upper.removeprefix(ENV_PREFIX), names, n=1, cutoff=0.6)
        suggestion = f" (did you mean {ENV_PREFIX}{hint[0]}?)" if hint else ""
        warnings.append(f"{key} is not a setting and is ignored{suggestion}")
    return warnings


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, turning every problem into a ConfigError that names file and key."""
    for warning in unknown_env_warnings():
        log.warning("%s", warning)
    path = _active_config_path()
    file_data = _read_config_file(path) if path is not None else {}
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        lines = [_describe(err, file_data, path) for err in exc.errors(include_input=False)]
        if len(lines) == 1:
            raise ConfigError(f"invalid configuration: {lines[0]}") from None
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from None
    except SettingsError as exc:
        # pydantic-settings could not parse a list or section from the environment (not JSON).
        match = re.search(r'field "([^"]+)"', str(exc))
        stem = ENV_PREFIX + (match.group(1).upper() if match else "")
        named = sorted(k for k in os.environ if k.upper().startswith(stem)) or [f"{stem}*"]
        raise ConfigError(
            f"environment ({', '.join(named)}): a list or section must be written as JSON, e.g. "
            f"{ENV_PREFIX}NOTIFY__URLS='[\"ntfy://ntfy.sh/my-topic\"]'"
        ) from None
    if settings.runner == "procrastinate" and not settings.resolved_database_url.startswith(
        "postgresql"
    ):
        raise ConfigError(
            "invalid configuration:\n  setting 'runner': \"procrastinate\" needs a PostgreSQL "
            "database_url (postgresql+psycopg://...); SQLite runs the embedded worker only"
        )
    return settings
