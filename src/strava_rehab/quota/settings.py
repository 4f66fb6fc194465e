"""``QuotaPolicy``: every threshold of the quota policy, with defaults and bounds.

The defaults are sized against Strava's default read quota (100 calls per 15 minutes, 1,000 per
day, for the whole app): with healthy webhooks an athlete costs about one reconciliation listing a
day plus one GET and one PUT per new run; without webhooks, polling two usual upload times a day
stays under about 30 listings per athlete-day. The bounds reject settings that would either spend
the quota blindly (polling faster than a 15-minute window can absorb for many athletes) or leave
athletes unseen for days.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

MINUTES_PER_DAY = 24 * 60


class QuotaPolicy(BaseModel):
    """Thresholds of the quota policy. Immutable; build a new one to change a setting."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # --- Polling (polling.py) -------------------------------------------------------------
    # Two days, not one: with webhooks healthy a new run and a deletion come as events, and
    # the reconciliation is only the net under them. A listing of the window costs two calls
    # (its page, and the empty page that proves it ended), so a daily one alone would be a
    # third of the six calls an athlete-day may cost.
    reconcile_interval: timedelta = Field(
        default=timedelta(hours=48),
        ge=timedelta(hours=1),
        le=timedelta(days=7),
        description="Webhooks healthy: one reconciliation listing per athlete this often.",
    )
    min_poll_interval: timedelta = Field(
        default=timedelta(minutes=20),
        ge=timedelta(minutes=5),
        le=timedelta(hours=6),
        description="Webhooks unhealthy: the shortest gap, used around usual upload times.",
    )
    max_poll_interval: timedelta = Field(
        default=timedelta(hours=3),
        ge=timedelta(minutes=5),
        le=timedelta(hours=24),
        description="Webhooks unhealthy: the longest gap outside usual upload times.",
    )
    cold_start_interval: timedelta = Field(
        default=timedelta(hours=1),
        ge=timedelta(minutes=5),
        le=timedelta(hours=24),
        description="Webhooks unhealthy and no upload history yet: poll this often.",
    )
    idle_after: timedelta = Field(
        default=timedelta(days=3),
        ge=timedelta(days=1),
        le=timedelta(days=60),
        description="No upload for this long: the athlete is idle and polled a few times a day.",
    )
    idle_polls_per_day: int = Field(default=3, ge=1, le=24)
    upload_lookback_days: int = Field(
        default=28,
        ge=7,
        le=120,
        description="Uploads older than this are ignored by the histogram and the demand estimate.",
    )
    histogram_bin_minutes: int = Field(
        default=30, ge=5, le=120, description="Width of a time-of-day bin; must divide 24 h."
    )
    usual_time_min_uploads: int = Field(
        default=2, ge=1, le=100, description="A bin needs this many uploads to be a usual time."
    )
    usual_time_min_share: float = Field(
        default=0.15,
        gt=0,
        le=1,
        description="... and at least this share of the athlete's uploads in the lookback.",
    )
    upload_window_pad: timedelta = Field(
        default=timedelta(minutes=60),
        ge=timedelta(0),
        le=timedelta(hours=6),
        description="Poll often from this long before a usual-time bin to this long after it.",
    )

    # --- Subscription health (polling.py) -------------------------------------------------
    event_grace: timedelta = Field(
        default=timedelta(minutes=15),
        ge=timedelta(0),
        le=timedelta(hours=6),
        description="An unannounced run younger than this may still have its event in flight.",
    )
    unannounced_lookback: timedelta = Field(
        default=timedelta(days=2),
        ge=timedelta(hours=1),
        le=timedelta(days=30),
        description="Unannounced runs uploaded longer ago than this no longer count.",
    )
    unannounced_runs_to_fail: int = Field(
        default=1, ge=1, le=100, description="This many unannounced runs mean events stopped."
    )
    event_silence_limit: timedelta | None = Field(
        default=timedelta(hours=72),
        ge=timedelta(hours=1),
        description="No event for any athlete for this long means events stopped (None: off).",
    )

    # --- Budget (priorities.py) -----------------------------------------------------------
    safety_margin: float = Field(
        default=0.95,
        gt=0.5,
        le=1,
        description="Spend at most this share of each limit (the rate budget uses the same).",
    )
    calls_per_new_run: int = Field(default=2, ge=1, le=10, description="GET detail + PUT.")
    demand_safety_factor: float = Field(default=1.5, ge=1, le=10)
    demand_smoothing: timedelta = Field(
        default=timedelta(minutes=30),
        ge=timedelta(0),
        le=timedelta(hours=3),
        description="Uploads this close to a window count toward it (box smoothing).",
    )
    min_new_run_reserve_15m: int = Field(
        default=2,
        ge=0,
        le=100,
        description="Keep at least this many calls per 15 minutes for new runs (one run).",
    )
    account_reserve_15m: int = Field(default=2, ge=0, le=100)
    account_reserve_day: int = Field(default=10, ge=0, le=1000)

    # --- Backfill (backfill.py) -----------------------------------------------------------
    recent_days: int = Field(
        default=42,
        ge=7,
        le=365,
        description="What the spike and pain decisions need: everyone gets this first.",
    )
    backfill_step_days: int = Field(
        default=42,
        ge=1,
        le=365,
        description="Days per backfill step (one listing of up to 200 runs, usually one call).",
    )

    # --- Second look (second_look.py) -----------------------------------------------------
    second_look_after: timedelta = Field(
        default=timedelta(hours=1),
        ge=timedelta(minutes=5),
        le=timedelta(hours=24),
        description="A note typed after the upload: look again this long after the run ended.",
    )
    second_look_until: timedelta = Field(
        default=timedelta(hours=48),
        ge=timedelta(hours=1),
        le=timedelta(days=14),
        description="No second look for a run that ended longer ago than this.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if MINUTES_PER_DAY % self.histogram_bin_minutes:
            raise ValueError(
                f"histogram_bin_minutes must divide {MINUTES_PER_DAY} "
                f"(got {self.histogram_bin_minutes})"
            )
        if self.min_poll_interval > self.max_poll_interval:
            raise ValueError("min_poll_interval must not exceed max_poll_interval")
        if not self.min_poll_interval <= self.cold_start_interval <= self.max_poll_interval:
            raise ValueError("cold_start_interval must lie between min and max_poll_interval")
        if self.idle_interval < self.min_poll_interval:
            raise ValueError("idle_polls_per_day polls more often than min_poll_interval")
        if self.second_look_after >= self.second_look_until:
            raise ValueError("second_look_after must be shorter than second_look_until")
        return self

    @property
    def idle_interval(self) -> timedelta:
        return timedelta(days=1) / self.idle_polls_per_day
