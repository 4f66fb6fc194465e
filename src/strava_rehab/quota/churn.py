"""No churn: an earlier run's block is rewritten only when that run's own decision changed.

Why: every description PUT costs a non-upload call from the app-wide quota, just like a GET,
and Strava sends no event for a description edit, so nothing but our own rule stops the churn.
Today (``post_run``) a run's suggestion is re-decided whenever its ``input_hash`` changes, and
that hash covers the whole ``Situation``: the pain history and, crucially, the findings of the
same local date, including the ``weekly_progression`` finding whose value, ratio and explanation
move with every run of the week. A second run today therefore re-renders the first run's block
("this week 42 km, +18 %") and PUTs it again: 52 PUTs for 50 new runs.

"Its own decision" is what the runner is told to *do* because of *that* run, captured in
``RunDecisionFacts``:
- the decision kind (``none``, ``load_advice``, ``rehab``, ``continue``, ``see_clinician``); a
  red flag found later shows up as ``see_clinician`` and in ``red_flag``;
- the protocol and phase, the pain region and side, the band of the score the run itself
  reported (pain-monitoring model: safe, acceptable, too high, red flag; the runner's own words,
  so an edited note that crosses a band is a new input, while 4 → 4.5/10 is not), the
  exercises prescribed (ids);
- the kind, band and severity of the findings attributed to that run (``activity_id`` equal to
  the run), never their values, ratios or explanation text, and never findings of other runs;
- whether the runner undid it (``undone``): undoing changes the block (it goes away).
Rolling figures (weekly km, ratios, ACWR, trend words, reasons text) are left out on purpose:
they change the text, not the advice. The run being processed (the new run) is always written;
this predicate is for the others.

What the service must supply: for each earlier run, the facts behind the block it last
delivered (persist them with the delivery, e.g. as JSON next to ``delivered_hash``) and the facts
of the decision it just re-made. ``facts_from_decision`` builds them from the rehab ``Decision``,
the run's findings and its undo state.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from strava_rehab.load.model import Finding
from strava_rehab.rehab.situation import Decision


class FindingFacts(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str
    band: str
    severity: str


class RunDecisionFacts(BaseModel):
    """The part of a run's suggestion that, when it changes, justifies a new PUT."""

    model_config = ConfigDict(frozen=True)

    kind: str
    protocol_id: str | None = None
    phase: int | None = None
    red_flag: bool = False
    region: str | None = None
    side: str | None = None
    pain_band: str | None = None
    exercise_ids: frozenset[str] = Field(default_factory=frozenset)
    findings: frozenset[FindingFacts] = Field(default_factory=frozenset)
    undone: bool = False


# Upper bounds of the safe and acceptable bands and the red-flag score (RehabPolicy's
# safe_pain, acceptable_pain, red_flag_score defaults; the service passes the install's own).
DEFAULT_PAIN_BANDS = (2.0, 5.0, 7.0)


def pain_band(score: float | None, bands: tuple[float, float, float]) -> str | None:
    if score is None:
        return None
    safe, acceptable, red_flag = bands
    if score <= safe:
        return "safe"
    if score <= acceptable:
        return "acceptable"
    return "too_high" if score < red_flag else "red_flag"


def facts_from_decision(
    decision: Decision,
    activity_id: int,
    findings: Iterable[Finding],
    *,
    undone: bool = False,
    bands: tuple[float, float, float] = DEFAULT_PAIN_BANDS,
) -> RunDecisionFacts:
    """The run's own decision facts; other runs' findings (same-day weekly figures) are dropped."""
    return RunDecisionFacts(
        kind=decision.kind,
        protocol_id=decision.protocol_id,
        phase=decision.phase,
        red_flag=decision.kind == "see_clinician",
        region=decision.region,
        side=decision.side,
        pain_band=pain_band(decision.score, bands),
        exercise_ids=frozenset(p.exercise_id for p in decision.exercises),
        findings=frozenset(
            FindingFacts(kind=f.kind, band=f.band, severity=f.severity)
            for f in findings
            if f.activity_id == activity_id
        ),
        undone=undone,
    )


class ChurnVerdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    rewrite: bool
    reason: str
    changed: tuple[str, ...] = ()


_LABELS = {
    "kind": "advice changed",
    "protocol_id": "protocol changed",
    "phase": "phase changed",
    "red_flag": "red flag found later",
    "region": "pain region changed",
    "side": "pain side changed",
    "pain_band": "pain level changed",
    "exercise_ids": "exercises changed",
    "findings": "its own findings changed",
    "undone": "undone",
}


def should_rewrite_earlier(
    delivered: RunDecisionFacts | None, current: RunDecisionFacts
) -> ChurnVerdict:
    """Whether an earlier run's block is PUT again.

    ``delivered`` is what its block was last written from (None: never delivered, e.g. a 429
    cut the pass short, so it is written now). Otherwise only a change of its own decision
    counts. An undo flips ``undone``: the rewrite then removes the block; the ``undo`` command
    that already removed it records ``undone=True`` in the delivered facts, so nothing follows.
    """
    if delivered is None:
        return ChurnVerdict(rewrite=True, reason="never delivered")
    changed = tuple(
        name
        for name in RunDecisionFacts.model_fields
        if getattr(delivered, name) != getattr(current, name)
    )
    if not changed:
        return ChurnVerdict(rewrite=False, reason="its own decision is unchanged")
    reasons = [_LABELS[name] for name in changed]
    if current.red_flag and not delivered.red_flag:
        reasons = [_LABELS["red_flag"], *(r for r in reasons if r != _LABELS["red_flag"])]
    return ChurnVerdict(rewrite=True, reason=", ".join(dict.fromkeys(reasons)), changed=changed)
