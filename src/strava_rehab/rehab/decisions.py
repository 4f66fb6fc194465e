"""Deciding as a sports physio would: red flags first, then pain, then load.

Order of precedence, each step explained in ``Decision.reasons``:
1. A red flag (sources.toml warden2014) → ``see_clinician``: stop running, no exercises.
2. Pain in a region with a protocol → ``rehab`` (full plan) or ``continue`` (short reminder within
   the cooldown), moving phases by the pain-monitoring model; a spike adds a load warning.
3. Pain in a region without a protocol → general load advice.
4. "No pain" for a region with an active protocol, or no pain mentioned → progress or remind.
5. A spike without pain → ``load_advice`` with prevention work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from strava_rehab.load.model import Finding
from strava_rehab.pain.model import PainReport
from strava_rehab.rehab.library import CONVENTION_LABEL, Library, PhaseExercise, Protocol
from strava_rehab.rehab.load_findings import band_advice, finding_reason, spikes
from strava_rehab.rehab.pain_monitoring import (
    PainReading,
    ScoredEntry,
    describe_pain,
    exit_met,
    read_pain,
    region_history,
    report_score,
)
from strava_rehab.rehab.policy import RehabPolicy
from strava_rehab.rehab.red_flags import RedFlags, screen
from strava_rehab.rehab.situation import Decision, Prescription, ProtocolState, Situation
from strava_rehab.text.voice import ENGLISH, N_, Voice

_DOI = re.compile(r"10\.\d{4,9}/[^\s,;)]+")
# Evidence items on the public line (it has to stay short).
_EVIDENCE_ITEMS = 3


@dataclass(frozen=True)
class _Day:
    """What every branch needs: the inputs plus today's load reasons and advice."""

    situation: Situation
    library: Library
    policy: RehabPolicy
    spikes: list[Finding]
    load_reasons: list[str]
    load_lines: list[str]
    extra_reasons: list[str]  # unknown words, other regions: mentioned whatever we decide
    voice: Voice = ENGLISH

    @property
    def today(self) -> date:
        return self.situation.today

    def sources(self, *ids: str) -> list[str]:
        cited = [self.library.cite(source_id) for source_id in dict.fromkeys(ids)]
        for finding in self.spikes:
            # The load analysis cites its own evidence; skip it when we already cite that DOI.
            doi = _DOI.search(finding.source)
            if finding.source and not (doi and any(doi.group() in text for text in cited)):
                cited.append(finding.source)
        return list(dict.fromkeys(cited))


_DEFAULT_POLICY = RehabPolicy()


def decide(
    situation: Situation,
    library: Library,
    policy: RehabPolicy = _DEFAULT_POLICY,
    voice: Voice = ENGLISH,
) -> Decision:
    """The suggestion for this run or day. Pure: no I/O, no clock.

    ``library`` carries the content in the runner's language (``load_library(language=...)``);
    ``voice`` words the sentences the rules build themselves and formats distances.
    """
    decision = _decide(situation, library, policy, voice)
    return decision.model_copy(
        update={
            "evidence": _evidence(decision, situation, library, policy),
            "unread": (unread := _unread(situation, library)),
            "unread_help": library.rules.unread_help if unread else "",
            "cautions": _unique(
                [*decision.cautions, *_site_cautions(decision, situation, library)]
            ),
        }
    )


def _evidence(
    decision: Decision, situation: Situation, library: Library, policy: RehabPolicy
) -> list[str]:
    """Authors, year and journal of the main sources, for one short public line."""
    rules = library.rules
    ids: list[str] = []
    protocol = library.protocols.get(decision.protocol_id or "")
    if protocol is not None:
        ids.extend(protocol.sources)
        ids.extend(schedule.source for schedule in protocol.dose_schedules.values())
    if decision.kind in {"rehab", "continue"} or (
        decision.kind == "load_advice" and decision.region is not None
    ):
        ids.extend(rules.pain_monitoring_sources)
    if spikes(situation.findings, policy):
        ids.append(rules.spike_source)
    short = [text for i in dict.fromkeys(ids) if (text := library.short_cite(i)) is not None]
    return short[:_EVIDENCE_ITEMS]


