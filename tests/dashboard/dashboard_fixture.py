"""One small runner, hand-checkable: five steady weeks, then a spike with left shin pain.

Runs (local dates, km): 6 May 10, 13 May 10, 20 May 10, 27 May 10, 30 May 5, 2 Jun 14.
- The 2 Jun run is 14 / 10 = 1.4× the longest run of the 30 days before: a *moderate* spike.
- The 7 days ending 2 Jun: 27 May 10 + 30 May 5 + 2 Jun 14 = 29 km (the week before: 10 km).
- Pain: left shin 2/10 on 30 May, left shin sore 4/10 on 2 Jun; heel 3/10 at night on 27 May
  (a red flag: pain at night).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.rehab.rehab_builders import TODAY, day, library, pain

from strava_rehab.dashboard import Dashboard, SuggestionRecord, build_dashboard
from strava_rehab.load import Finding, RunSession, analyze
from strava_rehab.rehab import Decision, PainEntry, Situation, decide

RUNS_KM = {27: 10.0, 20: 10.0, 13: 10.0, 6: 10.0, 3: 5.0, 0: 14.0}
SPIKE_RUN = 106


def run(days_ago: int, km: float) -> RunSession:
    local = day(days_ago)
    return RunSession(
        activity_id=100 + len([d for d in RUNS_KM if d >= days_ago]),
        local_date=local,
        start_utc=datetime(local.year, local.month, local.day, 7, 0, tzinfo=UTC),
        distance_m=km * 1000,
        moving_time_s=int(km * 330),
    )


def runs() -> list[RunSession]:
    return [run(days_ago, km) for days_ago, km in RUNS_KM.items()]


def findings() -> list[Finding]:
    return analyze(runs(), TODAY).findings


SHIN_TODAY = pain("shin", 4, side="left", timing="after").model_copy(
    update={"text": "left shin sore 4/10 <script>alert(1)</script>"}
)


def pain_entries() -> list[PainEntry]:
    return [
        PainEntry(
            local_date=day(6),
            activity_id=104,
            report=pain("plantar_heel", 3, timing="at_night"),
        ),
        PainEntry(local_date=day(3), activity_id=105, report=pain("shin", 2, side="left")),
        PainEntry(local_date=TODAY, activity_id=SPIKE_RUN, report=SHIN_TODAY),
    ]


def todays_decision() -> Decision:
    """What the real rules decide for the spike run with left shin 4/10."""
    history = [e for e in pain_entries() if e.local_date < TODAY]
    spike_findings = [f for f in findings() if f.activity_id == SPIKE_RUN]
    situation = Situation(
        today=TODAY,
        activity_id=SPIKE_RUN,
        pain_today=[SHIN_TODAY],
        pain_history=history,
        findings=spike_findings,
    )
    return decide(situation, library())


def suggestions(decision: Decision) -> list[SuggestionRecord]:
    return [
        SuggestionRecord(
            activity_id=SPIKE_RUN,
            local_date=TODAY,
            reason=decision.reasons[0],
            protocol_id=decision.protocol_id,
            phase=decision.phase,
            delivered=True,
        ),
        SuggestionRecord(
            activity_id=101,
            local_date=TODAY - timedelta(days=27),
            reason="An earlier suggestion",
            delivered=False,
        ),
    ]


def dashboard(today: date = TODAY, weeks: int = 12) -> Dashboard:
    decision = todays_decision()
    assert decision.next_state is not None
    return build_dashboard(
        runs=runs(),
        findings=findings(),
        pain=pain_entries(),
        states=[decision.next_state],
        suggestions=suggestions(decision),
        library=library(),
        today=today,
        weeks=weeks,
    )
