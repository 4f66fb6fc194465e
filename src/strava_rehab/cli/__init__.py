"""The ``strava-rehab`` command line.

Exit codes: 0 ok, 1 a user or configuration error (the message says what to do), 2 bad usage.

Start-up stays quick (``--help`` and completion build the whole command tree): this package and
the command modules import typer and light helpers only. Settings, the database, Strava and the
services are imported inside the commands that use them; types only annotations need come
under ``TYPE_CHECKING``. ``tests/cli/test_import_weight.py`` holds that line.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from urllib.parse import unquote

import typer

from strava_rehab import __version__
from strava_rehab.cli.output import fail, setup_logging
from strava_rehab.config_env import CONFIG_ENV
from strava_rehab.errors import UserFacingError
from strava_rehab.redact import url_password

if TYPE_CHECKING:
    from sqlalchemy.exc import DBAPIError

    from strava_rehab.context import AppContext
    from strava_rehab.settings import Settings


class UserError(UserFacingError):
    """Something the user can fix; printed without a traceback, exit code 1."""


@dataclass
class _Run:
    verbose: int = 0
    quiet: bool = False
    settings: Settings | None = None
    context: AppContext | None = None
    contexts: list[AppContext] = field(default_factory=list)


_run = _Run()

app = typer.Typer(
    name="strava-rehab",
    help="Finds risky mileage spikes in your Strava runs, reads the pain you log, and writes "
    "evidence-based rehab suggestions back. Education, not diagnosis.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def log_level(default: int = logging.WARNING) -> int:
    if _run.quiet:
        return logging.ERROR
    if _run.verbose >= 1:
        return logging.DEBUG if _run.verbose > 1 or default <= logging.INFO else logging.INFO
    return default


def quiet() -> bool:
    return _run.quiet


def settings() -> Settings:
    if _run.settings is None:
        from strava_rehab.settings import load_settings

        _run.settings = load_settings()
    return _run.settings


def secrets_of(s: Settings) -> list[str]:
    found = [
        secret.get_secret_value()
        for secret in (s.client_secret, s.secret_key, s.webhook_verify_token, s.webhook_path_token)
        if secret is not None
    ]
    found += [url.get_secret_value() for url in s.notify.urls]
    password = url_password(s.resolved_database_url)
    if password:
        found += [password, unquote(password)]
    return found


def context(*, default_log: int = logging.WARNING) -> AppContext:
    """The wired-up product for a command (migrating the embedded database first)."""
    if _run.context is None:
        from strava_rehab.context import open_context

        s = settings()
        setup_logging(log_level(default_log), secrets_of(s))
        _run.context = open_context(s)
        if not s.embedded:
            from strava_rehab.db.errors import require_current_schema

            # Not migrated implicitly in the shared mode: say so, not a "no such table" trace.
            require_current_schema(_run.context.db.engine, s.resolved_database_url)
    return _run.context


def _print_version(value: bool) -> None:
    if value:
        print(f"strava-rehab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More logging (-vv for debug).")
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors.")] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help=f"Settings file (env {CONFIG_ENV}; else ./config/strava-rehab.toml, else "
            "~/.config/strava-rehab/config.toml).",
        ),
    ] = None,
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            is_eager=True,
            callback=_print_version,
            expose_value=True,
        ),
    ] = False,
) -> None:
    _run.verbose, _run.quiet = verbose, quiet
    if config is not None:
        os.environ[CONFIG_ENV] = str(config)
    setup_logging(log_level())


@app.command()
def version() -> None:
    """Print the version."""
    print(__version__)


# The command modules, one per topic, in the order ``--help`` lists them.
COMMAND_MODULES = ("connecting", "syncing", "reports", "page", "notifying", "running", "admin")


def _register() -> None:
    # Imported late: each command module imports ``app`` and the helpers from this one.
    for name in COMMAND_MODULES:
        importlib.import_module(f"strava_rehab.cli.{name}")


def _dbapi_error(exc: Exception) -> DBAPIError | None:
    """``exc`` as SQLAlchemy's DBAPIError, if it is one.

    Only a command that loaded SQLAlchemy can raise one: checking ``sys.modules`` spares
    ``--help`` the import.
    """
    if "sqlalchemy.exc" not in sys.modules:
        return None
    from sqlalchemy.exc import DBAPIError

    return exc if isinstance(exc, DBAPIError) else None


def _database_problem(exc: DBAPIError) -> str | None:
    """One line for a database a user can fix (unreachable, missing, read-only), else None."""
    from strava_rehab.db.errors import describe

    url = _run.settings.resolved_database_url if _run.settings else "(from the settings)"
    return describe(exc, url)


def run() -> None:
    """The process entry point (the ``strava-rehab`` script, ``python -m strava_rehab``):
    ``main``, then an exit that does not walk every object.

    At exit CPython's last garbage collections traverse every object still tracked (the
    imported SQLAlchemy, pydantic and typer machinery: about a third of a second of a quiet
    ``worker --once``). Frozen, they are left to the operating system. Nothing is lost: commits
    are done, atexit handlers (logging's flush) still run, the standard streams are still
    flushed. Only for a process that ends here; tests call ``main`` and go on.
    """
    import gc

    try:
        main()
    finally:
        gc.freeze()


def main(argv: list[str] | None = None) -> None:
    _register()
    try:
        # Standalone mode: usage errors exit 2 with click's message, --help and Exit as usual.
        app(args=argv, prog_name="strava-rehab", standalone_mode=True)
    except UserFacingError as exc:
        fail(str(exc))
        sys.exit(1)
    except Exception as exc:
        error = _dbapi_error(exc)
        if error is None:
            raise  # not a database error: as before, untouched
        problem = _database_problem(error)
        if problem is None:
            raise  # not something the user can fix: keep the traceback for the bug report
        fail(problem)
        sys.exit(1)
    finally:
        if _run.context is not None:
            _run.context.close()
            _run.context = None
        _run.settings = None
