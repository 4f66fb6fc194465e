"""Operating the install: the database schema, the settings, the token key."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from strava_rehab.cli import UserError, app, context, log_level, secrets_of, settings
from strava_rehab.cli.options import JsonOpt
from strava_rehab.cli.output import emit_json, say, setup_logging
from strava_rehab.redact import mask_url

if TYPE_CHECKING:
    from strava_rehab.db.engine import Database

db_app = typer.Typer(help="Database schema: migrations.", no_args_is_help=True)
config_app = typer.Typer(help="Check and show the settings.", no_args_is_help=True)
keys_app = typer.Typer(help="The key that encrypts Strava tokens at rest.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(keys_app, name="keys")


# --- db ------------------------------------------------------------------------------------------


@contextmanager
def _database() -> Iterator[Database]:
    """The database alone (no migration on open), disposed of when the command ends."""
    from strava_rehab.db.engine import Database

    s = settings()
    setup_logging(log_level(logging.INFO), secrets_of(s))
    db = Database(s.resolved_database_url)
    try:
        yield db
    finally:
        db.dispose()


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the migrations (the embedded default also does this on every command)."""
    from strava_rehab.db.engine import current_revision, upgrade

    with _database() as db:
        upgrade(db.engine, revision)
        say(f"database at revision {current_revision(db.engine)}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Revert the migrations down to REVISION ('base' empties the database), after showing what
    it drops and asking."""
    from strava_rehab.db.engine import current_revision, downgrade
    from strava_rehab.db.plan import downgrade_plan

    with _database() as db:
        plan = downgrade_plan(db.engine, revision)
        if not plan.revisions:
            say(f"database already at revision {plan.current or 'base'}; nothing to revert")
            return
        say(f"Reverting {len(plan.revisions)} revision(s): {', '.join(plan.revisions)}")
        if plan.tables is None:
            say("The tables it drops cannot be listed in advance; data in them will be lost.")
        else:
            listed = ", ".join(plan.tables) or "none"
            say(f"Tables dropped with all their data: {listed}")
        if not yes:
            try:
                confirmed = typer.confirm("Downgrade the database?")
            except typer.Abort:
                raise UserError(
                    "db downgrade drops data and there is no terminal to confirm on: "
                    "pass --yes to go ahead"
                ) from None
            if not confirmed:
                raise UserError("downgrade cancelled; nothing changed")
        downgrade(db.engine, revision)
        say(f"database at revision {current_revision(db.engine) or 'base'}")


@db_app.command("current")
def db_current(as_json: JsonOpt = False) -> None:
    """Show the applied and the newest revision."""
    from strava_rehab.db.engine import current_revision, head_revision

    with _database() as db:
        data = {"current": current_revision(db.engine), "head": head_revision(db.engine)}
    if as_json:
        emit_json(data)
    else:
        say(f"current: {data['current'] or 'base (empty)'}; newest: {data['head']}")


@db_app.command("copy")
def db_copy(
    to: Annotated[
        str, typer.Option("--to", help="Target database URL (postgresql+psycopg://...), empty.")
    ],
) -> None:
    """Copy every row into another (empty) database: SQLite to PostgreSQL, for scaling out."""
    from strava_rehab.db.copy import copy_database
    from strava_rehab.db.engine import Database
    from strava_rehab.db.token_vault import KEY_FILE_NAME, vault_for

    s = settings()
    with _database() as source:
        target = Database(to)
        try:
            report = copy_database(source, target, vault_for(s))
        finally:
            target.dispose()
    say(report.summary())
    if s.secret_key is None:
        say(
            f"The tokens are encrypted with the key in {s.data_dir / KEY_FILE_NAME}: give the new "
            "install that key as STRAVA_REHAB_SECRET_KEY."
        )


# --- config --------------------------------------------------------------------------------------


@config_app.command("check")
def config_check() -> None:
    """Validate the settings file and environment; exit 1 naming any bad key."""
    from strava_rehab.config_check import check_settings

    s = settings()
    setup_logging(log_level(), secrets_of(s))
    check_settings(s)
    say(f"configuration ok; database: {mask_url(s.resolved_database_url)}")


@config_app.command("show")
def config_show(as_json: JsonOpt = False) -> None:
    """Show the effective settings, with secrets masked."""
    from strava_rehab.settings import config_source

    data = settings().model_dump(mode="json")
    if data.get("database_url"):
        data["database_url"] = mask_url(data["database_url"])  # a password may be inside
    if as_json:
        emit_json(data)
        return
    print(f"# config file: {config_source()}")
    for key, value in data.items():
        print(f"{key} = {value}")


# --- keys ----------------------------------------------------------------------------------------


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every stored token under the newest key (list it first in secret_key)."""
    from strava_rehab.services.reports import rotate_keys

    say(f"re-encrypted the tokens of {rotate_keys(context())} athlete(s)")