def _unread(situation: Situation, library: Library) -> list[str]:
    words: list[str] = []
    for report in situation.pain_today:
        if report.region is None and not report.negated:
            words.extend(report.unknown_terms or ((report.text.strip(),) if report.text else ()))
    words.extend(note.strip() for note in situation.unread_notes if note.strip())
    return list(dict.fromkeys(w for w in words if w))


def _site_cautions(decision: Decision, situation: Situation, library: Library) -> list[str]:
    """Pain at a high-risk bone-stress site that was not a red flag: say what to watch for."""
    if decision.kind == "see_clinician":
        return []
    regions = {r.region for r in situation.pain_today if not r.negated and r.region is not None}
    return [site.caution for site in library.rules.high_risk_sites if site.region in regions]


def _decide(situation: Situation, library: Library, policy: RehabPolicy, voice: Voice) -> Decision:
    found = spikes(situation.findings, policy)
    day = _Day(
        situation=situation,
        library=library,
        policy=policy,
        spikes=found,
        load_reasons=[finding_reason(finding, library.rules, voice) for finding in found],
        load_lines=band_advice(found, library.rules),
        extra_reasons=_unknown_words(situation.pain_today, library),
        voice=voice,
    )
    flags = screen(situation.pain_today, library, policy, situation.recent_weekly_km, voice)
    if flags is not None:
        return _see_clinician(day, flags)
    hurting = [r for r in situation.pain_today if not r.negated and r.region is not None]
    if hurting:
        primary = max(hurting, key=lambda r: _severity_rank(r, library, hurting))
        day.extra_reasons.extend(_also_noted(primary, hurting, library, voice))
        protocol_id = library.protocol_for(primary.region or "")
        if protocol_id is None:
            return _no_protocol(day, primary)
        return _follow(day, protocol_id, _active_state(day, protocol_id), primary)
    states = _active_states(day)
    settled = [
        (state, report)
        for report in situation.pain_today
        if report.negated and report.region is not None
        for state in states
        if report.region in library.protocols[state.protocol_id].regions
    ]
    if settled:
        state, report = settled[0]
        return _follow(day, state.protocol_id, state, report)
    if states:
        state = states[0]
        return _follow(day, state.protocol_id, state, None)
    unrecognised_pain = any(r.region is None and not r.negated for r in situation.pain_today)
    if day.spikes:
        return _prevention(day, with_exercises=not unrecognised_pain)
    return Decision(
        kind="none", reasons=list(day.extra_reasons), disclaimer=library.rules.disclaimer
    )


def _severity_rank(
    report: PainReport, library: Library, reports: list[PainReport]
) -> tuple[float, int, int]:
    # Highest score first; a region we have a protocol for wins a tie; then the first mention.
    score = report.score if report.score is not None else -1.0
    has_protocol = int(library.protocol_for(report.region or "") is not None)
    return (score, has_protocol, -reports.index(report))


def _also_noted(
    primary: PainReport, hurting: list[PainReport], library: Library, voice: Voice
) -> list[str]:
    return [
        voice._(
            "Also noted: {pain}; today's suggestion is for the worst one. "
            "Mention it again if it persists."
        ).format(pain=describe_pain(r, library.region_name(r.region or ""), voice))
        for r in hurting
        if r is not primary
    ]


def _unknown_words(reports: list[PainReport], library: Library) -> list[str]:
    words: list[str] = []
    for report in reports:
        words.extend(report.unknown_terms)
        if report.region is None and not report.unknown_terms and report.text.strip():
            words.append(report.text.strip())
    words = list(dict.fromkeys(words))
    if not words:
        return []
    quoted = ", ".join(f"'{word}'" for word in words)
    return [library.rules.unknown_words.replace("{words}", quoted)]


def _active_states(day: _Day) -> list[ProtocolState]:
    """Live rehab states (known protocol, not expired), most recently touched first."""
    live: list[tuple[date, ProtocolState]] = []
    for state in day.situation.states:
        protocol = day.library.protocols.get(state.protocol_id)
        if protocol is None or protocol.kind != "rehab":
            continue
        touched = _last_touched(day, state, protocol)
        if (day.today - touched).days <= day.policy.state_expiry_days:
            live.append((touched, state))
    live.sort(key=lambda item: item[0], reverse=True)
    return [state for _, state in live]


