"""Silbernagel's pain-monitoring model: can the runner keep going, and is pain settling?

Silbernagel 2007 (AJSM, doi:10.1177/0363546506298279): pain during or after running up to about
5/10 is acceptable if it has settled by the next morning and is not rising week to week;
otherwise reduce load. A "real" rise follows Farrar 2001: about 2 points or 30%.

Pain still there the next morning has not settled, whatever its score. The exception is a
condition whose usual symptom is morning pain (first-step heel pain, Achilles morning
stiffness): there the morning pain is the condition, and the next-morning rule applies to its
change (compared with earlier mornings), not to its presence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from strava_rehab.pain.model import PainReport
from strava_rehab.rehab.library import ExitRule
from strava_rehab.rehab.policy import RehabPolicy
from strava_rehab.rehab.situation import PainEntry, PainTrend
from strava_rehab.text.voice import ENGLISH, N_, Voice

_TIMING_WORDS = {
    "during": N_("during the run"),
    "after": N_("after the run"),
    "next_morning": N_("the next morning"),
    "at_rest": N_("at rest"),
    "at_night": N_("at night"),
}
_SIDE_WORDS = {"left": N_("left"), "right": N_("right"), "both": N_("both")}


@dataclass(frozen=True)
class ScoredEntry:
    """One pain entry reduced to what the model needs; a "no pain" report scores 0."""

    local_date: date
    score: float
    timing: str | None = None


@dataclass(frozen=True)
class PainReading:
    """Today's pain in one region, read against its recent history."""

    score: float | None
    baseline: float | None
    rising: bool
    settled: bool
    acceptable: bool
    trend: PainTrend
    # Morning pain read as the condition's usual symptom, no worse than earlier mornings.
    usual_morning: bool = False


def report_score(report: PainReport) -> float | None:
    return 0.0 if report.negated else report.score


def region_history(
    history: list[PainEntry], regions: set[str], today: date, policy: RehabPolicy
) -> list[ScoredEntry]:
    """Scored earlier entries for these regions within ``history_days``, oldest first."""
    since = today - timedelta(days=policy.history_days)
    out: list[ScoredEntry] = []
    for entry in history:
        score = report_score(entry.report)
        if (
            entry.report.region in regions
            and score is not None
            and since <= entry.local_date < today
        ):
            out.append(ScoredEntry(entry.local_date, score, entry.report.timing))
    out.sort(key=lambda item: item.local_date)
    return out


def read_pain(
    report: PainReport | None,
    earlier: list[ScoredEntry],
    today: date,
    policy: RehabPolicy,
    *,
    morning_symptom: bool = False,
) -> PainReading:
    score = None if report is None else report_score(report)
    morning = report is not None and not report.negated and report.timing == "next_morning"
    usual = morning and morning_symptom
    # The usual morning pain is compared with earlier mornings only.
    compared = [e for e in earlier if e.timing == "next_morning"] if usual else earlier
    baseline = _baseline(compared, today, policy)
    rising = report is not None and not report.negated and report.trend == "worse"
    if score is not None and baseline is not None and score > policy.safe_pain:
        delta = score - baseline
        rising = rising or delta >= policy.rise_points
        rising = rising or (
            baseline > 0
            and delta >= policy.min_rise_points
            and delta / baseline >= policy.rise_fraction
        )
    if not morning:
        settled = True
    elif usual:
        # First-step heel pain, Achilles morning stiffness: the condition itself. Worse than on
        # earlier mornings is what "not settled" means here.
        settled = not rising
    else:
        # Still sore the next morning: not settled, even at 5/10 or less (Silbernagel 2007).
        settled = score is not None and score <= 0
    acceptable = settled and not rising and (score is None or score <= policy.acceptable_pain)
    settling = report is not None and (report.negated or report.trend == "better")
    if score is not None and baseline is not None:
        settling = settling or baseline - score >= policy.min_rise_points
    trend: PainTrend = "rising" if rising else ("settling" if settling else "steady")
    return PainReading(
        score, baseline, rising, settled, acceptable, trend, usual_morning=usual and settled
    )


def _baseline(earlier: list[ScoredEntry], today: date, policy: RehabPolicy) -> float | None:
    window_start = today - timedelta(days=policy.trend_window_days)
    recent = [entry.score for entry in earlier if entry.local_date >= window_start]
    if recent:
        return sum(recent) / len(recent)
    # No entry in the last week: the most recent one still tells us where pain was.
    return earlier[-1].score if earlier else None


def exit_met(rule: ExitRule, entries: list[ScoredEntry], today: date) -> bool:
    """The last ``min_entries``+ entries are all calm and the calm run is ``min_days`` old."""
    calm: list[ScoredEntry] = []
    for entry in reversed(entries):
        if entry.score > rule.max_score:
            break
        calm.append(entry)
    if len(calm) < rule.min_entries:
        return False
    return (today - calm[-1].local_date).days >= rule.min_days


def describe_pain(report: PainReport, region_name: str, voice: Voice = ENGLISH) -> str:
    """ "left shin pain 4/10 during the run" — private wording, with the score."""
    _ = voice._
    if report.side == "both":
        text = _("{region} pain (both sides)").format(region=region_name)
    elif report.side is not None:
        text = _("{side} {region} pain").format(
            side=_(_SIDE_WORDS[report.side]), region=region_name
        )
    else:
        text = _("{region} pain").format(region=region_name)
    if report.negated:
        return _("no {pain}").format(pain=text)
    if report.score is not None:
        text += f" {report.score:g}/10"
    if report.timing is not None:
        text += f" {_(_TIMING_WORDS[report.timing])}"
    return text
