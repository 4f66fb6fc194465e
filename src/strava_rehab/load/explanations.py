"""The sentences a runner reads under each finding: the numbers first, then what the study found.

Written for a runner, not a sports scientist: distances in km with one decimal, jumps as "%
longer", study results as "N× higher injury rate" with the hazard ratio and its interval in
brackets for those who want it. Every text says what the evidence can and cannot tell, and none
claims to predict an injury for this runner.
"""

from __future__ import annotations

from datetime import date

from strava_rehab.load.evidence import SpikeBand
from strava_rehab.load.model import LoadThresholds, RunSession


def _day(day: date) -> str:
    # Spelled out by hand so the text never depends on the process locale.
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{day.day} {months[day.month - 1]} {day.year}"


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.0f}%"


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def surface_note(run: RunSession) -> str:
    """Treadmill and hand-entered runs count, but their distance is less certain; say so."""
    notes = []
    if run.trainer:
        notes.append(
            " It was a treadmill run: its distance comes from the treadmill or a watch estimate, "
            "which can be less accurate than GPS."
        )
    if run.manual:
        notes.append(" It was entered by hand, so its distance is only as exact as the entry.")
    return "".join(notes)


def spike(
    run: RunSession,
    run_km: float,
    reference: RunSession,
    reference_km: float,
    ratio: float,
    band: SpikeBand,
    thresholds: LoadThresholds,
    study_bands: bool,
) -> str:
    # "150% longer" is hard to picture; "2.5 times as long" is not.
    jump = f"{ratio:.1f} times as long as" if ratio >= 2.0 else f"{_percent(ratio - 1)} longer than"
    same_day = " earlier the same day" if reference.local_date == run.local_date else ""
    text = (
        f"This {run_km:.1f} km run was {jump} your longest run in the previous "
        f"{thresholds.spike_window_days} days ({reference_km:.1f} km on "
        f"{_day(reference.local_date)}{same_day})."
    )
    if study_bands:
        text += (
            f" In a study of 5,200 runners, runs {band.study_range} had a {band.study_rate} "
            f"higher injury rate ({band.hazard_text})."
        )
        if band.name == "small":
            text += (
                " That is at least as high as for bigger jumps of 30–100%: the risk does not grow "
                "steadily with the size of the jump, so a small jump is not a safe one."
            )
        elif band.name == "moderate":
            text += (
                " That is about the same as for jumps of 10–30%: the risk does not grow steadily "
                "with the size of the jump."
            )
        text += " A higher rate is not a certainty: most runs like this cause no injury."
    else:
        text += (
            f" Your settings flag runs more than {_percent(thresholds.spike_small - 1)} longer. "
            "The study's injury figures are for its own bands (10%, 30% and 100% longer over 30 "
            "days), so they are not quoted for yours."
        )
    return text + surface_note(run)


def return_after_break(run: RunSession, run_km: float, thresholds: LoadThresholds) -> str:
    return (
        f"This {run_km:.1f} km run is your first run of at least {thresholds.min_run_km:.1f} km "
        f"in {thresholds.spike_window_days} days (or the first in your synced history), so there "
        "is no recent longest run to compare it with. Going over "
        f"{thresholds.return_after_break_km:.1f} km straight after a break is a big step: in a "
        "study of 5,200 runners injury rates rose once a run went more than 10% beyond the "
        "recent longest, and after a break the recent longest is small or nothing. No study "
        "measured returns directly, so this is a rule of thumb. Consider building back up over "
        "a few weeks." + surface_note(run)
    )


def weekly_progression(
    week_km: float, previous_week_km: float, change: float, thresholds: LoadThresholds, study: bool
) -> str:
    text = (
        f"You have run {week_km:.1f} km in the 7 days up to and including this run, "
        f"{_percent(change)} more than the {previous_week_km:.1f} km of the 7 days before. "
        "This is a notice, not a warning."
    )
    if study:
        text += (
            " In a study of 874 new runners, weekly increases above 30% went with more of the "
            "overuse injuries linked to distance, such as runner's knee and shin splints "
            "(hazard ratio 1.59), but the result was not statistically certain (95% CI "
            "0.96–2.66) and the overall injury rate did not differ."
        )
    else:
        text += (
            f" Your settings flag weekly increases above {_percent(thresholds.weekly_progression)}"
            "; the study behind this check looked at increases above 30%, and even there the "
            "link was not statistically certain."
        )
    return text + (
        " The popular '10% rule' prevented no injuries in a randomised trial. How far a single "
        "run goes beyond your recent longest is the better-supported warning sign."
    )


def suspect_gps(run: RunSession, run_km: float, thresholds: LoadThresholds) -> str:
    ending = (
        " It is left out of your distance totals and is never used as a comparison for later "
        "runs. Correct it on Strava and it will be analysed again."
    )
    if run.moving_time_s == 0:
        return (
            f"This activity records {run_km:.1f} km but no moving time, so its distance cannot "
            "be checked: probably a recording glitch or an incomplete manual entry." + ending
        )
    speed_kmh = run.distance_m / run.moving_time_s * 3.6
    limit_kmh = thresholds.max_plausible_speed_mps * 3.6
    return (
        f"This activity records {run_km:.1f} km in {_duration(run.moving_time_s)} of moving "
        f"time, an average of {speed_kmh:.1f} km/h. That is faster than anyone runs for long "
        f"(the limit here is {limit_kmh:.1f} km/h): probably a GPS glitch, or a ride saved as a "
        "run." + ending
    )