def _active_state(day: _Day, protocol_id: str) -> ProtocolState | None:
    return next((s for s in _active_states(day) if s.protocol_id == protocol_id), None)


def _last_touched(day: _Day, state: ProtocolState, protocol: Protocol) -> date:
    dates = [state.phase_since, state.started_on]
    if state.last_full_on is not None:
        dates.append(state.last_full_on)
    dates.extend(
        entry.local_date
        for entry in day.situation.pain_history
        if entry.report.region in protocol.regions and entry.local_date <= day.today
    )
    return max(dates)


def _see_clinician(day: _Day, flags: RedFlags) -> Decision:
    rules = day.library.rules
    report = flags.report
    base = Decision(
        kind="see_clinician",
        reasons=[*flags.reasons, *day.load_reasons, *day.extra_reasons],
        public_reasons=[],
        load_advice=list(rules.clinician_advice),
        disclaimer=rules.disclaimer,
        region=report.region,
        region_name=None if report.region is None else day.library.region_name(report.region),
        side=report.side,
        score=report.score,
        sources=day.sources(),
    )
    if not flags.bone_stress:
        return base
    protocol_id = rules.bone_stress.protocol
    protocol = day.library.protocols[protocol_id]
    return base.model_copy(
        update={
            "protocol_id": protocol_id,
            "protocol_name": protocol.name,
            "condition": protocol.condition,
            "load_advice": [*protocol.load_advice, *rules.clinician_advice],
            "cautions": list(protocol.cautions),
            "avoid": list(protocol.avoid),
            "sources": day.sources(*protocol.sources),
        }
    )


def _no_protocol(day: _Day, report: PainReport) -> Decision:
    rules = day.library.rules
    region = report.region or ""
    name = day.library.region_name(region)
    reading = read_pain(report, _history(day, {region}), day.today, day.policy)
    # No programme and no idea of the condition: the seed article's rules (rest until settled,
    # light soreness only, get a diagnosis), with rest kept for pain that is above the
    # acceptable limit, has not settled by the next morning or is rising (silbernagel2007).
    if not reading.acceptable:
        pain_lines = [*_pain_lines(day, acceptable=False)[:1], *rules.rest_advice]
        if not reading.settled:
            pain_lines.insert(0, rules.pain.not_settled)
    elif _calm(report, reading, rules.pain.keep_running_max):
        pain_lines = [rules.pain.keep_running]
    else:
        pain_lines = _pain_lines(day, acceptable=True)[:1]
    return Decision(
        kind="load_advice",
        reasons=[
            _pain_reason(report, name, reading, day.voice),
            rules.no_protocol.replace("{region}", name),
            *day.load_reasons,
            *day.extra_reasons,
        ],
        public_reasons=list(day.load_reasons),
        load_advice=_unique([*day.load_lines, *pain_lines, *rules.general_advice]),
        disclaimer=rules.disclaimer,
        region=region,
        region_name=name,
        side=report.side,
        score=report.score,
        trend=reading.trend,
        sources=day.sources(*rules.pain_monitoring_sources),
    )


def _calm(report: PainReport, reading: PainReading, keep_running_max: float) -> bool:
    """Pain low enough to keep running as planned: gone, or at or below the limit, settled and
    not rising. A report with neither a score nor a symptom estimate is not assumed calm."""
    if report.negated:
        return True
    level = report.score if report.score is not None else report.estimated_score
    return level is not None and level <= keep_running_max and reading.acceptable


