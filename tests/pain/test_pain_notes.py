"""The pain parser on notes as runners actually write them.

Each row is a note and the reports it must give, in order: (region, side, score, timing, negated).
"""

from __future__ import annotations

import pytest
from tests.pain.pain_support import english

from strava_rehab.pain import MAX_NOTE_CHARS, PainReport, parse_pain

Expected = tuple[str | None, str | None, float | None, str | None, bool]

NOTES: list[tuple[str, list[Expected]]] = [
    # The examples from the product brief.
    ("left shin sore 4/10", [("shin", "left", 4.0, None, False)]),
    ("heel pain on first steps, 3", [("plantar_heel", None, 3.0, "next_morning", False)]),
    ("#pain knee 2/10", [("knee_front", None, 2.0, None, False)]),
    ("hamstring tight but no pain", [("hamstring", None, None, None, True)]),
    ("no shin pain today!", [("shin", None, None, None, True)]),
    ("R achilles tight first 2k", [("achilles", "right", None, "during", False)]),
    ("knee niggle", [("knee_front", None, None, None, False)]),
    ("sit bone hurts when sitting 3/10", [("high_hamstring", None, 3.0, None, False)]),
    (
        "outside of left knee sharp at km 8, 6/10",
        [("knee_outer", "left", 6.0, "during", False)],
    ),
    ("pain at night in my right shin 5/10", [("shin", "right", 5.0, "at_night", False)]),
    ("bilateral calves tight", [("calf", "both", None, None, False)]),
    ("ITB flared up again 4 out of 10", [("knee_outer", None, 4.0, None, False)]),
    # Several regions in one note: score and side bind to the nearest region of their clause.
    (
        "left shin 3/10, right knee 2/10",
        [("shin", "left", 3.0, None, False), ("knee_front", "right", 2.0, None, False)],
    ),
    (
        "Left calf 3/10 and right achilles 5/10 after",
        [("calf", "left", 3.0, None, False), ("achilles", "right", 5.0, "after", False)],
    ),
    (
        "left shin and right knee sore",
        [("shin", "left", None, None, False), ("knee_front", "right", None, None, False)],
    ),
    (
        "knee 2/10 during, 4/10 after",
        [("knee_front", None, 2.0, "during", False), ("knee_front", None, 4.0, "after", False)],
    ),
    (
        "Tempo 8k @ 4:05/km. Left achilles 2/10 during, tight next morning.",
        [
            ("achilles", "left", 2.0, "during", False),
            ("achilles", "left", None, "next_morning", False),
        ],
    ),
    (
        "knee sore, pinky toe hurts",
        [("knee_front", None, None, None, False), (None, None, None, None, False)],
    ),
    (
        "Knee ok. Hip sore.",
        [("knee_front", None, None, None, True), ("hip", None, None, None, False)],
    ),
    # Distances, paces, times, heart rates, dates and splits are not scores.
    ("10k easy, 4:30/km, calf tight", [("calf", None, None, None, False)]),
    ("Ran 5 km in 25:10, knee sore", [("knee_front", None, None, None, False)]),
    (
        "Intervals 6x800m @ 3:10/km. Avg HR 168. Hip flexor tight.",
        [("groin", None, None, None, False)],
    ),
    ("3/10/2024 long run, glute sore 3/10", [("glute", None, 3.0, None, False)]),
    ("Easy 6 miles, mile 3 shin twinge", [("shin", None, None, "during", False)]),
    ("knee sore after 5", [("knee_front", None, None, "after", False)]),
    ("HR 150, 10k, splits 4:30 4:25 4:20", []),
    # Other score forms.
    ("VAS 40/100 achilles after", [("achilles", None, 4.0, "after", False)]),
    ("hip 3/5", [("hip", None, 6.0, None, False)]),
    ("12/10 groin pain", [("groin", None, 10.0, None, False)]),
    ("pain: 3", [(None, None, 3.0, None, False)]),
    ("ITB 2 / 10 post-run", [("knee_outer", None, 2.0, "after", False)]),
    ("PF 4 out of 10 this morning", [("plantar_heel", None, 4.0, "next_morning", False)]),
    ("glute 3-4/10 during", [("glute", None, 4.0, "during", False)]),
    ("Left knee: 3/10", [("knee_front", "left", 3.0, None, False)]),
    ("SI joint sore, 2/10", [("lower_back", None, 2.0, None, False)]),
    ("plantar fasciitis flaring, 5/10 AM", [("plantar_heel", None, 5.0, "next_morning", False)]),
    # Sides: a bare L/R only next to a body word; "right after" is not a side.
    ("knee (L) 3/10", [("knee_front", "left", 3.0, None, False)]),
    ("right after the run my knee hurt", [("knee_front", None, None, "after", False)]),
    ("both shins 3/10 at night", [("shin", "both", 3.0, "at_night", False)]),
    ("L/R calves tight", [("calf", "both", None, None, False)]),
    # Timing words.
    ("AM stiffness in left heel", [("plantar_heel", "left", None, "next_morning", False)]),
    ("I am sore in the knee", [("knee_front", None, None, None, False)]),
    ("woke me up with calf pain", [("calf", None, None, "at_night", False)]),
    ("lower back tight after the long run", [("lower_back", None, None, "after", False)]),
    ("back of heel sore next morning", [("achilles", None, None, "next_morning", False)]),
    ("high hamstring 3/10 at rest", [("high_hamstring", None, 3.0, "at_rest", False)]),
    ("Knee sore 3/10. Worse at night.", [("knee_front", None, 3.0, "at_night", False)]),
    # Negation.
    ("knee felt fine", [("knee_front", None, None, None, True)]),
    ("pain-free run!", [(None, None, None, None, True)]),
    ("no pain", [(None, None, None, None, True)]),
    ("achilles no longer hurts", [("achilles", None, None, None, True)]),
    ("didn't hurt at all, left shin 0/10", [("shin", "left", 0.0, None, True)]),
    ("Achilles 3/10 but no swelling", [("achilles", None, 3.0, None, False)]),
    (
        "knee: 3/10 hip: 2/10",
        [("knee_front", None, 3.0, None, False), ("hip", None, 2.0, None, False)],
    ),
    (
        "L shin 3, R shin 5",
        [("shin", "left", 3.0, None, False), ("shin", "right", 5.0, None, False)],
    ),
    ("Shins!! 😩 4/10", [("shin", None, 4.0, None, False)]),
    ("Knee sore. 3/10.", [("knee_front", None, 3.0, None, False)]),
    # Ratings of something other than pain.
    ("RPE 7/10, knee sore", [("knee_front", None, None, None, False)]),
    ("sleep 6/10, achilles 2/10", [("achilles", None, 2.0, None, False)]),
    ("Session 7/10, knee sore", [("knee_front", None, None, None, False)]),
    ("Great session 8/10", []),
    ("Knee sore. Great session 8/10.", [("knee_front", None, None, None, False)]),
    # No pain mentioned, or only workout words that name a body part.
    ("legs felt great", []),
    ("calf raises after the run, hip mobility", []),
    ("Hip mobility + easy 5k", []),
    ("", []),
    # Unknown body words: a region-less report, never a guessed region.
    ("sore 4/10", [(None, None, 4.0, None, False)]),
    ("my pinky toe hurts", [(None, None, None, None, False)]),
    ("left foot sore", [(None, "left", None, None, False)]),
]


