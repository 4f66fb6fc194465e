"""The product wired together: settings, database, token vault, Strava HTTP and the clock.

The CLI, the worker and the web app each build one ``AppContext`` and hand it to the same
services, so the core never reaches for globals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from strava_rehab.db.engine import Database, ensure_schema
from strava_rehab.db.token_vault import TokenVault, vault_for
from strava_rehab.settings import ConfigError, Settings
from strava_rehab.strava.api import AthleteApi, StravaApp
from strava_rehab.strava.http import StravaHttp, utc_now
from strava_rehab.strava.quota_gate import QuotaGate
from strava_rehab.strava.rate_budget import DatabaseRateBudget


@dataclass
class AppContext:
    settings: Settings
    db: Database
    vault: TokenVault
    http: StravaHttp
    clock: Callable[[], datetime] = field(default=utc_now)

    def app(self) -> StravaApp:
        if self.settings.client_id is None or self.settings.client_secret is None:
            raise ConfigError(
                "Strava app credentials are missing: set STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET "
                "(from https://www.strava.com/settings/api), or client_id/client_secret in the "
                "config file"
            )
        return StravaApp(
            self.http, self.settings.client_id, self.settings.client_secret.get_secret_value()
        )

    def athlete_api(self, access_token: str) -> AthleteApi:
        return AthleteApi(self.http, access_token)

    def close(self) -> None:
        self.db.dispose()


def open_context(
    settings: Settings,
    *,
    migrate: bool | None = None,
    clock: Callable[[], datetime] = utc_now,
    backoff_s: float = 0.5,
) -> AppContext:
    """Open the database (migrating it on the embedded default) and build the adapters."""
    db = Database(settings.resolved_database_url)
    if migrate if migrate is not None else settings.embedded:
        ensure_schema(db.engine)
    budget = DatabaseRateBudget(db, settings.rate_safety_margin)
    http = StravaHttp(
        settings.strava_url,
        budget=budget,
        timeout_s=settings.http_timeout_s,
        max_retries=settings.http_max_retries,
        backoff_s=backoff_s,
        clock=clock,
        max_rate_wait_s=settings.rate_limit_max_wait_s,
        gate=QuotaGate(db, budget, settings.quota),
    )
    return AppContext(settings=settings, db=db, vault=vault_for(settings), http=http, clock=clock)
