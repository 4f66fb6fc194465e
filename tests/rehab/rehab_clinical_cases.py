"""Issue 10's clinical classes as runner situations, with what a careful sports physio decides.

Each class has at least five rows; ``test_rehab_clinical.py`` runs them.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.rehab.rehab_builders import entry, pain, situation, state

from strava_rehab.rehab import Situation


@dataclass(frozen=True)
class Clinical:
    id: str
    given: Situation
    kind: str
    protocol: str | None = None
    phase: int | None = None
    reasons: tuple[str, ...] = ()  # substrings that must appear in the reasons
    advice: tuple[str, ...] = ()  # substrings that must appear in the load advice
    no_advice: tuple[str, ...] = ()  # substrings that must NOT appear in the load advice
    exercises: frozenset[str] = frozenset()
    next_phase: int | None = None
    # Exercise id -> (sets, reps) the dose must have.
    doses: tuple[tuple[str, int, int], ...] = ()
    cautions: tuple[str, ...] = ()


def weekly(given: Situation, km: float) -> Situation:
    return given.model_copy(update={"recent_weekly_km": km})


RED_FLAGS = [
    Clinical(
        "shin aches even when not running (rest pain)",
        situation([pain("shin", 3, timing="at_rest")]),
        "see_clinician",
        "bone_stress_injury",
        reasons=("at rest",),
    ),
    Clinical(
        "knee hurts sitting on the sofa (rest pain)",
        situation([pain("knee_front", 2, timing="at_rest")]),
        "see_clinician",
        reasons=("at rest",),
    ),
    Clinical(
        "achilles constant pain 3/10 (rest pain)",
        situation([pain("achilles", 3, flags=("rest_pain",))]),
        "see_clinician",
        reasons=("at rest",),
    ),
    Clinical(
        "knee pain built up over the run, alone",
        situation([pain("knee_front", 4, flags=("worsening_during_run",))]),
        "see_clinician",
        reasons=("gets worse as the run goes on",),
    ),
    Clinical(
        "calf got progressively worse through the run",
        situation([pain("calf", 3, flags=("worsening_during_run",))]),
        "see_clinician",
        reasons=("gets worse as the run goes on",),
    ),
    Clinical(
        "shin kept getting worse during the run: bone-stress caution",
        situation([pain("shin", 3, flags=("worsening_during_run",))]),
        "see_clinician",
        "bone_stress_injury",
    ),
    Clinical(
        "hamstring sorer and sorer every km",
        situation([pain("hamstring", 2, flags=("worsening_during_run",))]),
        "see_clinician",
    ),
    Clinical(
        "deep groin ache 3/10 at 60 km a week: femoral neck",
        weekly(situation([pain("groin", 3)]), 60),
        "see_clinician",
        "bone_stress_injury",
        reasons=("femoral neck", "60 km"),
    ),
    Clinical(
        "front of hip sore 2/10 at 40 km a week: femoral neck",
        weekly(situation([pain("groin", 2, side="left")]), 40),
        "see_clinician",
        "bone_stress_injury",
        reasons=("femoral neck",),
    ),
    Clinical(
        "top of midfoot sore at 55 km a week: navicular",
        weekly(situation([pain("midfoot", 3)]), 55),
        "see_clinician",
        "bone_stress_injury",
        reasons=("navicular",),
    ),
    Clinical(
        "front of shin 3/10 at 70 km a week: anterior tibia",
        weekly(situation([pain("shin_front", 3)]), 70),
        "see_clinician",
        "bone_stress_injury",
        reasons=("front of the tibia",),
    ),
    Clinical(
        "groin tight 2/10 at 20 km a week: not a red flag, but the caution",
        weekly(situation([pain("groin", 2)]), 20),
        "load_advice",
        cautions=("femoral neck",),
    ),
    Clinical(
        "groin 2/10, weekly distance unknown: the caution",
        situation([pain("groin", 2)]),
        "load_advice",
        cautions=("femoral neck",),
    ),
    Clinical(
        "front of shin 2/10 at 25 km a week: caution, no red flag",
        weekly(situation([pain("shin_front", 2)]), 25),
        "load_advice",
        cautions=("front of the shin bone",),
    ),
]

NO_NEEDLESS_REST = [
    Clinical(
        "calf 2/10: keep running, monitor",
        situation([pain("calf", 2)]),
        "load_advice",
        advice=("keep running",),
        no_advice=("Rest from running",),
    ),
    Clinical(
        "hip 3/10: keep running, monitor",
        situation([pain("hip", 3)]),
        "load_advice",
        advice=("keep running",),
        no_advice=("Rest from running",),
    ),
    Clinical(
        "quad 1/10 after: keep running",
        situation([pain("quad", 1, timing="after")]),
        "load_advice",
        advice=("keep running",),
        no_advice=("Rest from running",),
    ),
    Clinical(
        "glute 2/10 with 3/10 last week: keep running",
        situation([pain("glute", 2)], history=[entry(6, pain("glute", 3))]),
        "load_advice",
        no_advice=("Rest from running",),
    ),
    Clinical(
        "calf 6/10: above the limit, rest",
        situation([pain("calf", 6)]),
        "load_advice",
        advice=("Rest from running",),
    ),
    Clinical(
        "hip 3/10 rising from 1/10: rest",
        situation([pain("hip", 4)], history=[entry(2, pain("hip", 1))]),
        "load_advice",
        advice=("Rest from running",),
    ),
]

NO_NEEDLESS_CUT_BACK = [
    Clinical(
        "shin 2/10 gone by next morning: no 'run less'",
        situation([pain("shin", 2)], states=[state("shin_splints", 1, last_full=8)]),
        "rehab",
        "shin_splints",
        advice=("keep running",),
        no_advice=("Run less", "while the shin settles"),
    ),
    Clinical(
        "pain-free shin run: not told 'while the shin settles'",
        situation(
            [pain("shin", negated=True)],
            history=[entry(3, pain("shin", 4))],
            states=[state("shin_splints", 1, last_full=8)],
        ),
        "rehab",
        "shin_splints",
        advice=("Pain has gone",),
        no_advice=("Run less", "while the shin settles"),
    ),
    Clinical(
        "new shin 1/10: start the programme without cutting back",
        situation([pain("shin", 1)]),
        "rehab",
        "shin_splints",
        no_advice=("Run less", "while the shin settles"),
    ),
    Clinical(
        "shin 0/10 today: no cut-back",
        situation([pain("shin", 0)], states=[state("shin_splints", 2, last_full=9)]),
        "rehab",
        "shin_splints",
        no_advice=("Run less", "while the shin settles"),
    ),
    Clinical(
        "insertional achilles 2/10: no 'cut hills' line",
        situation([pain("achilles_insertion", 2)]),
        "rehab",
        "achilles_insertional",
        no_advice=("Cut hills",),
    ),
    Clinical(
        "shin 5/10: run less",
        situation([pain("shin", 5)], states=[state("shin_splints", 1, last_full=9)]),
        "rehab",
        "shin_splints",
        advice=("Run less",),
    ),
]

NEXT_MORNING = [
    Clinical(
        "hamstring still sore next morning 2/10: reduce",
        situation([pain("high_hamstring", 2, timing="next_morning")]),
        "rehab",
        "high_hamstring_tendinopathy",
        1,
        advice=("still there the next morning", "Cut back"),
        next_phase=1,
    ),
    Clinical(
        "shin still sore the next morning 3/10: reduce, step back",
        situation(
            [pain("shin", 3, timing="next_morning")],
            states=[state("shin_splints", 2, last_full=3)],
        ),
        "rehab",
        "shin_splints",
        1,
        reasons=("not settled by the next morning",),
        advice=("Run less",),
        next_phase=1,
    ),
    Clinical(
        "knee 4/10 next day: reduce",
        situation([pain("knee_front", 4, timing="next_morning")]),
        "rehab",
        "patellofemoral_pain",
        advice=("Cut back",),
    ),
    Clinical(
        "IT band 1/10 still there next morning, phase 2: step back",
        situation(
            [pain("knee_outer", 1, timing="next_morning")],
            states=[state("it_band_syndrome", 2, last_full=3)],
        ),
        "rehab",
        "it_band_syndrome",
        1,
        next_phase=1,
    ),
    Clinical(
        "sit bone tight next morning, no score: not settled",
        situation(
            [pain("high_hamstring", timing="next_morning")],
            states=[state("high_hamstring_tendinopathy", 2, last_full=2)],
        ),
        "rehab",
        "high_hamstring_tendinopathy",
        1,
        next_phase=1,
    ),
    Clinical(
        "calf 3/10 still sore next morning, no programme: rest",
        situation([pain("calf", 3, timing="next_morning")]),
        "load_advice",
        advice=("Rest from running",),
    ),
]

USUAL_MORNING = [
    Clinical(
        "first-step heel pain 3/10: the condition, start phase 1 without cutting back",
        situation([pain("plantar_heel", 3, timing="next_morning")]),
        "rehab",
        "plantar_fasciitis",
        1,
        advice=("how this condition shows itself",),
        no_advice=("Cut back",),
    ),
    Clinical(
        "first-step heel pain same as last week, phase 2: hold",
        situation(
            [pain("plantar_heel", 3, timing="next_morning")],
            history=[entry(6, pain("plantar_heel", 3, timing="next_morning"))],
            states=[state("plantar_fasciitis", 2, last_full=9, phase_started=9)],
        ),
        "rehab",
        "plantar_fasciitis",
        2,
        next_phase=2,
        no_advice=("Cut back",),
    ),
    Clinical(
        "achilles morning stiffness 2/10, phase 2: no step back",
        situation(
            [pain("achilles", 2, timing="next_morning")],
            states=[state("achilles_tendinopathy", 2, last_full=9, phase_started=9)],
        ),
        "rehab",
        "achilles_tendinopathy",
        2,
        next_phase=2,
    ),
    Clinical(
        "achilles morning stiffness up from 1/10 to 4/10: step back",
        situation(
            [pain("achilles", 4, timing="next_morning")],
            history=[entry(5, pain("achilles", 1, timing="next_morning"))],
            states=[state("achilles_tendinopathy", 2, last_full=9)],
        ),
        "rehab",
        "achilles_tendinopathy",
        1,
        reasons=("higher than on earlier mornings",),
        next_phase=1,
    ),
    Clinical(
        "heel first steps 2/10 after a 3/10 run: not a warning",
        situation(
            [pain("plantar_heel", 2, timing="next_morning")],
            history=[entry(1, pain("plantar_heel", 3, timing="during"))],
        ),
        "rehab",
        "plantar_fasciitis",
        1,
        no_advice=("Cut back",),
    ),
    Clinical(
        "insertional achilles morning stiffness 3/10: the condition",
        situation([pain("achilles_insertion", 3, timing="next_morning")]),
        "rehab",
        "achilles_insertional",
        1,
        no_advice=("Cut back",),
    ),
]

NO_EVIDENCE = [
    Clinical(
        "shin programme, calm entries, no note today: hold and ask to log",
        situation(
            history=[entry(4, pain("shin", 1)), entry(2, pain("shin", 1))],
            states=[state("shin_splints", 1, last_full=9)],
        ),
        "rehab",
        "shin_splints",
        1,
        reasons=("No pain logged",),
        advice=("Log how it felt",),
        next_phase=1,
    ),
    Clinical(
        "plantar phase 1 past 14 days, no note: no advance",
        situation(
            history=[entry(3, pain("plantar_heel", 2))],
            states=[state("plantar_fasciitis", 1, started=16, last_full=9)],
        ),
        "rehab",
        "plantar_fasciitis",
        1,
        advice=("Log how it felt",),
        next_phase=1,
    ),
    Clinical(
        "achilles flared yesterday, no note today: no step back either",
        situation(
            history=[entry(1, pain("achilles", 6))],
            states=[state("achilles_tendinopathy", 2, last_full=9)],
        ),
        "rehab",
        "achilles_tendinopathy",
        2,
        next_phase=2,
    ),
    Clinical(
        "knee programme, no note, within cooldown: continue, log how it felt",
        situation(states=[state("patellofemoral_pain", 1, last_full=2)]),
        "continue",
        "patellofemoral_pain",
        1,
        advice=("Log how it felt",),
        next_phase=1,
    ),
    Clinical(
        "IT band calm history, no note: hold",
        situation(
            history=[entry(5, pain("knee_outer", 0)), entry(3, pain("knee_outer", 1))],
            states=[state("it_band_syndrome", 1, last_full=10)],
        ),
        "rehab",
        "it_band_syndrome",
        1,
        next_phase=1,
    ),
    Clinical(
        "logged 'no shin pain' is evidence: moves on",
        situation(
            [pain("shin", negated=True)],
            history=[entry(2, pain("shin", 1))],
            states=[state("shin_splints", 1, last_full=2)],
        ),
        "rehab",
        "shin_splints",
        2,
        next_phase=2,
    ),
]

PHASE_START = [
    Clinical(
        "plantar phase 2 started 3 days ago (programme 20 days old): stay in phase 2",
        situation(
            [pain("plantar_heel", 2)],
            states=[state("plantar_fasciitis", 2, started=20, last_full=3, phase_started=3)],
        ),
        "continue",
        "plantar_fasciitis",
        2,
        next_phase=2,
    ),
    Clinical(
        "plantar phase 2 started 14 days ago: on to phase 3 (week 5)",
        situation(
            [pain("plantar_heel", 2)],
            states=[state("plantar_fasciitis", 2, started=28, last_full=14, phase_started=14)],
        ),
        "rehab",
        "plantar_fasciitis",
        3,
        next_phase=3,
        doses=(("high_load_heel_raise", 5, 8),),
    ),
    Clinical(
        "plantar phase 3 stored too early (programme day 16): 10RM x 4, not 8RM",
        situation(
            [pain("plantar_heel", 2)],
            states=[state("plantar_fasciitis", 3, started=16, last_full=2, phase_started=2)],
        ),
        "continue",
        "plantar_fasciitis",
        3,
        doses=(("high_load_heel_raise", 4, 10),),
    ),
    Clinical(
        "plantar phase 2 stored in week 2: still 12RM x 3",
        situation(
            [pain("plantar_heel", 2)],
            states=[state("plantar_fasciitis", 2, started=9, last_full=9, phase_started=9)],
        ),
        "rehab",
        "plantar_fasciitis",
        2,
        doses=(("high_load_heel_raise", 3, 12),),
    ),
    Clinical(
        "plantar phase 1 in week 1: 12RM x 3",
        situation([pain("plantar_heel", 3)]),
        "rehab",
        "plantar_fasciitis",
        1,
        doses=(("high_load_heel_raise", 3, 12),),
    ),
    Clinical(
        "plantar stepped back from 3 to 2 in week 6: 10RM x 4",
        situation(
            [pain("plantar_heel", 6)],
            states=[state("plantar_fasciitis", 3, started=38, last_full=2, phase_started=8)],
        ),
        "rehab",
        "plantar_fasciitis",
        2,
        doses=(("high_load_heel_raise", 4, 10),),
    ),
]

INSERTIONAL = [
    Clinical(
        "insertional achilles 3/10: floor-level programme",
        situation([pain("achilles_insertion", 3)]),
        "rehab",
        "achilles_insertional",
        1,
        exercises=frozenset({"floor_heel_drop_straight", "floor_heel_drop_bent"}),
    ),
    Clinical(
        "insertional achilles left 4/10 after",
        situation([pain("achilles_insertion", 4, side="left", timing="after")]),
        "rehab",
        "achilles_insertional",
        1,
        exercises=frozenset({"floor_heel_drop_straight"}),
    ),
    Clinical(
        "insertional achilles 2/10 after two calm entries: phase 2",
        situation(
            [pain("achilles_insertion", 1)],
            history=[entry(3, pain("achilles_insertion", 2))],
            states=[state("achilles_insertional", 1, last_full=3)],
        ),
        "rehab",
        "achilles_insertional",
        2,
        next_phase=2,
    ),
    Clinical(
        "insertional achilles 6/10: step back",
        situation(
            [pain("achilles_insertion", 6)],
            states=[state("achilles_insertional", 2, last_full=3)],
        ),
        "rehab",
        "achilles_insertional",
        1,
        next_phase=1,
    ),
    Clinical(
        "mid-portion achilles keeps the standard heel drops",
        situation([pain("achilles", 3)]),
        "rehab",
        "achilles_tendinopathy",
        1,
        exercises=frozenset({"eccentric_heel_drop_straight"}),
    ),
]

ALL = [
    *RED_FLAGS,
    *NO_NEEDLESS_REST,
    *NO_NEEDLESS_CUT_BACK,
    *NEXT_MORNING,
    *USUAL_MORNING,
    *NO_EVIDENCE,
    *PHASE_START,
    *INSERTIONAL,
]
