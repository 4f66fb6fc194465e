"""The exercise library and the decision rules, as validated data.

Everything a physio would change (exercises, doses, protocols, which region maps to which
protocol, red-flag wording) lives in ``config/*.toml``; this module only says what shape that
data must have. Every model forbids unknown keys, so a typo in the library fails at load with
the file and the entry named, instead of silently dropping an exercise from someone's rehab.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from strava_rehab.text.voice import N_

EvidenceBasis = Literal["study", "convention"]
# How a convention-based dose is labelled wherever a runner reads it.
CONVENTION_LABEL = N_("dose: clinical convention")
ProtocolKind = Literal["rehab", "caution", "prevention"]
ExerciseKind = Literal["strength", "isometric", "stretch", "balance"]
EntryId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(_Data):
    """A citation. ``note`` is where we are honest about what was and was not checked."""

    citation: str = Field(min_length=10)
    doi: str | None = Field(default=None, pattern=r"^10\.\d{4,9}/\S+$")
    note: str = ""
    # Authors, year, journal, for the public block: "Rathleff et al. 2015, Scand J Med Sci Sports".
    # None for clinical-convention entries, which have no study to name.
    short: str | None = Field(default=None, min_length=8, max_length=80)

    def cite(self) -> str:
        text = self.citation if self.doi is None else f"{self.citation} doi:{self.doi}"
        return f"{text} ({self.note})" if self.note else text


class Dose(_Data):
    """How much of an exercise: structured for checks, plus the short text a runner reads."""

    sets: int = Field(ge=1, le=10)
    reps: int | None = Field(default=None, ge=1, le=50)
    hold_s: int | None = Field(default=None, ge=1, le=300)
    frequency: str = Field(min_length=3)
    text: str = Field(min_length=3)
    # "study" = the dose used in the cited trial; "convention" = common clinical practice,
    # which the runner is told in so many words.
    basis: EvidenceBasis

    @model_validator(mode="after")
    def _has_volume(self) -> Dose:
        if self.reps is None and self.hold_s is None:
            raise ValueError("a dose needs reps or hold_s")
        return self

    def describe(self) -> str:
        if self.basis == "convention":
            return f"{self.text} ({CONVENTION_LABEL})"
        return self.text


class Exercise(_Data):
    name: str = Field(min_length=3)
    kind: ExerciseKind
    target: str = Field(min_length=3)
    dose: Dose
    cues: tuple[str, ...] = Field(min_length=1)
    progression: str = Field(min_length=3)
    regression: str = Field(min_length=3)
    cautions: tuple[str, ...] = ()
    source: EntryId


class PhaseExercise(_Data):
    """An exercise as a phase uses it; ``dose`` overrides the default (e.g. 12RM, then 8RM).

    ``step`` instead takes the dose from the protocol's ``dose_schedules`` for this exercise: the
    phase's step, but never a step the study gives later than the week the runner has reached.
    """

    id: str
    dose: Dose | None = None
    step: int | None = Field(default=None, ge=1, le=20)

    @model_validator(mode="after")
    def _one_dose(self) -> PhaseExercise:
        if self.dose is not None and self.step is not None:
            raise ValueError("give either dose or step, not both")
        return self


class DoseStep(_Data):
    """One step of a study's schedule: this dose from programme week ``from_week`` on."""

    from_week: int = Field(ge=1, le=52)
    dose: Dose


