"""``strava-rehab db copy --to URL``: move an install to another database, nothing lost.

The target is migrated to head first (on PostgreSQL that includes the job queue schema), must
be empty, and receives every row of every table in foreign-key order, in one transaction.
Tokens are copied as they are stored (encrypted): they decrypt with the same ``secret_key``,
which the command checks before committing. PostgreSQL sequences are moved past the copied ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Integer, func, select, text

from strava_rehab.db.engine import Database, current_revision, head_revision, upgrade
from strava_rehab.db.models import Athlete, Base
from strava_rehab.db.token_vault import TokenVault
from strava_rehab.errors import UserFacingError

BATCH = 500


class CopyError(UserFacingError):
    """The copy cannot start or did not verify; the target is left without our rows."""


@dataclass
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)
    tokens_checked: int = 0

    def summary(self) -> str:
        total = sum(self.rows.values())
        tables = ", ".join(f"{name} {n}" for name, n in self.rows.items() if n)
        return (
            f"copied {total} rows ({tables or 'no rows'}); "
            f"{self.tokens_checked} athlete token pair(s) decrypt with the current key"
        )


def copy_database(source: Database, target: Database, vault: TokenVault) -> CopyReport:
    if source.engine.url == target.engine.url:
        raise CopyError("the target is the database in use; name another one with --to")
    if current_revision(source.engine) != head_revision(source.engine):
        raise CopyError("the source database is not at the newest revision: run `db upgrade`")
    upgrade(target.engine)
    tables = [t for t in Base.metadata.sorted_tables]
    with target.engine.connect() as conn:
        for table in tables:
            if conn.execute(select(func.count()).select_from(table)).scalar():
                raise CopyError(
                    f"the target database already holds data (table {table.name}); "
                    "copy into an empty database"
                )
    report = CopyReport()
    with source.engine.connect() as src, target.engine.begin() as dst:
        for table in tables:
            count = 0
            result = src.execution_options(yield_per=BATCH).execute(select(table))
            for chunk in result.mappings().partitions(BATCH):
                dst.execute(table.insert(), [dict(row) for row in chunk])
                count += len(chunk)
            report.rows[table.name] = count
        if dst.dialect.name == "postgresql":
            for table in tables:
                pk = list(table.primary_key.columns)
                if len(pk) == 1 and isinstance(pk[0].type, Integer) and pk[0].autoincrement:
                    sequence = dst.execute(
                        text("SELECT pg_get_serial_sequence(:t, :c)"),
                        {"t": table.name, "c": pk[0].name},
                    ).scalar()
                    if sequence:
                        newest = select(func.max(pk[0])).scalar_subquery()
                        dst.execute(
                            select(func.setval(sequence, func.coalesce(newest, 0) + 1, False))
                        )
        for table in tables:
            copied = dst.execute(select(func.count()).select_from(table)).scalar()
            if copied != report.rows[table.name]:
                raise CopyError(f"table {table.name}: {copied} rows arrived, expected more")
        for access, refresh in dst.execute(select(Athlete.access_token, Athlete.refresh_token)):
            vault.decrypt(access)  # raises ConfigError naming the key problem: rolls back
            vault.decrypt(refresh)
            report.tokens_checked += 1
    return report
