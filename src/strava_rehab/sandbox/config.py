"""How a sandbox is set up: the fake app's credentials, limits and timings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .population import PopulationSpec
from .rate_limits import QUOTA_TIERS

ClockSource = datetime | Callable[[], datetime] | None


@dataclass(frozen=True)
class SandboxConfig:
    """Settings for one sandbox.

    ``now`` is either a fixed aware datetime (time stands still until ``advance_time``), a
    callable returning an aware UTC datetime, or ``None`` for the real clock.
    """

    host: str = "127.0.0.1"
    port: int = 0
    client_id: int = 12345
    client_secret: str = "sandbox-secret"  # noqa: S105 - the fake app's well-known secret
    token_lifetime_s: int = 21600
    seed: bool = True
    now: ClockSource = None
    overall_limits: tuple[int, int] = (200, 2000)
    read_limits: tuple[int, int] = (100, 1000)
    # A preset from rate_limits.QUOTA_TIERS ("standard", "reviewed", "extended"); when set it
    # replaces overall_limits/read_limits, which must then be left at their defaults.
    quota_tier: str | None = None
    # Simulated server time per API/OAuth request (slept outside the lock), and extra time for
    # a token refresh: makes overlapping refreshes of one athlete observable.
    latency_s: float = 0.0
    refresh_latency_s: float = 0.0
    # Seed this population of runners at start (see population.PopulationSpec).
    population: PopulationSpec | None = None
    # Strava's documented webhook contract: 2 s to answer, 3 attempts in total.
    delivery_timeout_s: float = 2.0
    delivery_attempts: int = 3
    delivery_backoff_s: float = 1.0
    verification_timeout_s: float = 2.0
    code_lifetime_s: int = 600
    # Deleted activities linger in the listing index this long, which is what makes
    # Strava hand out short pages that are not the last one.
    tombstone_retention_s: float = 3 * 86400

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not 0 <= self.port <= 65535:
            problems.append(f"port must be 0..65535 (0 picks a free port), got {self.port}")
        if self.client_id <= 0:
            problems.append(f"client_id must be a positive integer, got {self.client_id}")
        if not self.client_secret:
            problems.append("client_secret must not be empty")
        if self.token_lifetime_s <= 0:
            problems.append(f"token_lifetime_s must be positive, got {self.token_lifetime_s}")
        if self.code_lifetime_s <= 0:
            problems.append(f"code_lifetime_s must be positive, got {self.code_lifetime_s}")
        for label, pair in (
            ("overall_limits", self.overall_limits),
            ("read_limits", self.read_limits),
        ):
            if len(pair) != 2 or min(pair) <= 0:
                problems.append(f"{label} must be two positive ints (15 min, daily), got {pair}")
        if self.quota_tier is not None:
            if self.quota_tier not in QUOTA_TIERS:
                problems.append(
                    f"unknown quota_tier {self.quota_tier!r}; known: {', '.join(QUOTA_TIERS)}"
                )
            if (self.overall_limits, self.read_limits) != QUOTA_TIERS["standard"]:
                problems.append("give either quota_tier or overall_limits/read_limits, not both")
        if self.delivery_attempts < 1:
            problems.append(f"delivery_attempts must be at least 1, got {self.delivery_attempts}")
        for label, value in (
            ("delivery_timeout_s", self.delivery_timeout_s),
            ("delivery_backoff_s", self.delivery_backoff_s),
            ("verification_timeout_s", self.verification_timeout_s),
            ("tombstone_retention_s", self.tombstone_retention_s),
            ("latency_s", self.latency_s),
            ("refresh_latency_s", self.refresh_latency_s),
        ):
            if value < 0:
                problems.append(f"{label} must not be negative, got {value}")
        if isinstance(self.now, datetime) and self.now.utcoffset() is None:
            problems.append("now must be timezone-aware, e.g. datetime(2026, 11, 27, tzinfo=UTC)")
        if problems:
            raise ValueError("invalid SandboxConfig: " + "; ".join(problems))

    def initial_limits(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """(overall, read) limits at start: the tier's if one is named, else the explicit ones."""
        if self.quota_tier is not None:
            return QUOTA_TIERS[self.quota_tier]
        return self.overall_limits, self.read_limits
