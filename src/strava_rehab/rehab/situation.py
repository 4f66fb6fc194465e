"""What the rules are told about a runner on one day, and what they answer.

The lead's pipeline builds ``Situation`` from the database (pain history, protocol states) and
the load analysis (findings); ``decide`` returns a ``Decision`` whose ``next_state`` the
pipeline persists. Nothing here reads a clock: ``today`` is given.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from strava_rehab.load.model import Finding
from strava_rehab.pain.model import PainReport, Side

DecisionKind = Literal["none", "load_advice", "rehab", "continue", "see_clinician"]
PainTrend = Literal["rising", "steady", "settling"]


class PainEntry(BaseModel):
    """One earlier pain report, on the athlete's local date."""

    model_config = ConfigDict(frozen=True)

    local_date: date
    activity_id: int | None
    report: PainReport


class ProtocolState(BaseModel):
    """Where a runner is in one protocol, as we last told them (persisted by the lead)."""

    model_config = ConfigDict(frozen=True)

    protocol_id: str
    phase: int = Field(ge=1)
    started_on: date
    last_full_on: date | None
    last_score: float | None
    # When the current phase began: a phase's minimum days count from here. The service must
    # persist it (``Decision.next_state`` sets it on every phase change). None means unknown and
    # falls back to the protocol's start (``started_on``), which is today's behaviour for rows
    # stored before the field existed.
    phase_started_on: date | None = None

    @property
    def phase_since(self) -> date:
        return self.phase_started_on or self.started_on


class Situation(BaseModel):
    model_config = ConfigDict(frozen=True)

    today: date
    activity_id: int | None
    pain_today: list[PainReport] = Field(default_factory=list)
    # Earlier entries (e.g. the last 6 weeks), oldest first.
    pain_history: list[PainEntry] = Field(default_factory=list)
    # The load findings for this run or day.
    findings: list[Finding] = Field(default_factory=list)
    # The athlete's current protocol states.
    states: list[ProtocolState] = Field(default_factory=list)
    # The runner's own recent weekly running distance in km (the service should pass the larger
    # of the last 7 days' total and the weekly mean of the last 28 days). Pain at a high-risk
    # bone-stress site (deep groin / femoral neck, navicular, front of the shin) at or above the
    # rules' ``min_weekly_km`` is a red flag. None = unknown: the rule cannot fire, and such pain
    # gets a caution instead (today's behaviour plus one line).
    recent_weekly_km: float | None = Field(default=None, ge=0)
    # Fragments of today's notes that looked like pain but were not understood
    # (``pain.read_note(...).unread``): the notification names them and says how to log pain
    # by hand. Empty by default.
    unread_notes: list[str] = Field(default_factory=list)


class Prescription(BaseModel):
    """One exercise as we suggest it today: the dose is already the phase's."""

    model_config = ConfigDict(frozen=True)

    exercise_id: str
    name: str
    target: str
    sets: int
    reps: int | None
    hold_s: int | None
    frequency: str
    dose: str  # e.g. "3 × 15, twice daily" (+ "(dose: clinical convention)" when it is)
    dose_basis: Literal["study", "convention"]
    cues: list[str]
    progression: str
    regression: str
    cautions: list[str]
    source: str
    # True for an "or instead" alternative to the phase's main exercises.
    option: bool = False


class Decision(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: DecisionKind
    protocol_id: str | None = None
    protocol_name: str | None = None
    condition: str | None = None
    phase: int | None = None
    phase_name: str | None = None
    phase_count: int | None = None
    exercises: list[Prescription] = Field(default_factory=list)
    # Why, with the numbers: which pain (region, side, score, timing) and which finding.
    reasons: list[str] = Field(default_factory=list)
    # The subset of ``reasons`` that is safe to show publicly (load figures, never pain).
    public_reasons: list[str] = Field(default_factory=list)
    load_advice: list[str] = Field(default_factory=list)
    # Protocol-level "do not" lines and cautions (private detail).
    avoid: list[str] = Field(default_factory=list)
    cautions: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    disclaimer: str = ""
    region: str | None = None
    region_name: str | None = None
    side: Side | None = None
    score: float | None = None
    trend: PainTrend | None = None
    # What to persist after this decision; None means "nothing to change".
    next_state: ProtocolState | None = None
    # Short evidence lines for the public block: "Rathleff et al. 2015, Scand J Med Sci Sports".
    evidence: list[str] = Field(default_factory=list)
    # What could not be read in today's notes, for the private notification, and how to log
    # pain by hand instead (``strava-rehab pain log REGION SCORE``).
    unread: list[str] = Field(default_factory=list)
    unread_help: str = ""
