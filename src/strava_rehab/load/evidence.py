"""The studies behind each rule, as the runner will see them cited (by paper).

The evidence is uneven and the wording says so:

- The single-session spike (Frandsen 2025) is the only progression measure with a positive
  association in a large running cohort. Its bands are *not* a smooth dose-response: the moderate
  band's hazard ratio (1.52) is lower than the small band's (1.64).
- Weekly progression above 30% (Nielsen 2014) is weak evidence: the confidence interval crosses 1
  and the link held only for distance-related injuries; the 10% rule had no effect in an RCT
  (Buist 2008); Frandsen 2025 found no link with week-to-week ratios.
- ACWR is contested and in runners went the "wrong" way; monotony and strain were about illness.

Hazard ratios are quoted only while the thresholds equal the study's own cut-offs: a study's
figures say nothing about bands a user has moved.
"""

from __future__ import annotations

from dataclasses import dataclass

from strava_rehab.load.model import LoadThresholds, Severity

FRANDSEN_2025 = (
    "Frandsen JSB et al. How much running is too much? Identifying high-risk running sessions in "
    "a 5200-person cohort study. Br J Sports Med 2025;59(17):1203–1210. "
    "doi:10.1136/bjsports-2024-109380"
)
NIELSEN_2014 = (
    "Nielsen RO et al. Excessive progression in weekly running distance and risk of "
    "running-related injuries. J Orthop Sports Phys Ther 2014;44(10):739–747. "
    "doi:10.2519/jospt.2014.5164"
)
BUIST_2008 = (
    "Buist I et al. No effect of a graded training program on the number of running-related "
    "injuries in novice runners: a randomized controlled trial. Am J Sports Med 2008;36(1):33–39. "
    "doi:10.1177/0363546507307505"
)
RETURN_RULE = (
    "strava-rehab rule, not a study result: the spike ratio is undefined without a run in the "
    f"window, so long returns are judged by distance (reasoning from {FRANDSEN_2025})"
)
DATA_QUALITY_RULE = (
    "strava-rehab data-quality rule, not a study result: a run faster than the plausible running "
    "speed, or with distance but no moving time, is treated as a recording error"
)

# The cut-offs of the studies, as ratios: Frandsen's bands and Nielsen's weekly progression.
STUDY_SPIKE_CUTS = (1.10, 1.30, 2.00)
STUDY_WEEKLY_CUT = 0.30

# Comparisons at a band edge ignore float noise: a run exactly 10% longer is not a spike, and
# scaling every distance by the same factor never moves a run across an edge.
EDGE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class SpikeBand:
    name: str
    severity: Severity
    # How the study described the band and what it found, for the explanation.
    study_range: str
    study_rate: str
    hazard_ratio: str  # for ``Finding.hazard_ratio``
    hazard_text: str  # the same inside a sentence's brackets


SMALL = SpikeBand(
    name="small",
    severity="notice",
    study_range="10–30% longer than the recent longest",
    study_rate="1.6×",
    hazard_ratio="1.64 (95% CI 1.31–2.05)",
    hazard_text="hazard ratio 1.64, 95% CI 1.31–2.05",
)
MODERATE = SpikeBand(
    name="moderate",
    severity="warning",
    study_range="30–100% longer than the recent longest",
    study_rate="1.5×",
    hazard_ratio="1.52 (95% CI 1.16–2.00)",
    hazard_text="hazard ratio 1.52, 95% CI 1.16–2.00",
)
LARGE = SpikeBand(
    name="large",
    severity="warning",
    study_range="more than twice the recent longest",
    study_rate="2.3×",
    hazard_ratio="2.28 (95% CI 1.50–3.48)",
    hazard_text="hazard ratio 2.28, 95% CI 1.50–3.48",
)
WEEKLY_HAZARD_RATIO = "1.59 (95% CI 0.96–2.66; distance-related injuries only)"


def uses_study_spike_bands(thresholds: LoadThresholds) -> bool:
    cuts = (thresholds.spike_small, thresholds.spike_moderate, thresholds.spike_large)
    return cuts == STUDY_SPIKE_CUTS and thresholds.spike_window_days == 30


def uses_study_weekly_cut(thresholds: LoadThresholds) -> bool:
    return thresholds.weekly_progression == STUDY_WEEKLY_CUT


ACWR_NOTE = (
    "ACWR (this week against the weeks before) is shown for context only. Its 'sweet spot' and "
    "'danger zone' come from team sports and are disputed (Impellizzeri et al. 2020, 2021), and "
    "in 5,205 runners ACWR spikes went with lower, not higher, injury rates (Frandsen et al. 2025)."
)
MONOTONY_NOTE = (
    "Monotony (how evenly your km are spread over 7 days: daily mean divided by its standard "
    "deviation) and strain (weekly km × monotony) are informational. Foster (1998) linked them to "
    "illness, not injury, with thresholds that differed per athlete."
)
WEEKLY_NOTE = (
    "Week-over-week change is weak evidence: increases above 30% were linked to some overuse "
    "injuries in new runners, but the result was not statistically certain (Nielsen 2014), and "
    "the '10% rule' prevented no injuries in a randomised trial (Buist 2008)."
)
