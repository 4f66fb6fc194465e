"""The runner-adjustable thresholds of the rehab rules (embedded in the settings file).

Defaults follow Silbernagel's pain-monitoring model (≤5/10 acceptable), a score
of 7/10 or more treated as a red flag, and Farrar's clinically important change (≥2 points or
≥30%) as the line between noise and a real rise (sources.toml: silbernagel2007, farrar2001).
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

from strava_rehab.load.model import Severity

# On the first sync, runs from the last few days get a suggestion too; older history does not,
# so connecting never floods months of old activities with text.
FIRST_SUGGESTION_LOOKBACK = timedelta(days=3)


class RehabPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # The full suggestion is not repeated within this many days for the same protocol and phase.
    cooldown_days: int = Field(default=7, ge=0, le=60)
    # Silbernagel 2007: pain during or after running up to this is acceptable if it settles.
    acceptable_pain: float = Field(default=5.0, ge=0, le=10)
    # At or above this the pain itself is a red flag: stop and see a clinician.
    red_flag_score: float = Field(default=7.0, gt=0, le=10)
    # The "safe" zone of the model: a rise that stays at or below this is not counted as rising.
    safe_pain: float = Field(default=2.0, ge=0, le=10)
    # Farrar 2001: a change of ≥2 points or ≥30% is real; smaller changes are noise.
    rise_points: float = Field(default=2.0, gt=0, le=10)
    rise_fraction: float = Field(default=0.30, gt=0, le=5)
    # A percentage rise must also be at least this many points (1 → 2 is +100% but not news).
    min_rise_points: float = Field(default=1.0, ge=0, le=10)
    # "Not rising week to week": today's score is compared with the mean of this many days.
    trend_window_days: int = Field(default=7, ge=1, le=28)
    # Older pain entries are ignored altogether.
    history_days: int = Field(default=42, ge=7, le=365)
    # A protocol untouched (no pain entry for its regions, no suggestion) this long is over.
    state_expiry_days: int = Field(default=42, ge=7, le=365)
    # Which load findings count as a spike worth advice; "info" findings are context only.
    spike_severities: tuple[Severity, ...] = ("notice", "warning")

    @model_validator(mode="after")
    def _ordered(self) -> RehabPolicy:
        if not self.safe_pain <= self.acceptable_pain < self.red_flag_score:
            raise ValueError(
                "need safe_pain <= acceptable_pain < red_flag_score "
                f"(got {self.safe_pain}, {self.acceptable_pain}, {self.red_flag_score})"
            )
        return self
