"""Operating the install: the database schema, the settings, the token key."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from sqlalchemy import select

from strava_rehab.cli import app, context, log_level, secrets_of, settings
from strava_rehab.cli.options import JsonOpt
from strava_rehab.cli.output import emit_json, say, setup_logging
from strava_rehab.db.engine import Database, current_revision, downgrade, head_revision, upgrade
from strava_rehab.db.models import Athlete

db_app = typer.Typer(help="Database schema: migrations.", no_args_is_help=True)
config_app = typer.Typer(help="Check and show the settings.", no_args_is_help=True)
keys_app = typer.Typer(help="The key that encrypts Strava tokens at rest.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(keys_app, name="keys")


# --- db ------------------------------------------------------------------------------------------


def _database() -> Database:
    s = settings()
    setup_logging(log_level(logging.INFO), secrets_of(s))
    return Database(s.resolved_database_url)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the migrations (the embedded default also does this on every command)."""
    db = _database()
    try:
        upgrade(db.engine, revision)
        say(f"database at revision {current_revision(db.engine)}")
    finally:
        db.dispose()


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision.")]) -> None:
    """Revert the migrations down to REVISION ('base' empties the database)."""
    db = _database()
    try:
        downgrade(db.engine, revision)
        say(f"database at revision {current_revision(db.engine) or 'base'}")
    finally:
        db.dispose()


@db_app.command("current")
def db_current(as_json: JsonOpt = False) -> None:
    """Show the applied and the newest revision."""
    db = _database()
    try:
        data = {"current": current_revision(db.engine), "head": head_revision(db.engine)}
    finally:
        db.dispose()
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
    from strava_rehab.db.token_vault import KEY_FILE_NAME, vault_for

    s = settings()
    source, target = _database(), Database(to)
    try:
        report = copy_database(source, target, vault_for(s))
    finally:
        source.dispose()
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
    s = settings()
    say(f"configuration ok; database: {s.resolved_database_url.split('@')[-1]}")


@config_app.command("show")
def config_show(as_json: JsonOpt = False) -> None:
    """Show the effective settings, with secrets masked."""
    data = settings().model_dump(mode="json")
    if as_json:
        emit_json(data)
        return
    for key, value in data.items():
        print(f"{key} = {value}")


# --- keys ----------------------------------------------------------------------------------------


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every stored token under the newest key (list it first in secret_key)."""
    ctx = context()
    with ctx.db.transaction() as session:
        rows = list(session.scalars(select(Athlete)))
        for row in rows:
            row.access_token = ctx.vault.rotate(row.access_token)
            row.refresh_token = ctx.vault.rotate(row.refresh_token)
    say(f"re-encrypted the tokens of {len(rows)} athlete(s)")
