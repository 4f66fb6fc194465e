"""Notes as runners write them, for the clinical classes of issue 10.

Each row: a note and the reports it must give, (region, side, score, timing, negated), plus the
red flags and trend where they matter.
"""

from __future__ import annotations

import pytest
from tests.pain.pain_support import english

from strava_rehab.pain import PainReport, parse_pain, read_note

Expected = tuple[str | None, str | None, float | None, str | None, bool]


def _summary(report: PainReport) -> Expected:
    return (report.region, report.side, report.score, report.timing, report.negated)


# Pain at rest: any way of saying it hurts without running or loading.
REST_PAIN = [
    "shin aches even when I'm not running",
    "knee hurts sitting on the sofa",
    "shin hurts all the time now, 3/10",
    "hip hurts on rest days too",
    "heel pain even doing nothing",
    "left shin throbs lying down 4/10",
    "groin sore on my rest day",
    "foot pain constantly since sunday",
]

# Pain that builds during the run: a red flag on its own, without focal pain.
BUILDING = [
    "shin 3/10 got progressively worse through the run",
    "knee pain built up over the run 5/10",
    "shin started fine but kept getting worse",
    "achilles hurt more and more as I ran, 4/10 by the end",
    "hip ache got worse as I went",
    "calf 2/10 at the start, worse towards the end",
    "foot sorer and sorer every km",
]


@pytest.mark.parametrize("note", REST_PAIN)
def test_pain_without_running_is_rest_pain(note: str) -> None:
    reports = parse_pain(note, english())
    assert reports, note
    assert any("rest_pain" in r.red_flags and not r.negated for r in reports)


@pytest.mark.parametrize("note", BUILDING)
def test_pain_that_builds_during_the_run_is_a_red_flag(note: str) -> None:
    reports = parse_pain(note, english())
    assert any("worsening_during_run" in r.red_flags and not r.negated for r in reports), [
        (r.region, r.red_flags) for r in reports
    ]


# Easing off at rest, or ruling a red flag out, is no red flag.
NO_REST_PAIN = [
    ("shin sore when running but fine at rest", [("shin", None, None, "during", False)]),
    ("knee 2/10, ok at night", [("knee_front", None, 2.0, None, False)]),
    ("achilles 3/10 during, pain free at rest", [("achilles", None, 3.0, "during", False)]),
    (
        "heel sore first steps, nothing at night",
        [("plantar_heel", None, None, "next_morning", False)],
    ),
    ("calf tight, not sore at rest", [("calf", None, None, None, False)]),
]


@pytest.mark.parametrize(("note", "expected"), NO_REST_PAIN, ids=[n for n, _ in NO_REST_PAIN])
def test_fine_at_rest_is_not_rest_pain(note: str, expected: list[Expected]) -> None:
    reports = parse_pain(note, english())
    assert [_summary(r) for r in reports] == expected
    assert not any(r.red_flags for r in reports)


# Someone else's pain records nothing; the runner's own pain next to it is kept.
OTHERS: list[tuple[str, list[Expected]]] = [
    ("My running partner's knee was killing her", []),
    ("Sarah's achilles is sore, 5/10", []),
    ("coach says his hamstring hurts", []),
    ("my daughter's knee hurts after netball", []),
    ("Ran with Tom, his calf was tight", []),
    ("She was limping at the end", []),
    ("Tom was limping after 10k", []),
    ("Easy 8k with my wife. Her shin is sore 4/10", []),
    (
        "Ran with Sarah, her knee was bad, my shin 3/10",
        [("shin", None, 3.0, None, False)],
    ),
    ("Told my coach my knee hurts 3/10", [("knee_front", None, 3.0, None, False)]),
    ("Ran with Sarah today. Knee sore 3/10.", [("knee_front", None, 3.0, None, False)]),
    ("runner's knee flaring 3/10", [("knee_front", None, 3.0, None, False)]),
]


@pytest.mark.parametrize(("note", "expected"), OTHERS, ids=[n for n, _ in OTHERS])
def test_someone_elses_pain_is_not_recorded(note: str, expected: list[Expected]) -> None:
    assert [_summary(r) for r in parse_pain(note, english())] == expected


# What provokes the pain is not a trend; only a comparison across runs or days is.
PROVOKED = [
    ("knee worse on hills", "knee_front"),
    ("knee worse going downhill 4/10", "knee_front"),
    ("sit bone worse when sitting", "high_hamstring"),
    ("shin worse with speed work", "shin"),
    ("stairs make my knee worse", "knee_front"),
    ("knee getting worse during intervals", "knee_front"),
    ("groin worse on the uphills, 3/10", "groin"),
]


@pytest.mark.parametrize(("note", "region"), PROVOKED)
def test_a_provocation_is_pain_but_not_a_trend(note: str, region: str) -> None:
    [report] = parse_pain(note, english())
    assert report.region == region
    assert not report.negated
    assert report.trend is None
    assert "worsening_during_run" not in report.red_flags