def _prevention(day: _Day, *, with_exercises: bool) -> Decision:
    rules = day.library.rules
    protocol_id = rules.prevention_protocol
    protocol = day.library.protocols[protocol_id]
    phase = protocol.phases[0]
    state = next((s for s in day.situation.states if s.protocol_id == protocol_id), None)
    recently_shown = (
        state is not None
        and state.last_full_on is not None
        and (day.today - state.last_full_on).days < day.policy.cooldown_days
    )
    show = with_exercises and not recently_shown
    reasons = [*day.load_reasons, *day.extra_reasons]
    if with_exercises and recently_shown and state is not None and state.last_full_on:
        reasons.append(
            day.voice._(
                "Prevention exercises were shown on {date}; "
                "keep doing them (not repeated within the cooldown)."
            ).format(date=state.last_full_on.isoformat())
        )
    exercise_ids = [item.id for item in phase.exercises]
    next_state = None
    if show:
        next_state = ProtocolState(
            protocol_id=protocol_id,
            phase=1,
            started_on=state.started_on if state else day.today,
            last_full_on=day.today,
            last_score=None,
            phase_started_on=state.phase_since if state else day.today,
        )
    return Decision(
        kind="load_advice",
        protocol_id=protocol_id,
        protocol_name=protocol.name,
        phase=1,
        phase_name=phase.name,
        phase_count=len(protocol.phases),
        exercises=(
            _prescribe(day.library, phase.exercises, option=False, voice=day.voice) if show else []
        ),
        reasons=reasons,
        public_reasons=list(day.load_reasons),
        load_advice=_unique([*day.load_lines, *protocol.load_advice, *phase.load_advice]),
        cautions=list(protocol.cautions),
        disclaimer=rules.disclaimer,
        sources=day.sources(
            *protocol.sources, *(day.library.exercises[i].source for i in exercise_ids)
        ),
        next_state=next_state,
    )


def _history(day: _Day, regions: set[str]) -> list[ScoredEntry]:
    return region_history(day.situation.pain_history, regions, day.today, day.policy)


def _follow(
    day: _Day, protocol_id: str, state: ProtocolState | None, report: PainReport | None
) -> Decision:
    """Start, hold, progress or step back in a protocol, and say why."""
    library, policy, today = day.library, day.policy, day.today
    rules = library.rules
    _ = day.voice._
    protocol = library.protocols[protocol_id]
    regions = {report.region} if report is not None and report.region else set(protocol.regions)
    earlier = _history(day, regions)
    reading = read_pain(report, earlier, today, policy, morning_symptom=protocol.morning_symptom)
    week = 1 if state is None else (today - state.started_on).days // 7 + 1
    count = len(protocol.phases)
    reasons: list[str] = []
    region_name = None
    if report is not None and report.region is not None:
        region_name = library.region_name(report.region)
        reasons.append(_pain_reason(report, region_name, reading, day.voice))
    else:
        reasons.append(_("No pain mentioned today; carrying on with your current programme."))

    if state is None:
        phase = 1
        changed = True
        reasons.append(
            _("Starting the {programme} at phase 1 of {count}.").format(
                programme=protocol.name, count=count
            )
        )
    else:
        current = min(state.phase, count)
        phase, step_reason = _step(day, protocol, state, current, reading, report, earlier)
        changed = phase != state.phase
        if step_reason:
            reasons.append(step_reason)
    problem = report is not None and not reading.acceptable
    cooling = (
        not changed
        and not problem
        and state is not None
        and state.last_full_on is not None
        and (today - state.last_full_on).days < policy.cooldown_days
    )
    if cooling and state is not None and state.last_full_on is not None:
        reasons.append(
            _(
                "Full plan shown on {date}; it is repeated after {days} days or when the phase "
                "changes."
            ).format(date=state.last_full_on.isoformat(), days=policy.cooldown_days)
        )
    the_phase = protocol.phases[phase - 1]
    pain_lines = _pain_lines(day, acceptable=not problem)
    calm = report is not None and _calm(report, reading, rules.pain.keep_running_max)
    if report is None:
        pain_lines = [rules.pain.no_evidence]
    elif not reading.settled:
        morning_worse = protocol.morning_symptom and report.timing == "next_morning"
        pain_lines.insert(0, rules.pain.morning_worse if morning_worse else rules.pain.not_settled)
    elif report.negated:
        pain_lines = [rules.pain.settled]
    elif calm:
        pain_lines.insert(0, rules.pain.keep_running)
    if reading.usual_morning:
        pain_lines.insert(0, rules.pain.usual_morning)
    # "Run less" only for pain that is sore, unsettled or rising: not for 2/10 gone by morning.
    sore_lines = [] if report is None or calm else [*the_phase.sore_advice, *protocol.sore_advice]
    if cooling:
        load_advice = _unique([*day.load_lines, *pain_lines[:1]])
    else:
        # Most important first: the public block shows only the first few lines.
        load_advice = _unique(
            [
                *day.load_lines,
                *pain_lines[:1],
                *sore_lines,
                *the_phase.load_advice,
                *pain_lines[1:],
                *protocol.load_advice,
            ]
        )
    exercises = [
        *_prescribe(
            library,
            the_phase.exercises,
            option=False,
            protocol=protocol,
            week=week,
            voice=day.voice,
        ),
        *_prescribe(
            library, the_phase.options, option=True, protocol=protocol, week=week, voice=day.voice
        ),
    ]
    used = [item.id for item in (*the_phase.exercises, *the_phase.options)]
    score = reading.score if report is not None else None
    next_state = _next_state(state, protocol_id, phase, today, full=not cooling, score=score)
    return Decision(
        kind="continue" if cooling else "rehab",
        protocol_id=protocol_id,
        protocol_name=protocol.name,
        condition=protocol.condition,
        phase=phase,
        phase_name=the_phase.name,
        phase_count=count,
        exercises=exercises,
        reasons=[*reasons, *day.load_reasons, *day.extra_reasons],
        public_reasons=list(day.load_reasons),
        load_advice=load_advice,
        avoid=list(protocol.avoid),
        cautions=list(protocol.cautions),
        sources=day.sources(
            *protocol.sources,
            *(library.exercises[i].source for i in used),
            *(protocol.dose_schedules[i].source for i in used if i in protocol.dose_schedules),
            *rules.pain_monitoring_sources,
        ),
        disclaimer=rules.disclaimer,
        region=None if report is None else report.region,
        region_name=region_name,
        side=None if report is None else report.side,
        score=score,
        trend=reading.trend if report is not None else None,
        next_state=next_state,
    )


