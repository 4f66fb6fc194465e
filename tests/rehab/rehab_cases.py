"""Runner situations and the decision a sports physio would make, shared by the tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.rehab.rehab_builders import entry, pain, situation, spike, state

from strava_rehab.rehab import Situation


@dataclass(frozen=True)
class Case:
    id: str
    given: Situation
    kind: str
    protocol: str | None = None
    phase: int | None = None
    load_advice: bool = True
    # Exercise ids that must be suggested; None = the decision carries no exercises at all.
    exercises: frozenset[str] | None = frozenset()
    reasons: tuple[str, ...] = ()  # substrings that must appear in the reasons
    advice: tuple[str, ...] = ()  # substrings that must appear in the load advice
    next_phase: int | None = field(default=None)


SHIN_HIP = frozenset({"side_lying_hip_abduction", "hip_extension", "hip_thrust"})

CASES = [
    Case(
        "product example: left shin 4/10 after a week 40% above the last",
        situation(
            [pain("shin", 4, side="left", timing="during")],
            findings=[spike("weekly_progression", "moderate", value=42.0, reference=30.0)],
        ),
        "rehab",
        "shin_splints",
        1,
        exercises=SHIN_HIP | {"towel_toe_curl", "wall_calf_stretch"},
        reasons=("left shin pain 4/10", "42.0 km", "40%"),
        advice=("easier",),
        next_phase=1,
    ),
    Case(
        "spike without pain: load advice and prevention work",
        situation(findings=[spike(value=21.0, reference=14.0)]),
        "load_advice",
        "prevention",
        1,
        exercises=frozenset({"single_leg_heel_raise", "side_lying_hip_abduction"}),
        reasons=("21.0 km", "50% longer", "14.0 km"),
        advice=("10%",),
        next_phase=1,
    ),
    Case(
        "spike without pain, prevention shown 3 days ago: load advice only",
        situation(
            findings=[spike(band="small", value=16.0, reference=14.0)],
            states=[state("prevention", 1, last_full=3)],
        ),
        "load_advice",
        "prevention",
        1,
        exercises=None,
        reasons=("shown on",),
    ),
    Case("nothing logged, no spike", situation(), "none", load_advice=False),
    Case(
        "suspect GPS is not a spike",
        situation(findings=[spike("suspect_gps", "large", value=90.0)]),
        "none",
        load_advice=False,
    ),
    Case(
        "an info-severity finding is context, not a spike",
        situation(findings=[spike(band="small", severity="info")]),
        "none",
        load_advice=False,
    ),
    Case(
        "focal shin pain: bone stress caution, no exercises",
        situation([pain("shin", 4, side="right", flags=("focal_tenderness",))]),
        "see_clinician",
        "bone_stress_injury",
        reasons=("small spot",),
        advice=("Stop running",),
    ),
    Case(
        "8/10 knee pain is a red flag by score",
        situation([pain("knee_front", 8)]),
        "see_clinician",
        reasons=("8/10",),
        advice=("clinician",),
    ),
    Case(
        "achilles pain at night",
        situation([pain("achilles", 3, timing="at_night")]),
        "see_clinician",
        reasons=("night",),
    ),
    Case(
        "numbness with hamstring pain",
        situation([pain("hamstring", 3, flags=("numbness",))]),
        "see_clinician",
        reasons=("nerve",),
    ),
    Case(
        "deep groin pain getting worse: femoral neck caution",
        situation([pain("groin", 4, trend="worse")]),
        "see_clinician",
        "bone_stress_injury",
        reasons=("femoral neck",),
    ),
    Case(
        "red flag with a spike: still no exercises",
        situation(
            [pain("forefoot", 3, flags=("hop_pain",))],
            findings=[spike(band="large", value=30.0, reference=12.0)],
        ),
        "see_clinician",
        "bone_stress_injury",
        reasons=("hopping", "30.0 km"),
    ),
    Case(
        "'no shin pain' after a calm entry: progress to phase 2",
        situation(
            [pain("shin", negated=True)],
            history=[entry(2, pain("shin", 1))],
            states=[state("shin_splints", 1, last_full=2)],
        ),
        "rehab",
        "shin_splints",
        2,
        exercises=frozenset({"single_leg_heel_raise", "squat", "star_excursion_reach"}),
        reasons=("no shin pain", "moving on to phase 2"),
        advice=("Pain has gone",),
        next_phase=2,
    ),
    Case(
        "'no shin pain' with no programme running: nothing to do",
        situation([pain("shin", negated=True)]),
        "none",
        load_advice=False,
    ),
    Case(
        "unknown body part with a spike: load advice, the words named, no exercises",
        situation([pain(None, 4, unknown=("wobbly bit",))], findings=[spike()]),
        "load_advice",
        "prevention",
        exercises=None,
        reasons=("'wobbly bit'", "21.0 km"),
    ),
    Case(
        "unknown body part, no spike: nothing but the words named",
        situation([pain(None, 3, unknown=("zorgle",))]),
        "none",
        load_advice=False,
        reasons=("'zorgle'",),
    ),
    Case(
        "knee 3/10 and achilles 5/10: the worst (achilles) wins, knee mentioned",
        situation([pain("knee_front", 3), pain("achilles", 5, side="left")]),
        "rehab",
        "achilles_tendinopathy",
        1,
        exercises=frozenset({"eccentric_heel_drop_straight", "eccentric_heel_drop_bent"}),
        reasons=("Also noted: knee (front) pain 3/10",),
    ),
    Case(
        "same protocol and phase within the cooldown: continue",
        situation(
            [pain("shin", 3)],
            history=[entry(2, pain("shin", 3))],
            states=[state("shin_splints", 1, last_full=2)],
        ),
        "continue",
        "shin_splints",
        1,
        exercises=SHIN_HIP,
        reasons=("Full plan shown on",),
        next_phase=1,
    ),
    Case(
        "cooldown over: the full plan again",
        situation(
            [pain("shin", 4)],
            history=[entry(8, pain("shin", 4))],
            states=[state("shin_splints", 1, last_full=8)],
        ),
        "rehab",
        "shin_splints",
        1,
        exercises=SHIN_HIP,
        next_phase=1,
    ),
    Case(
        "pain rising 2 → 5 within the week: step back a phase",
        situation(
            [pain("shin", 5)],
            history=[entry(5, pain("shin", 2)), entry(2, pain("shin", 2))],
            states=[state("shin_splints", 2, last_full=2, phase_started=10)],
        ),
        "rehab",
        "shin_splints",
        1,
        exercises=SHIN_HIP,
        reasons=("rising", "stepping back to phase 1"),
        advice=("Cut back",),
        next_phase=1,
    ),
    Case(
        "achilles 6/10 is above acceptable: step back even within the cooldown",
        situation(
            [pain("achilles", 6)],
            history=[entry(3, pain("achilles", 5))],
            states=[state("achilles_tendinopathy", 2, last_full=1)],
        ),
        "rehab",
        "achilles_tendinopathy",
        1,
        reasons=("above 5/10",),
        next_phase=1,
    ),
    Case(
        # Changed (issue 10): first-step heel pain is how plantar heel pain presents, so its
        # presence alone is no reason to step back; a rise from earlier mornings is.
        "morning heel pain up from 2/10 to 4/10: not settled, reduce and step back",
        situation(
            [pain("plantar_heel", 4, timing="next_morning")],
            history=[entry(4, pain("plantar_heel", 2, timing="next_morning"))],
            states=[state("plantar_fasciitis", 2, last_full=3)],
        ),
        "rehab",
        "plantar_fasciitis",
        1,
        reasons=("next morning",),
        advice=("worse than on earlier mornings",),
        next_phase=1,
    ),
    Case(
        "worse at phase 1: not below phase 1, full text, reduce load",
        situation([pain("shin", 6)], states=[state("shin_splints", 1, last_full=1)]),
        "rehab",
        "shin_splints",
        1,
        reasons=("staying at phase 1",),
        advice=("Cut back",),
        next_phase=1,
    ),
    Case(
        "Rathleff heel raises: 2 weeks at 12RM done → 10RM phase",
        situation(
            [pain("plantar_heel", 3)],
            states=[state("plantar_fasciitis", 1, started=15, last_full=15)],
        ),
        "rehab",
        "plantar_fasciitis",
        2,
        exercises=frozenset({"high_load_heel_raise", "plantar_fascia_stretch"}),
        next_phase=2,
    ),
    Case(
        "Rathleff heel raises: only 5 days in, calm: stay in phase 1 (short reminder)",
        situation(
            [pain("plantar_heel", 2)],
            states=[state("plantar_fasciitis", 1, started=5, last_full=5)],
        ),
        "continue",
        "plantar_fasciitis",
        1,
        next_phase=1,
    ),
    Case(
        "new sit-bone pain: isometrics first, no stretching",
        situation([pain("high_hamstring", 3, side="right")]),
        "rehab",
        "high_hamstring_tendinopathy",
        1,
        exercises=frozenset({"hamstring_isometric"}),
        next_phase=1,
    ),
    Case(
        "outer knee pain: IT band protocol with gluteus medius work",
        situation([pain("knee_outer", 4, side="left")]),
        "rehab",
        "it_band_syndrome",
        1,
        exercises=frozenset({"side_lying_hip_abduction", "pelvic_drop"}),
        next_phase=1,
    ),
    Case(
        "front knee pain: hip and knee (patellofemoral) protocol",
        situation([pain("knee_front", 3)]),
        "rehab",
        "patellofemoral_pain",
        1,
        exercises=frozenset({"side_lying_hip_abduction", "clamshell", "glute_bridge", "wall_sit"}),
        next_phase=1,
    ),
    Case(
        # Changed (issue 10): 3/10 that settles is no reason to rest (Silbernagel 2007).
        "calf pain 3/10: no specific programme, keep running and monitor",
        situation([pain("calf", 3)]),
        "load_advice",
        exercises=None,
        reasons=("no specific programme for calf",),
        advice=("keep running",),
    ),
    Case(
        "calf pain with a spike: general advice plus the load warning",
        situation([pain("calf", 3)], findings=[spike(band="large", value=30.0, reference=12.0)]),
        "load_advice",
        exercises=None,
        reasons=("30.0 km",),
        advice=("more than double",),
    ),
    Case(
        "programme running, no pain mentioned, within the cooldown: continue",
        situation(states=[state("patellofemoral_pain", 2, last_full=3)]),
        "continue",
        "patellofemoral_pain",
        2,
        reasons=("No pain mentioned",),
        next_phase=2,
    ),
    Case(
        "programme untouched for 60 days has expired: nothing",
        situation(states=[state("patellofemoral_pain", 2, started=60, last_full=60)]),
        "none",
        load_advice=False,
    ),
    Case(
        "last phase with settled pain: stay there (maintenance)",
        situation(
            [pain("knee_outer", 1)],
            history=[entry(3, pain("knee_outer", 1))],
            states=[state("it_band_syndrome", 3, last_full=10)],
        ),
        "rehab",
        "it_band_syndrome",
        3,
        reasons=("last phase",),
        next_phase=3,
    ),
    Case(
        "runner says 'worse' with no history: rising, step back",
        situation(
            [pain("achilles", 4, trend="worse")],
            states=[state("achilles_tendinopathy", 3, last_full=2)],
        ),
        "rehab",
        "achilles_tendinopathy",
        2,
        reasons=("getting worse",),
        next_phase=2,
    ),
]