@pytest.mark.parametrize(
    ("note", "trend"),
    [
        ("knee getting worse this week", "worse"),
        ("shin worse than yesterday 4/10", "worse"),
        ("knee pain worse on hills, but better than last week", "better"),
        ("achilles worse again today", "worse"),
        ("heel same as yesterday", "same"),
    ],
)
def test_a_comparison_across_days_is_a_trend(note: str, trend: str) -> None:
    [report] = parse_pain(note, english())
    assert report.trend == trend


# Negated red flags do not swallow the symptom named alongside them.
NEGATED_FLAGS: list[tuple[str, list[Expected]]] = [
    ("no night pain or limping, knee a bit sore 3/10", [("knee_front", None, 3.0, None, False)]),
    ("No pain at rest, shin 3/10 during", [("shin", None, 3.0, "during", False)]),
    (
        "no swelling, no numbness, just a bit of shin soreness 2/10",
        [("shin", None, 2.0, None, False)],
    ),
    ("not swollen, not numb, achilles tight", [("achilles", None, None, None, False)]),
    (
        "no pain at night, heel 2/10 first steps",
        [("plantar_heel", None, 2.0, "next_morning", False)],
    ),
    ("didn't limp, no pop, calf tight 2/10", [("calf", None, 2.0, None, False)]),
    # A whole "no pain" still negates.
    ("hamstring tight but no pain", [("hamstring", None, None, None, True)]),
    ("no pain at night", [(None, None, None, None, True)]),
]


@pytest.mark.parametrize(("note", "expected"), NEGATED_FLAGS, ids=[n for n, _ in NEGATED_FLAGS])
def test_negated_red_flags_keep_the_symptom(note: str, expected: list[Expected]) -> None:
    reports = parse_pain(note, english())
    assert [_summary(r) for r in reports] == expected
    assert not any(r.red_flags for r in reports)


# Typos in region words: read when exactly one region is that close, else kept unknown.
TYPOS: list[tuple[str, str | None]] = [
    ("achiles sore 3/10", "achilles"),
    ("hamstrng tight", "hamstring"),
    ("shinn 4/10", "shin"),
    ("kneee sore", "knee_front"),
    ("left calff tight", "calf"),
    ("hamsrting 3/10 after", "hamstring"),
    ("plantar fascitis 4/10", "plantar_heel"),
    ("gluet sore", "glute"),
    # Real words near a region word, or too far from any, stay unknown.
    ("heal sore", None),
    ("grain sore", None),
    ("zorgle sore", None),
]


@pytest.mark.parametrize(("note", "region"), TYPOS)
def test_typos_in_region_words(note: str, region: str | None) -> None:
    [report] = parse_pain(note, english())
    assert report.region == region
    if region is None:
        assert report.unknown_terms


def test_a_word_that_is_not_a_typo_of_one_region_stays_unknown() -> None:
    # "March" is a month, not a misspelt "arch".
    assert [r.region for r in parse_pain("March 4th, knee sore", english())] == ["knee_front"]


# A note that is not understood is never silently dropped.
UNREAD = [
    ("zorgle 4/10", "zorgle 4/10"),
    ("Flibber 3/10 after", "Flibber 3/10 after"),
    ("my wotsit hurts", "my wotsit hurts"),
    ("sore 4/10", "sore 4/10"),
    ("Tempo 7/10, knee sore", "Tempo 7/10"),
]


@pytest.mark.parametrize(("note", "fragment"), UNREAD)
def test_what_could_not_be_read_is_reported(note: str, fragment: str) -> None:
    reading = read_note(note, english())
    assert fragment in reading.unread
    assert reading.reports == parse_pain(note, english())


@pytest.mark.parametrize(
    "note", ["left shin sore 4/10", "Great session 8/10", "HR 150, 10k", "knee fine", ""]
)
def test_a_note_that_was_understood_has_nothing_unread(note: str) -> None:
    assert read_note(note, english()).unread == []


# New regions: the insertional Achilles and the high-risk bone-stress sites.
SITES = [
    ("insertional achilles 4/10", "achilles_insertion"),
    ("pain at the base of my achilles 3/10", "achilles_insertion"),
    ("achilles insertion sore first thing", "achilles_insertion"),
    ("sore where the achilles meets the heel", "achilles_insertion"),
    ("top of midfoot sore 3/10", "midfoot"),
    ("navicular pain", "midfoot"),
    ("front of shin sore 3/10", "shin_front"),
    ("deep groin ache 3/10", "groin"),
    ("front of hip sore", "groin"),
    ("achilles tendon sore 3/10", "achilles"),
]


@pytest.mark.parametrize(("note", "region"), SITES)
def test_sites(note: str, region: str) -> None:
    assert [r.region for r in parse_pain(note, english())] == [region]