def _step(
    day: _Day,
    protocol: Protocol,
    state: ProtocolState,
    current: int,
    reading: PainReading,
    report: PainReport | None,
    earlier: list[ScoredEntry],
) -> tuple[int, str | None]:
    """The phase after today, and the sentence that explains a move (or a hold)."""
    count = len(protocol.phases)
    _ = day.voice._
    if report is None:
        # A run with no note is no evidence that pain settled, nor that it flared.
        return current, _(
            "No pain logged for this run: no evidence that pain settled or flared, so the phase "
            "neither moves on nor steps back."
        )
    if not reading.acceptable:
        back = max(1, current - 1)
        usual = protocol.morning_symptom and report.timing == "next_morning"
        why = _problem_words(reading, day.policy, usual_morning=usual, voice=day.voice)
        if back < current:
            return back, _("{why}: stepping back to phase {phase} of {count}.").format(
                why=why, phase=back, count=count
            )
        return back, _("{why}: staying at phase 1 and reducing load.").format(why=why)
    phase = protocol.phases[current - 1]
    since = state.phase_since
    entries = [_as_calm_evidence(e, protocol) for e in earlier if e.local_date >= since]
    today_score = None if report is None else report_score(report)
    if today_score is not None:
        entries.append(ScoredEntry(day.today, today_score, report.timing))
    old_enough = (day.today - since).days >= phase.min_days
    met = next((rule for rule in phase.exit_when if exit_met(rule, entries, day.today)), None)
    if met is None or not old_enough:
        return current, None
    if current == count:
        return current, _(
            "Pain has settled ({exit}); you have reached the last phase: keep the "
            "exercises going twice a week as prevention."
        ).format(exit=phase.exit)
    return current + 1, _(
        "Pain has settled ({exit}): moving on to phase {phase} of {count}."
    ).format(exit=phase.exit, phase=current + 1, count=count)


def _as_calm_evidence(entry: ScoredEntry, protocol: Protocol) -> ScoredEntry:
    """Pain still there the next morning never counts as calm (unless it is the condition's
    usual morning symptom): it breaks a run of calm entries whatever its score."""
    if entry.timing == "next_morning" and entry.score > 0 and not protocol.morning_symptom:
        return ScoredEntry(entry.local_date, 10.0, entry.timing)
    return entry