class DoseSchedule(_Data):
    """A cited week-by-week dose schedule (e.g. Rathleff 2015: 12RM, 10RM from week 3, 8RM from
    week 5). Steps start at week 1 and move strictly later."""

    source: EntryId
    steps: tuple[DoseStep, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> DoseSchedule:
        weeks = [step.from_week for step in self.steps]
        if weeks[0] != 1 or any(b <= a for a, b in pairwise(weeks)):
            raise ValueError(f"steps must start at week 1 and get later, got weeks {weeks}")
        return self

    def step_for_week(self, week: int) -> int:
        """The last step (1-based) the study gives by programme week ``week``."""
        return max(i for i, step in enumerate(self.steps, 1) if step.from_week <= max(week, 1))


def _ids_to_tables(value: object) -> object:
    # A bare id is the common case in the TOML; a table is only needed to override the dose.
    if isinstance(value, list):
        return [{"id": item} if isinstance(item, str) else item for item in value]
    return value


class ExitRule(_Data):
    """Pain has settled enough to move on: the last ``min_entries`` pain entries in this phase
    (at least) are all at or below ``max_score``, and the first of them is ``min_days`` old."""

    max_score: float = Field(ge=0, le=10)
    min_entries: int = Field(default=2, ge=1, le=20)
    min_days: int = Field(default=0, ge=0, le=90)


class Phase(_Data):
    name: str = Field(min_length=3)
    goal: str = Field(min_length=3)
    entry: str = Field(min_length=3)
    exit: str = Field(min_length=3)
    # Time-based programmes (e.g. Rathleff's weeks 1-2 at 12RM) never move on earlier than this.
    min_days: int = Field(default=0, ge=0, le=180)
    exit_when: tuple[ExitRule, ...] = ()
    exercises: tuple[PhaseExercise, ...] = Field(min_length=1)
    # Equivalent alternatives ("or instead"), e.g. heavy slow resistance for Alfredson's drops.
    options: tuple[PhaseExercise, ...] = ()
    load_advice: tuple[str, ...] = ()
    # Cut-back advice ("run less") only shown when today's pain is above the keep-running
    # limit, has not settled or is rising: a runner at 2/10 that was gone by morning is not told
    # to run less.
    sore_advice: tuple[str, ...] = ()

    _exercise_ids = field_validator("exercises", "options", mode="before")(_ids_to_tables)


class Protocol(_Data):
    name: str = Field(min_length=3)
    condition: str = Field(min_length=3)
    kind: ProtocolKind
    regions: tuple[str, ...] = ()
    summary: str = Field(min_length=10)
    phases: tuple[Phase, ...] = ()
    load_advice: tuple[str, ...] = Field(min_length=1)
    cautions: tuple[str, ...] = ()
    # Things not to do, said explicitly (e.g. no stretching of an irritated hamstring tendon).
    avoid: tuple[str, ...] = ()
    sources: tuple[EntryId, ...] = Field(min_length=1)
    # As ``Phase.sore_advice``, for the whole protocol.
    sore_advice: tuple[str, ...] = ()
    # The condition presents with morning pain (first-step heel pain, Achilles morning
    # stiffness): morning pain is judged by its change from earlier mornings, not its presence.
    morning_symptom: bool = False
    # Week-by-week dose schedules from the cited studies, by exercise id.
    dose_schedules: dict[EntryId, DoseSchedule] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _phases_fit_kind(self) -> Protocol:
        if self.kind == "caution" and self.phases:
            raise ValueError("a caution protocol has no phases or exercises (clinician first)")
        if self.kind != "caution" and not self.phases:
            raise ValueError(f"a {self.kind} protocol needs at least one phase")
        for number, phase in enumerate(self.phases, 1):
            for item in (*phase.exercises, *phase.options):
                if item.step is None:
                    continue
                schedule = self.dose_schedules.get(item.id)
                if schedule is None:
                    raise ValueError(f"phase {number}: {item.id} has a step but no dose schedule")
                if item.step > len(schedule.steps):
                    raise ValueError(
                        f"phase {number}: {item.id} step {item.step} is beyond its schedule "
                        f"({len(schedule.steps)} steps)"
                    )
        return self


class BoneStressRule(_Data):
    """Which pain reads as a possible bone stress injury rather than a soft-tissue problem."""

    protocol: EntryId
    regions: tuple[str, ...] = Field(min_length=1)
    flags: tuple[str, ...] = Field(min_length=1)


class HighRiskSite(_Data):
    """A high-risk bone-stress site (sources.toml warden2014): pain there in a runner whose recent
    weekly distance is at least ``min_weekly_km`` is a red flag; with the distance unknown, the
    ``caution`` is shown instead."""

    region: str
    min_weekly_km: float = Field(gt=0, le=500)
    reason: str = Field(min_length=10)
    caution: str = Field(min_length=10)


class WorseningRule(_Data):
    """A region where pain that worsens with running is itself a red flag (femoral neck)."""

    region: str
    reason: str = Field(min_length=10)


class FindingText(_Data):
    """Reason templates for a load finding: ``{value}``, ``{reference}``, ``{ratio}``, ``{pct}``."""

    reason: str = Field(min_length=10)


class PainAdvice(_Data):
    acceptable: tuple[str, ...] = Field(min_length=1)
    reduce: tuple[str, ...] = Field(min_length=1)
    not_settled: str = Field(min_length=10)
    settled: str = Field(min_length=10)
    # Pain at or below this that has settled and is not rising: keep running, monitor
    # (Silbernagel 2007's "safe" zone as commonly redrawn, sources.toml silbernagel2007).
    keep_running_max: float = Field(default=3.0, ge=0, le=10)
    keep_running: str = Field(
        default="Pain this low that settles by the next morning is fine: keep running as planned "
        "and note how it feels after each run.",
        min_length=10,
    )
    # The condition's usual morning symptom, no worse than before.
    usual_morning: str = Field(
        default="Some morning pain or stiffness is how this condition shows itself: what matters "
        "is that it is no worse than on earlier mornings.",
        min_length=10,
    )
    # No pain logged today: the programme cannot move on without it.
    # The usual morning symptom got worse than on earlier mornings.
    morning_worse: str = Field(
        default="Morning pain is worse than on earlier mornings: that is the sign to cut back, "
        "even if the run felt fine.",
        min_length=10,
    )
    no_evidence: str = Field(
        default="Log how it felt after each run ('shin 2/10' in the run's note, or "
        "strava-rehab pain log shin 2): the programme only moves on with logged pain.",
        min_length=10,
    )


class Rules(_Data):
    """rules.toml: the mapping from what the runner said to what we suggest."""

    regions: dict[EntryId, str] = Field(min_length=1)
    region_protocols: dict[str, EntryId]
    prevention_protocol: EntryId
    bone_stress: BoneStressRule
    worsening: tuple[WorseningRule, ...] = ()
    high_risk_sites: tuple[HighRiskSite, ...] = ()
    red_flags: dict[EntryId, str] = Field(min_length=1)
    findings: dict[str, FindingText]
    band_advice: dict[str, tuple[str, ...]]
    general_advice: tuple[str, ...] = Field(min_length=1)
    # Rest lines for pain without a programme: only when the pain is above the acceptable
    # limit, has not settled by the next morning or is rising (no needless rest).
    rest_advice: tuple[str, ...] = ()
    pain: PainAdvice
    clinician_advice: tuple[str, ...] = Field(min_length=1)
    no_protocol: str = Field(min_length=10)
    unknown_words: str = Field(min_length=10)
    # After "Not understood" in the notification: how to log pain by hand.
    unread_help: str = Field(
        default="If that was pain, log it by hand: strava-rehab pain log REGION SCORE "
        "(for example: strava-rehab pain log shin 3).",
        min_length=10,
    )
    pain_monitoring_sources: tuple[EntryId, ...] = Field(min_length=1)
    # Cited on the public evidence line when a load spike was found.
    spike_source: EntryId = "frandsen2025"
    disclaimer: str = Field(min_length=10)

    @field_validator("disclaimer")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value.strip():
            raise ValueError("the disclaimer must be one line")
        return value.strip()


class Library(_Data):
    """The whole validated library. Build it with ``load_library``; cross-references hold."""

    sources: dict[str, Source]
    exercises: dict[str, Exercise]
    protocols: dict[str, Protocol]
    rules: Rules

    def protocol_for(self, region: str) -> str | None:
        return self.rules.region_protocols.get(region)

    def region_name(self, region: str) -> str:
        return self.rules.regions.get(region, region.replace("_", " "))

    def cite(self, source_id: str) -> str:
        return self.sources[source_id].cite()

    def short_cite(self, source_id: str) -> str | None:
        source = self.sources.get(source_id)
        return None if source is None else source.short
