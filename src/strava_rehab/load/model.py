"""The vocabulary of training-load analysis: runs in, findings and metrics out.

These models are the contract between the pure analysis and everything around it (the
database adapter builds ``RunSession`` rows, the rules and the renderer read ``Finding``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FindingKind = Literal["session_spike", "return_after_break", "weekly_progression", "suspect_gps"]
Severity = Literal["info", "notice", "warning"]


class RunSession(BaseModel):
    """One counted run, as the analysis sees it: already in the athlete's local date."""

    model_config = ConfigDict(frozen=True)

    activity_id: int
    local_date: date
    start_utc: datetime
    distance_m: float = Field(ge=0)
    moving_time_s: int = Field(ge=0)
    sport_type: str = "Run"
    manual: bool = False
    trainer: bool = False


class LoadThresholds(BaseModel):
    """Windows and cut-offs. Defaults follow Frandsen 2025 and Nielsen 2014; all are settings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    spike_window_days: int = Field(default=30, ge=7, le=120)
    spike_small: float = Field(default=1.10, gt=1.0)
    spike_moderate: float = Field(default=1.30, gt=1.0)
    spike_large: float = Field(default=2.00, gt=1.0)
    weekly_progression: float = Field(default=0.30, gt=0.0)
    acwr_min_history_days: int = Field(default=28, ge=7)
    ewma_acute_days: int = Field(default=7, ge=2)
    ewma_chronic_days: int = Field(default=28, ge=7)
    # A run after a break (no run in the spike window) is judged by absolute distance.
    return_after_break_km: float = Field(default=10.0, gt=0)
    # Runs shorter than this never raise a session spike (and are not used as a reference).
    min_run_km: float = Field(default=1.0, ge=0)
    # Faster than this average moving pace (metres per second) is implausible for running.
    max_plausible_speed_mps: float = Field(default=7.0, gt=0)

    @model_validator(mode="after")
    def _bands_in_order(self) -> LoadThresholds:
        # Out-of-order bands would silently make a band unreachable; say so at load time instead.
        if not self.spike_small < self.spike_moderate < self.spike_large:
            raise ValueError(
                "spike thresholds must satisfy spike_small < spike_moderate < spike_large "
                f"(got {self.spike_small}, {self.spike_moderate}, {self.spike_large})"
            )
        if self.ewma_acute_days >= self.ewma_chronic_days:
            raise ValueError(
                "ewma_acute_days must be shorter than ewma_chronic_days "
                f"(got {self.ewma_acute_days} and {self.ewma_chronic_days})"
            )
        return self


class Finding(BaseModel):
    """One thing the analysis noticed, with the numbers and the evidence behind it."""

    model_config = ConfigDict(frozen=True)

    activity_id: int | None
    local_date: date
    kind: FindingKind
    band: str
    severity: Severity
    value: float
    reference: float | None
    ratio: float | None
    hazard_ratio: str | None = None
    explanation: str
    source: str


class DayLoad(BaseModel):
    """One local day of the athlete's log: trusted distance and how many runs made it up."""

    model_config = ConfigDict(frozen=True)

    local_date: date
    km: float
    runs: int


class LoadMetrics(BaseModel):
    """Where the athlete stands on ``as_of``. Context for the runner, never an alert on its own.

    The ACWR figures are descriptive only: the evidence for ACWR thresholds is contested and in
    the largest running cohort ACWR spikes went with *lower* injury rates (Frandsen 2025).
    """

    model_config = ConfigDict(frozen=True)

    last_7d_km: float
    previous_7d_km: float
    # (last - previous) / previous; None when the previous week had no distance.
    weekly_change: float | None
    acwr_uncoupled: float | None
    acwr_ewma: float | None
    monotony: float | None
    strain: float | None
    # Local days from the first trusted run up to and including ``as_of`` (0 before any run).
    history_days: int
    # Longest trusted run in the 30 local days ending on ``as_of`` (0.0 when there is none).
    longest_run_30d_km: float


class LoadReport(BaseModel):
    """The whole analysis of one athlete's runs: per-run findings plus today's context."""

    model_config = ConfigDict(frozen=True)

    as_of: date
    # Findings for every run in the input (also those after ``as_of``), in chronological order.
    findings: list[Finding]
    metrics: LoadMetrics
    # The 14 local days ending on ``as_of``, oldest first.
    recent_days: list[DayLoad]
    # Plain-language caveats for the figures in ``metrics``, ready to print under them.
    notes: list[str] = Field(default_factory=list)