def _problem_words(
    reading: PainReading, policy: RehabPolicy, *, usual_morning: bool, voice: Voice
) -> str:
    _ = voice._
    if (
        usual_morning
        and not reading.settled
        and reading.baseline is not None
        and reading.score is not None
    ):
        return _(
            "Morning pain is higher than on earlier mornings ({score}/10 vs "
            "{baseline}/10), so it has not settled by the next morning"
        ).format(score=f"{reading.score:g}", baseline=f"{reading.baseline:.1f}")
    if not reading.settled:
        return _("Pain had not settled by the next morning")
    if reading.rising and reading.baseline is not None and reading.score is not None:
        return _(
            "Pain is rising ({score}/10 vs {baseline}/10 recently; "
            "a rise of {points} points or {fraction} is real)"
        ).format(
            score=f"{reading.score:g}",
            baseline=f"{reading.baseline:.1f}",
            points=f"{policy.rise_points:g}",
            fraction=f"{policy.rise_fraction:.0%}",
        )
    if reading.rising:
        return _("Pain is getting worse")
    return _("Pain is above {limit}/10").format(limit=f"{policy.acceptable_pain:g}")


# The pain model's trend and the note's own comparison, as words.
_TRENDS = {"rising": N_("rising"), "steady": N_("steady"), "settling": N_("settling")}
_THAN_BEFORE = {
    "better": N_("better than before"),
    "same": N_("same than before"),
    "worse": N_("worse than before"),
}


def _pain_reason(
    report: PainReport, region_name: str, reading: PainReading, voice: Voice = ENGLISH
) -> str:
    _ = voice._
    text = describe_pain(report, region_name, voice)
    text = text[0].upper() + text[1:]
    if reading.baseline is not None and not report.negated:
        text += _(" (recent average {baseline}/10, {trend})").format(
            baseline=f"{reading.baseline:.1f}", trend=_(_TRENDS[reading.trend])
        )
    elif report.trend is not None:
        text += f" ({_(_THAN_BEFORE[report.trend])})"
    return text + "."


def _next_state(
    state: ProtocolState | None,
    protocol_id: str,
    phase: int,
    today: date,
    *,
    full: bool,
    score: float | None,
) -> ProtocolState:
    if state is None:
        return ProtocolState(
            protocol_id=protocol_id,
            phase=phase,
            started_on=today,
            last_full_on=today if full else None,
            last_score=score,
            phase_started_on=today,
        )
    return state.model_copy(
        update={
            "phase": phase,
            "phase_started_on": today if phase != state.phase else state.phase_started_on,
            "last_full_on": today if full else state.last_full_on,
            "last_score": score if score is not None else state.last_score,
        }
    )


def _prescribe(
    library: Library,
    items: tuple[PhaseExercise, ...],
    *,
    option: bool,
    protocol: Protocol | None = None,
    week: int = 1,
    voice: Voice = ENGLISH,
) -> list[Prescription]:
    out: list[Prescription] = []
    for item in items:
        exercise = library.exercises[item.id]
        dose = item.dose or exercise.dose
        schedule = None if protocol is None else protocol.dose_schedules.get(item.id)
        if schedule is not None and item.step is not None:
            # Never a dose the study gives later than the week the runner has reached.
            step = min(item.step, schedule.step_for_week(week))
            dose = schedule.steps[step - 1].dose
        out.append(
            Prescription(
                exercise_id=item.id,
                name=exercise.name,
                target=exercise.target,
                sets=dose.sets,
                reps=dose.reps,
                hold_s=dose.hold_s,
                frequency=dose.frequency,
                dose=_describe(dose.text, dose.basis, voice),
                dose_basis=dose.basis,
                cues=list(exercise.cues),
                progression=exercise.progression,
                regression=exercise.regression,
                cautions=list(exercise.cautions),
                source=library.cite(exercise.source),
                option=option,
            )
        )
    return out


def _describe(text: str, basis: str, voice: Voice) -> str:
    # ``Dose.describe`` in the runner's language: the label is the catalogue's.
    return f"{text} ({voice._(CONVENTION_LABEL)})" if basis == "convention" else text


def _pain_lines(day: _Day, *, acceptable: bool) -> list[str]:
    pain = day.library.rules.pain
    limit = f"{day.policy.acceptable_pain:g}"
    return [
        line.replace("{acceptable}", limit)
        for line in (pain.acceptable if acceptable else pain.reduce)
    ]


def _unique(lines: list[str]) -> list[str]:
    return list(dict.fromkeys(lines))