def _summary(report: PainReport) -> Expected:
    return (report.region, report.side, report.score, report.timing, report.negated)


def test_the_table_is_big_enough() -> None:
    assert len(NOTES) >= 40


@pytest.mark.parametrize(("note", "expected"), NOTES, ids=[n for n, _ in NOTES])
def test_note_reads_as_expected(note: str, expected: list[Expected]) -> None:
    assert [_summary(r) for r in parse_pain(note, english())] == expected


@pytest.mark.parametrize(
    ("note", "trend"),
    [
        ("ITB flared up again 4 out of 10", "worse"),
        ("knee better than yesterday", "better"),
        ("shin same as yesterday 2/10", "same"),
        ("calf getting worse", "worse"),
        ("achilles 3/10, easing", "better"),
        ("left shin sore 4/10", None),
    ],
)
def test_trend(note: str, trend: str | None) -> None:
    [report] = parse_pain(note, english())
    assert report.trend == trend


@pytest.mark.parametrize(
    ("note", "flags"),
    [
        ("pain at night in my right shin 5/10", {"night_pain"}),
        ("shin 4/10 even at rest", {"rest_pain"}),
        ("knee got worse as I ran", {"worsening_during_run"}),
        ("limping after, achilles 7/10", {"limping"}),
        ("shin hurts to hop", {"hop_pain"}),
        ("shin pain in one spot on the bone", {"focal_tenderness"}),
        ("heel sore, hurts to walk", {"walking_pain"}),
        ("swollen ankle, can't bear weight", {"swelling", "cannot_bear_weight"}),
        ("knee red and hot to the touch", {"redness_heat"}),
        ("pins and needles in my calf", {"numbness"}),
        ("hamstring gave way, sharp pain", {"weakness"}),
        ("felt a pop in my calf", {"pop_or_snap"}),
        ("tripped and fell, hip sore", {"fall_or_impact"}),
        ("knee sore and feverish", {"feeling_unwell"}),
        ("Limping.", {"limping"}),
        ("left shin sore 4/10", set()),
        ("Achilles 3/10 but no swelling", set()),
        ("no numbness or tingling, calf tight", set()),
        ("shin sore, no pain at night", set()),
    ],
)
def test_red_flag_terms(note: str, flags: set[str]) -> None:
    reports = parse_pain(note, english())
    assert reports
    assert {flag for r in reports for flag in r.red_flags} == flags


