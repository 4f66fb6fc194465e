"""Build the ``/me`` view model from the core's models. Pure: no I/O, no clock, no settings.

The load figures come from the load package's own pieces (``read_runs``, ``DailyKm``,
``LongestRecentRun``), so the reference line is by construction the number a spike was measured
against: for each day, the longest reference run of the 30 local days before it (short and
suspect-GPS runs are never references). The red-flag marks come from ``rehab.red_flags.screen``
and the plan's doses from the same prescription code the descriptions use.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from strava_rehab.dashboard.charts import load_chart, pain_chart
from strava_rehab.dashboard.locale import ENGLISH, PageLocale
from strava_rehab.dashboard.model import (
    Dashboard,
    LoadDay,
    LoadSeries,
    PainPoint,
    PainTimeline,
    PlanView,
    SpikeMark,
    SuggestionRecord,
    SuggestionView,
)
from strava_rehab.load.analysis import DEFAULT_THRESHOLDS
from strava_rehab.load.daily import DailyKm
from strava_rehab.load.model import Finding, LoadThresholds, RunSession
from strava_rehab.load.sessions import ReadRun, read_runs
from strava_rehab.load.spike import LongestRecentRun
from strava_rehab.rehab.decisions import _prescribe
from strava_rehab.rehab.library import ExitRule, Library, Phase, Protocol
from strava_rehab.rehab.pain_monitoring import report_score
from strava_rehab.rehab.policy import RehabPolicy
from strava_rehab.rehab.red_flags import screen
from strava_rehab.rehab.situation import PainEntry, ProtocolState

DEFAULT_WEEKS = 12
MAX_WEEKS = 520
_DEFAULT_POLICY = RehabPolicy()
_KIND_ORDER = {"rehab": 0, "caution": 1, "prevention": 2}


def finding_id(finding: Finding) -> str:
    """The page anchor of a finding (``#finding-<id>``): one finding per run and kind."""
    owner = str(finding.activity_id) if finding.activity_id is not None else "day"
    return f"{owner}-{finding.local_date.isoformat()}-{finding.kind.replace('_', '-')}"


def chart_window(today: date, weeks: int) -> tuple[date, date]:
    """The first and last local day the dashboard shows: ``weeks`` whole weeks ending today."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"weeks must be between 1 and {MAX_WEEKS} (got {weeks})")
    return today - timedelta(days=weeks * 7 - 1), today


# --- load --------------------------------------------------------------------------------------


def _label(finding: Finding, loc: PageLocale = ENGLISH) -> str:
    if finding.kind == "session_spike":
        spikes = {
            "small": loc._("small spike"),
            "moderate": loc._("moderate spike"),
            "large": loc._("large spike"),
        }
        return spikes.get(finding.band) or loc._("%(band)s spike") % {"band": finding.band}
    if finding.kind == "return_after_break":
        return loc._("long run after a break")
    if finding.kind == "weekly_progression":
        return loc._("weekly increase")
    return finding.kind.replace("_", " ")


def spike_marks(
    findings: Sequence[Finding], start: date, end: date, loc: PageLocale = ENGLISH
) -> list[SpikeMark]:
    """The findings worth marking (notices and warnings, not "info") dated ``start..end``."""
    chosen = [f for f in findings if f.severity != "info" and start <= f.local_date <= end]
    chosen.sort(key=lambda f: (f.local_date, f.activity_id or 0, f.kind))
    return [
        SpikeMark(
            id=finding_id(f),
            activity_id=f.activity_id,
            local_date=f.local_date,
            kind=f.kind,
            band=f.band,
            severity=f.severity,
            label=_label(f, loc),
            value_km=f.value,
            reference_km=f.reference,
            ratio=f.ratio,
            hazard_ratio=f.hazard_ratio,
            explanation=f.explanation,
            source=f.source,
        )
        for f in chosen
    ]


def load_series(
    runs: Sequence[RunSession],
    findings: Sequence[Finding],
    today: date,
    weeks: int = DEFAULT_WEEKS,
    thresholds: LoadThresholds = DEFAULT_THRESHOLDS,
    loc: PageLocale = ENGLISH,
) -> LoadSeries:
    """Daily km, the rolling 7-day total and the spike reference for each day of the window."""
    start, end = chart_window(today, weeks)
    lookback = max(thresholds.spike_window_days, 6)
    read = read_runs(runs, thresholds, start - timedelta(days=lookback), end)
    daily = DailyKm(read)
    longest = LongestRecentRun(thresholds)
    days: list[LoadDay] = []
    position = 0
    for day in range(start.toordinal(), end.toordinal() + 1):
        while position < len(read) and read[position].day < day:
            longest.add(read[position])
            position += 1
        reference = _reference_on(longest, read, day)
        days.append(
            LoadDay(
                local_date=date.fromordinal(day),
                km=daily.on(day),
                runs=daily.runs_on(day),
                rolling_7d_km=daily.total(day - 6, day),
                reference_km=None if reference is None else reference.km,
            )
        )
    # Tomorrow's reference: everything up to today has been seen.
    while position < len(read):
        longest.add(read[position])
        position += 1
    tomorrow = _reference_on(longest, read, end.toordinal() + 1)
    return LoadSeries(
        start=start,
        end=end,
        weeks=weeks,
        days=days,
        spikes=spike_marks(findings, start, end, loc),
        total_km=daily.total(start.toordinal(), end.toordinal()),
        last_7d_km=daily.total(end.toordinal() - 6, end.toordinal()),
        reference_km=None if tomorrow is None else tomorrow.km,
    )


def _reference_on(longest: LongestRecentRun, read: Sequence[ReadRun], day: int) -> ReadRun | None:
    """The reference a (hypothetical first) run on ``day`` is compared with."""
    if not read:
        return None
    # ``reference_for`` reads only the probe's day; it must never become a reference itself.
    probe = read[0]._replace(day=day, km=0.0, trusted=False, reference_ok=False)
    return longest.reference_for(probe)


# --- pain --------------------------------------------------------------------------------------


def pain_timelines(
    pain: Sequence[PainEntry],
    library: Library,
    start: date,
    end: date,
    policy: RehabPolicy = _DEFAULT_POLICY,
) -> list[PainTimeline]:
    """One timeline per body region mentioned in ``start..end``, most recent mention first.

    Notes whose body part was not recognised have no region to plot and are left out.
    """
    by_region: dict[str, list[PainPoint]] = {}
    ordered = sorted(pain, key=lambda e: (e.local_date, e.activity_id or 0))
    for entry in ordered:
        report = entry.report
        if report.region is None or not start <= entry.local_date <= end:
            continue
        score = report_score(report)
        flags = screen([report], library, policy)
        by_region.setdefault(report.region, []).append(
            PainPoint(
                local_date=entry.local_date,
                activity_id=entry.activity_id,
                score=score,
                side=report.side,
                negated=report.negated,
                over_limit=score is not None and score > policy.acceptable_pain,
                red_flag=flags is not None,
                red_flag_reasons=[] if flags is None else list(flags.reasons),
                text=report.text,
            )
        )
    timelines = [
        PainTimeline(
            region=region,
            region_name=library.region_name(region),
            limit=policy.acceptable_pain,
            points=points,
            latest=points[-1],
        )
        for region, points in by_region.items()
    ]
    timelines.sort(key=lambda t: (t.latest.local_date, t.region), reverse=True)
    return timelines


# --- plan --------------------------------------------------------------------------------------


def _exit_rule_text(rule: ExitRule, loc: PageLocale = ENGLISH) -> str:
    values = {"count": rule.min_entries, "score": f"{rule.max_score:g}", "days": rule.min_days}
    text = loc.n_(
        "your last pain entry at %(score)s/10 or less",
        "your last %(count)d pain entries at %(score)s/10 or less",
        rule.min_entries,
    )
    if rule.min_days:
        text += loc._(", the first of them at least %(days)d days ago")
    return text % values


def _move_on(protocol: Protocol, phase: Phase, number: int, loc: PageLocale = ENGLISH) -> list[str]:
    count = len(protocol.phases)
    lines: list[str] = []
    if number < count:
        lines.append(
            loc._("Phase %(next)d of %(count)d starts when pain has settled: %(exit)s.")
            % {"next": number + 1, "count": count, "exit": phase.exit}
        )
    else:
        lines.append(
            loc._(
                "This is the last phase (%(exit)s); once pain has settled keep the exercises "
                "going twice a week as prevention."
            )
            % {"exit": phase.exit}
        )
    rules = [_exit_rule_text(rule, loc) for rule in phase.exit_when]
    if rules:
        lines.append(loc._("In numbers: %(rules)s.") % {"rules": loc._("; or ").join(rules)})
    if phase.min_days:
        lines.append(loc._("Not before %(days)d days in this phase.") % {"days": phase.min_days})
    return lines


def _step_back(
    number: int, library: Library, policy: RehabPolicy, loc: PageLocale = ENGLISH
) -> list[str]:
    where = (
        loc._("you stay at phase 1 and reduce load")
        if number <= 1
        else loc._("you step back to phase %(phase)d") % {"phase": number - 1}
    )
    values = {
        "where": where,
        "limit": f"{policy.acceptable_pain:g}",
        "points": f"{policy.rise_points:g}",
        "fraction": f"{policy.rise_fraction:.0%}",
        "red": f"{policy.red_flag_score:g}",
        "not_settled": library.rules.pain.not_settled,
    }
    return [
        loc._("Pain above %(limit)s/10 during or after a run: %(where)s.") % values,
        loc._(
            "Pain rising against your recent average (by %(points)s points or %(fraction)s): "
            "%(where)s."
        )
        % values,
        loc._("Pain still there the next morning: %(where)s. %(not_settled)s") % values,
        loc._(
            "Any warning sign, or pain of %(red)s/10 or more: stop running and see a "
            "clinician; no exercises until then."
        )
        % values,
    ]


def _last_touched(state: ProtocolState, protocol: Protocol, pain: Sequence[PainEntry]) -> date:
    # The same rule as rehab.decisions: a plan lives while its protocol or its regions are touched.
    dates = [state.phase_since, state.started_on]
    if state.last_full_on is not None:
        dates.append(state.last_full_on)
    dates.extend(e.local_date for e in pain if e.report.region in protocol.regions)
    return max(dates)


def plan_views(
    states: Sequence[ProtocolState],
    library: Library,
    pain: Sequence[PainEntry],
    today: date,
    policy: RehabPolicy = _DEFAULT_POLICY,
    loc: PageLocale = ENGLISH,
) -> list[PlanView]:
    """The plans in force today: rehab first, then cautions and prevention; newest first.

    A state whose protocol is gone from the library, or untouched for ``state_expiry_days``, is
    not a current plan.
    """
    live: list[tuple[int, int, PlanView]] = []
    for state in states:
        protocol = library.protocols.get(state.protocol_id)
        if protocol is None:
            continue
        touched = _last_touched(state, protocol, [e for e in pain if e.local_date <= today])
        if (today - touched).days > policy.state_expiry_days:
            continue
        live.append(
            (
                _KIND_ORDER.get(protocol.kind, 3),
                -touched.toordinal(),
                _plan(state, protocol, library, policy, loc),
            )
        )
    live.sort(key=lambda item: (item[0], item[1], item[2].protocol_id))
    return [plan for _, _, plan in live]


def _plan(
    state: ProtocolState,
    protocol: Protocol,
    library: Library,
    policy: RehabPolicy,
    loc: PageLocale = ENGLISH,
) -> PlanView:
    count = len(protocol.phases)
    sources = [*protocol.sources]
    if count == 0:  # a caution protocol: clinician first, no phases and no exercises
        return PlanView(
            protocol_id=state.protocol_id,
            protocol_name=protocol.name,
            condition=protocol.condition,
            kind=protocol.kind,
            summary=protocol.summary,
            started_on=state.started_on,
            phase=None,
            phase_count=0,
            phase_name=None,
            phase_goal=None,
            phase_since=state.phase_since,
            last_score=state.last_score,
            exercises=[],
            options=[],
            move_on=[],
            step_back=[],
            load_advice=list(protocol.load_advice),
            cautions=list(protocol.cautions),
            avoid=list(protocol.avoid),
            sources=[library.cite(s) for s in dict.fromkeys(sources)],
        )
    number = min(state.phase, count)
    phase = protocol.phases[number - 1]
    exercises = _prescribe(library, phase.exercises, option=False)
    options = _prescribe(library, phase.options, option=True)
    sources += [library.exercises[item.id].source for item in (*phase.exercises, *phase.options)]
    if protocol.kind == "rehab":
        sources += list(library.rules.pain_monitoring_sources)
    return PlanView(
        protocol_id=state.protocol_id,
        protocol_name=protocol.name,
        condition=protocol.condition,
        kind=protocol.kind,
        summary=protocol.summary,
        started_on=state.started_on,
        phase=number,
        phase_count=count,
        phase_name=phase.name,
        phase_goal=phase.goal,
        phase_since=state.phase_since,
        last_score=state.last_score,
        exercises=exercises,
        options=options,
        move_on=_move_on(protocol, phase, number, loc) if protocol.kind == "rehab" else [],
        step_back=_step_back(number, library, policy, loc) if protocol.kind == "rehab" else [],
        load_advice=list(dict.fromkeys([*phase.load_advice, *protocol.load_advice])),
        cautions=list(protocol.cautions),
        avoid=list(protocol.avoid),
        sources=[library.cite(s) for s in dict.fromkeys(sources)],
    )


# --- history -----------------------------------------------------------------------------------


def suggestion_views(
    suggestions: Sequence[SuggestionRecord], findings: Sequence[Finding], library: Library
) -> list[SuggestionView]:
    """The suggestion history, newest first, each linked to its run's findings."""
    anchors: dict[int, list[str]] = {}
    for finding in findings:
        if finding.activity_id is not None and finding.severity != "info":
            anchors.setdefault(finding.activity_id, []).append(finding_id(finding))
    views: list[SuggestionView] = []
    for record in suggestions:
        protocol = library.protocols.get(record.protocol_id or "")
        phase_name = None
        if (
            protocol is not None
            and record.phase is not None
            and 1 <= record.phase <= len(protocol.phases)
        ):
            phase_name = protocol.phases[record.phase - 1].name
        views.append(
            SuggestionView(
                activity_id=record.activity_id,
                local_date=record.local_date,
                reason=record.reason,
                protocol_name=None if protocol is None else protocol.name,
                phase=record.phase,
                phase_name=phase_name,
                delivered=record.delivered,
                finding_ids=anchors.get(record.activity_id, []),
            )
        )
    views.sort(key=lambda v: (v.local_date, v.activity_id), reverse=True)
    return views


# --- the page ----------------------------------------------------------------------------------


def build_dashboard(
    *,
    runs: Sequence[RunSession],
    findings: Sequence[Finding],
    pain: Sequence[PainEntry],
    states: Sequence[ProtocolState],
    suggestions: Sequence[SuggestionRecord],
    library: Library,
    today: date,
    weeks: int = DEFAULT_WEEKS,
    thresholds: LoadThresholds = DEFAULT_THRESHOLDS,
    policy: RehabPolicy = _DEFAULT_POLICY,
    loc: PageLocale = ENGLISH,
) -> Dashboard:
    """Everything ``/me`` shows, for one athlete, as of ``today`` (their local date), in the
    language and units of ``loc`` (the page's own words; content such as the protocols and the
    findings' explanations comes translated, or not, from the library and the core)."""
    load = load_series(runs, findings, today, weeks, thresholds, loc)
    timelines = pain_timelines(pain, library, load.start, load.end, policy)
    return Dashboard(
        today=today,
        weeks=weeks,
        load=load,
        load_chart=load_chart(load, loc=loc),
        pain=timelines,
        pain_charts=[pain_chart(t, load.start, load.end, loc) for t in timelines],
        plans=plan_views(states, library, pain, today, policy, loc),
        suggestions=suggestion_views(suggestions, findings, library),
        disclaimer=library.rules.disclaimer,
    )
