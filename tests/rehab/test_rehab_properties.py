"""Properties over any situation the parser and the load analysis could produce."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.rehab.rehab_builders import TODAY, library

from strava_rehab.load.model import Finding
from strava_rehab.pain.model import PainReport
from strava_rehab.rehab import (
    PainEntry,
    ProtocolState,
    RehabPolicy,
    Situation,
    decide,
    render_private,
    render_public,
)

LIB = library()
REGIONS = [*LIB.rules.regions, None]
FLAGS = [*LIB.rules.red_flags, "mystery_flag"]
PROTOCOLS = [*LIB.protocols, "retired_protocol"]

scores = st.one_of(st.none(), st.floats(min_value=0, max_value=10, allow_nan=False))
reports = st.builds(
    PainReport,
    region=st.sampled_from(REGIONS),
    side=st.sampled_from([None, "left", "right", "both"]),
    score=scores,
    timing=st.sampled_from([None, "during", "after", "next_morning", "at_rest", "at_night"]),
    negated=st.booleans(),
    trend=st.sampled_from([None, "better", "same", "worse"]),
    red_flags=st.lists(st.sampled_from(FLAGS), max_size=2).map(tuple),
    unknown_terms=st.lists(st.text(min_size=1, max_size=12), max_size=2).map(tuple),
    text=st.text(max_size=30),
)
days_ago = st.integers(min_value=0, max_value=120)
findings = st.builds(
    Finding,
    activity_id=st.none(),
    local_date=st.just(TODAY),
    kind=st.sampled_from(
        ["session_spike", "return_after_break", "weekly_progression", "suspect_gps"]
    ),
    band=st.sampled_from(["none", "small", "moderate", "large", "unusual_band"]),
    severity=st.sampled_from(["info", "notice", "warning"]),
    value=st.floats(min_value=0, max_value=200, allow_nan=False),
    reference=st.one_of(st.none(), st.floats(min_value=0.5, max_value=100)),
    ratio=st.one_of(st.none(), st.floats(min_value=0.1, max_value=20)),
    explanation=st.text(min_size=1, max_size=40),
    source=st.text(max_size=20),
)
history = st.lists(
    st.builds(
        PainEntry,
        local_date=days_ago.map(lambda n: TODAY - timedelta(days=n + 1)),
        activity_id=st.none(),
        report=reports,
    ),
    max_size=6,
)
states = st.lists(
    st.builds(
        ProtocolState,
        protocol_id=st.sampled_from(PROTOCOLS),
        phase=st.integers(min_value=1, max_value=6),
        started_on=days_ago.map(lambda n: TODAY - timedelta(days=n)),
        last_full_on=st.one_of(st.none(), days_ago.map(lambda n: TODAY - timedelta(days=n))),
        last_score=scores,
        phase_started_on=st.one_of(st.none(), days_ago.map(lambda n: TODAY - timedelta(days=n))),
    ),
    max_size=3,
)
situations = st.builds(
    Situation,
    today=st.just(TODAY),
    activity_id=st.none(),
    pain_today=st.lists(reports, max_size=3),
    pain_history=history,
    findings=st.lists(findings, max_size=2),
    states=states,
)


def _must_see_clinician(situation: Situation, policy: RehabPolicy) -> bool:
    return any(
        not report.negated
        and (
            bool(report.red_flags)
            or report.timing in {"at_rest", "at_night"}
            or (report.score is not None and report.score >= policy.red_flag_score)
        )
        for report in situation.pain_today
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situation=situations, max_chars=st.integers(min_value=0, max_value=1200))
def test_decide_never_raises_and_red_flags_never_get_exercises(
    situation: Situation, max_chars: int
) -> None:
    policy = RehabPolicy()
    decision = decide(situation, LIB, policy)

    if _must_see_clinician(situation, policy):
        assert decision.kind == "see_clinician"
    if decision.kind in {"see_clinician", "none"}:
        assert decision.exercises == []
    if decision.protocol_id is not None and decision.phase is not None:
        assert 1 <= decision.phase <= len(LIB.protocols[decision.protocol_id].phases)
    if decision.next_state is not None:
        assert decision.next_state.protocol_id in LIB.protocols
        assert decision.next_state.phase == decision.phase
    assert decision.disclaimer

    public = render_public(decision, max_chars=max_chars)
    assert len(public) <= max_chars
    private = render_private(decision)
    assert private.endswith(decision.disclaimer)
