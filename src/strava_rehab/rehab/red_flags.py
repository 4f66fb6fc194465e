"""Warning signs that override every exercise suggestion (sources.toml warden2014).

The parser reports the terms it found; the rules here decide what counts: any red-flag id, pain
at rest or at night, a score at or above the policy's ``red_flag_score``, and pain that worsens
with running where that can mean a femoral-neck stress fracture. Bone-stress signs in a
bone-stress region get the bone-stress caution instead of the generic "see a clinician".
"""

from __future__ import annotations

from dataclasses import dataclass

from strava_rehab.pain.model import PainReport
from strava_rehab.rehab.library import Library
from strava_rehab.rehab.pain_monitoring import describe_pain
from strava_rehab.rehab.policy import RehabPolicy
from strava_rehab.text.voice import ENGLISH, Voice

# Timing that is itself a warning sign, as the red-flag id it stands for.
_TIMING_FLAGS = {"at_rest": "rest_pain", "at_night": "night_pain"}


@dataclass(frozen=True)
class RedFlags:
    report: PainReport  # the most worrying flagged report: its region, side and score
    reasons: list[str]
    bone_stress: bool


def screen(
    reports: list[PainReport],
    library: Library,
    policy: RehabPolicy,
    weekly_km: float | None = None,
    voice: Voice = ENGLISH,
) -> RedFlags | None:
    """The red flags in today's reports, or None. A "no pain" report raises none.

    ``weekly_km`` is the runner's recent weekly distance: pain at a high-risk bone-stress site
    (rules ``high_risk_sites``) at or above the site's ``min_weekly_km`` is a red flag. None
    (unknown) never fires that rule.
    """
    rules = library.rules
    worst: tuple[int, float, PainReport] | None = None
    reasons: list[str] = []
    bone_stress = False
    for report in reports:
        if report.negated:
            continue
        where = _where(report, library, voice)
        found = _flags_of(report)
        mine = [
            f"{where}: {rules.red_flags.get(flag, _unknown_flag(flag, voice))}" for flag in found
        ]
        if report.score is not None and report.score >= policy.red_flag_score:
            mine.append(
                f"{where}: "
                + voice._(
                    "pain of {score}/10 is too much to train through "
                    "(we treat {limit}/10 or more as a warning sign)"
                ).format(score=f"{report.score:g}", limit=f"{policy.red_flag_score:g}")
            )
        worsening = report.trend == "worse" or "worsening_during_run" in found
        worse_here = [
            f"{where}: {rule.reason}"
            for rule in rules.worsening
            if worsening and report.region == rule.region
        ]
        mine.extend(worse_here)
        high_risk = [
            f"{where}: {_weekly(site.reason, weekly_km, voice)}"
            for site in rules.high_risk_sites
            if weekly_km is not None
            and report.region == site.region
            and weekly_km >= site.min_weekly_km
        ]
        mine.extend(high_risk)
        if not mine:
            continue
        reasons.extend(mine)
        bony = bool(high_risk) or (
            report.region in rules.bone_stress.regions
            and (bool(worse_here) or bool(set(found) & set(rules.bone_stress.flags)))
        )
        bone_stress = bone_stress or bony
        rank = (int(bony), report.score if report.score is not None else -1.0, report)
        if worst is None or rank[:2] > worst[:2]:
            worst = rank
    if worst is None:
        return None
    return RedFlags(report=worst[2], reasons=reasons, bone_stress=bone_stress)


def _flags_of(report: PainReport) -> list[str]:
    flags = list(dict.fromkeys(report.red_flags))
    timing_flag = _TIMING_FLAGS.get(report.timing or "")
    if timing_flag is not None and timing_flag not in flags:
        flags.append(timing_flag)
    return flags


def _weekly(reason: str, weekly_km: float, voice: Voice) -> str:
    # The content says "{km} km a week"; a runner in miles reads "25 mi a week".
    return reason.replace("{km} km", voice.distance(weekly_km, decimals=0)).replace(
        "{km}", f"{weekly_km:.0f}"
    )


def _unknown_flag(flag: str, voice: Voice) -> str:
    # A flag id the library does not describe is still a warning sign: never drop it.
    return voice._("warning sign '{flag}'").format(flag=flag)


def _where(report: PainReport, library: Library, voice: Voice) -> str:
    if report.region is None:
        return voice._("Pain (body part not recognised)")
    text = describe_pain(report, library.region_name(report.region), voice)
    return text[0].upper() + text[1:]