def test_unknown_body_words_are_kept_not_guessed() -> None:
    [report] = parse_pain("my pinky toe hurts", english())
    assert report.region is None
    assert report.unknown_terms == ("pinky toe",)
    assert report.symptoms == ("hurts",)


def test_an_unknown_sore_spot_next_to_a_known_one_is_its_own_report() -> None:
    knee, other = parse_pain("knee sore, pinky toe hurts", english())
    assert (knee.region, knee.unknown_terms) == ("knee_front", ())
    assert (other.region, other.unknown_terms) == (None, ("pinky toe",))


def test_tightness_is_noted_when_pain_is_denied() -> None:
    [report] = parse_pain("hamstring tight but no pain", english())
    assert report.negated
    assert report.symptoms == ("tight",)


@pytest.mark.parametrize(
    ("note", "confidence"),
    [
        ("left shin sore 4/10", "high"),
        ("VAS 40/100 achilles", "high"),
        ("knee pain 3", "high"),
        ("hip 3/5", "low"),
        ("heel pain on first steps, 3", "low"),
        ("knee niggle", None),
    ],
)
def test_score_confidence(note: str, confidence: str | None) -> None:
    [report] = parse_pain(note, english())
    assert report.score_confidence == confidence


def test_a_fraction_out_of_five_is_not_read_before_an_unknown_word() -> None:
    [report] = parse_pain("did 3/5 reps, knee sore", english())
    assert report.score is None


def test_word_estimates_rank_severity_but_never_become_a_score() -> None:
    niggle, sore, sharp = (
        parse_pain(note, english())[0] for note in ("knee niggle", "knee sore", "knee sharp")
    )
    assert niggle.estimated_score is not None
    assert sore.estimated_score is not None
    assert sharp.estimated_score is not None
    assert niggle.estimated_score < sore.estimated_score < sharp.estimated_score
    assert (niggle.score, sore.score, sharp.score) == (None, None, None)


def test_negated_words_give_no_estimate() -> None:
    [report] = parse_pain("no shin pain today!", english())
    assert report.estimated_score is None
    assert report.symptoms == ()


def test_text_is_the_source_fragment() -> None:
    note = "Easy 10k. Left knee sore after, 3/10. Legs fine."
    [report] = parse_pain(note, english())
    assert report.text == "Left knee sore after, 3/10"
    assert report.text in note


def test_only_the_first_max_note_chars_are_read() -> None:
    filler = "x" * MAX_NOTE_CHARS
    assert parse_pain(filler + " knee sore 3/10", english()) == []
    assert [r.region for r in parse_pain("knee sore 3/10 " + filler, english())] == ["knee_front"]


def test_reports_come_in_the_order_written() -> None:
    note = "Right hip 2/10. Left shin sore, knee fine.\nAchilles tight"
    regions = [r.region for r in parse_pain(note, english())]
    assert regions == ["hip", "shin", "knee_front", "achilles"]
