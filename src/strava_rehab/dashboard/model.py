"""The dashboard's contract: what the web layer gathers, and the view models it renders.

Inputs are the core's own models (``RunSession``, ``Finding``, ``PainEntry``, ``ProtocolState``,
``Library``) plus ``SuggestionRecord``, one row of the suggestion history. Outputs are frozen
view models whose numbers are final (the templates only format them).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from strava_rehab.load.model import FindingKind, Severity
from strava_rehab.pain.model import Side
from strava_rehab.rehab.library import ProtocolKind
from strava_rehab.rehab.situation import Prescription

Destination = Literal["description", "notification", "both"]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


# --- inputs ------------------------------------------------------------------------------------


class SuggestionRecord(_View):
    """One suggestion we made (a row of the suggestion history the web layer loads)."""

    activity_id: int
    local_date: date
    reason: str
    protocol_id: str | None = None
    phase: int | None = None
    # True while our block is on the run (delivered and not undone): the page offers "undo".
    delivered: bool = False


# --- load --------------------------------------------------------------------------------------


class LoadDay(_View):
    local_date: date
    km: float
    runs: int
    # The 7 local days ending on this day.
    rolling_7d_km: float
    # What a run on this day is measured against: the longest reference run of the
    # ``spike_window_days`` (30) days before it; None when there is none (no ratio, see
    # ``load.spike``).
    reference_km: float | None


class SpikeMark(_View):
    """A finding drawn on the load chart and listed under it (anchor ``#finding-<id>``)."""

    id: str
    activity_id: int | None
    local_date: date
    kind: FindingKind
    band: str
    severity: Severity
    label: str  # "moderate spike", "long return after a break", ...
    value_km: float
    reference_km: float | None
    ratio: float | None
    hazard_ratio: str | None
    explanation: str
    source: str


class LoadSeries(_View):
    start: date
    end: date
    weeks: int
    days: list[LoadDay]
    spikes: list[SpikeMark]
    total_km: float
    # The figures as of ``end``: the 7-day total and the reference tomorrow's run meets.
    last_7d_km: float
    reference_km: float | None


# --- pain --------------------------------------------------------------------------------------


class PainPoint(_View):
    local_date: date
    activity_id: int | None
    # The score on 0-10; 0 for "no pain"; None when the note gave no number.
    score: float | None
    side: Side | None
    negated: bool
    over_limit: bool
    red_flag: bool
    red_flag_reasons: list[str] = Field(default_factory=list)
    text: str


class PainTimeline(_View):
    region: str
    region_name: str
    limit: float  # the pain-monitoring limit (Silbernagel: 5/10)
    points: list[PainPoint]
    latest: PainPoint


# --- plan --------------------------------------------------------------------------------------


class PlanView(_View):
    protocol_id: str
    protocol_name: str
    condition: str
    kind: ProtocolKind
    summary: str
    started_on: date
    phase: int | None
    phase_count: int
    phase_name: str | None
    phase_goal: str | None
    phase_since: date
    last_score: float | None
    exercises: list[Prescription]
    options: list[Prescription]
    move_on: list[str]
    step_back: list[str]
    load_advice: list[str]
    cautions: list[str]
    avoid: list[str]
    sources: list[str]


# --- history -----------------------------------------------------------------------------------


class SuggestionView(_View):
    activity_id: int
    local_date: date
    reason: str
    protocol_name: str | None
    phase: int | None
    phase_name: str | None
    delivered: bool
    # Anchors of this run's findings on the page.
    finding_ids: list[str]


# --- charts ------------------------------------------------------------------------------------


class TableView(_View):
    """A chart's text alternative as a table: already formatted cells."""

    caption: str
    headers: list[str]
    rows: list[list[str]]


class ChartView(_View):
    id: str
    svg: str  # well-formed SVG markup; every text in it is escaped
    summary: str
    table: TableView


# --- the page ----------------------------------------------------------------------------------


class Dashboard(_View):
    today: date
    weeks: int
    load: LoadSeries
    load_chart: ChartView
    pain: list[PainTimeline]
    pain_charts: list[ChartView]
    plans: list[PlanView]
    suggestions: list[SuggestionView]
    disclaimer: str
