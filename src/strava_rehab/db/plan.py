"""What a downgrade would do, told first: the revisions it reverts, the tables it drops."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from strava_rehab.db.engine import alembic_config, current_revision

_DROP_TABLE = re.compile(r"^\s*DROP TABLE (?:IF EXISTS )?\"?(\w+)\"?", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class DowngradePlan:
    current: str | None
    revisions: list[str]  # newest first: "0001 (initial schema)"
    tables: list[str] | None  # None if the migration's SQL could not be rendered offline


def downgrade_plan(engine: Engine, target: str) -> DowngradePlan:
    config = alembic_config(engine)
    script = ScriptDirectory.from_config(config)
    current = current_revision(engine)
    if current is None:
        return DowngradePlan(current, [], [])
    reverted = [
        f"{rev.revision} ({rev.doc})" if rev.doc else rev.revision
        for rev in script.iterate_revisions(current, target)
        if rev is not None
    ]
    tables: list[str] | None
    buffer = io.StringIO()
    try:
        offline = alembic_config(engine)
        offline.output_buffer = buffer
        command.downgrade(offline, f"{current}:{target}", sql=True)
        tables = [t for t in _DROP_TABLE.findall(buffer.getvalue()) if t != "alembic_version"]
    except Exception:  # the plan only informs: the downgrade itself still runs
        # SQLite's batch mode needs the live schema, so it renders no offline SQL: going to base
        # drops every table there is, which the live schema tells.
        tables = None
        if target == "base":
            tables = sorted(set(inspect(engine).get_table_names()) - {"alembic_version"})
    return DowngradePlan(current, reverted, tables)
