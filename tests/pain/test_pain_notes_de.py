"""German pain notes as runners write them: compounds ("Knieschmerzen"), umlauts left out
("Huefte", "Fussohle"), abbreviations ("li", "re."), typos ("Schienbien", "Wadne").

Each row is a note and the reports it must give, in order:
(region, side, score, timing, negated, red_flags).
"""

from __future__ import annotations

import functools

import pytest

from strava_rehab.content import default_vocabulary_path, load_vocabulary
from strava_rehab.pain import Vocabulary, parse_pain

Expected = tuple[str | None, str | None, float | None, str | None, bool, tuple[str, ...]]


@functools.cache
def german() -> Vocabulary:
    return load_vocabulary(default_vocabulary_path("de"))


NOTES: list[tuple[str, list[Expected]]] = [
    ("linkes Schienbein tut weh, 4/10, nach dem Lauf", [("shin", "left", 4.0, "after", False, ())]),
    ("Knieschmerzen rechts 3 von 10", [("knee_front", "right", 3.0, None, False, ())]),
    ("Wadenkrampf links bei km 8", [("calf", "left", None, "during", False, ())]),
    ("keine Schmerzen im Knie", [("knee_front", None, None, None, True, ())]),
    ("Huefte li 5/10 nachts", [("hip", "left", 5.0, "at_night", False, ("night_pain",))]),
    (
        "Achillessehnenschmerzen am nächsten Morgen",
        [("achilles", None, None, "next_morning", False, ())],
    ),
    ("Knie tut nicht weh", [("knee_front", None, None, None, True, ())]),
    (
        "Fussohle brennt beim Aufstehen, 3/10",
        [("plantar_heel", None, 3.0, "next_morning", False, ())],
    ),
    (
        "Schienbein re. zieht, wurde immer schlimmer",
        [("shin", "right", None, None, False, ("worsening_during_run",))],
    ),
    (
        "Ruheschmerz in der Leiste, kann kaum auftreten",
        [("groin", None, None, None, False, ("rest_pain", "cannot_bear_weight"))],
    ),
    ("mein Partner hat Knieschmerzen", []),
    (
        "Oberschenkelrückseite links zwickt leicht 2/10",
        [("hamstring", "left", 2.0, None, False, ())],
    ),
    ("Wade spannt, Schmerz eine 3", [("calf", None, 3.0, None, False, ())]),
    (
        "Ferse rechts morgens steif, die ersten Schritte 4/10",
        [("plantar_heel", "right", 4.0, "next_morning", False, ())],
    ),
    (
        "Fersenschmerzen links beim Aufstehen",
        [("plantar_heel", "left", None, "next_morning", False, ())],
    ),
    (
        "Achillessehne rechts 2/10 waehrend dem Laufen",
        [("achilles", "right", 2.0, "during", False, ())],
    ),
    ("Kniescheibe schmerzt bergab 5/10", [("knee_front", None, 5.0, "during", False, ())]),
    ("IT-Band links nach 6 km, 6/10", [("knee_outer", "left", 6.0, "during", False, ())]),
    ("Läuferknie rechts wieder da, 4 von 10", [("knee_outer", "right", 4.0, None, False, ())]),
    ("Leistenschmerzen beidseitig nach dem Lauf", [("groin", "both", None, "after", False, ())]),
    ("Hüfte rechts 3/10, danach besser", [("hip", "right", 3.0, "after", False, ())]),
    ("Oberschenkelruckseite re zieht", [("hamstring", "right", None, None, False, ())]),
    (
        "Knöchel geschwollen nach dem Umknicken, kann nicht auftreten",
        [("ankle", None, None, None, False, ("swelling", "cannot_bear_weight"))],
    ),
    (
        "Knoechel links geschwollen und warm beim Anfassen",
        [("ankle", "left", None, None, False, ("swelling", "redness_heat"))],
    ),
    ("Schienbein schmerzfrei heute", [("shin", None, None, None, True, ())]),
    (
        "Wade links ok, Knie rechts 2/10",
        [("calf", "left", None, None, True, ()), ("knee_front", "right", 2.0, None, False, ())],
    ),
    ("Kein Schmerz, alles gut", [(None, None, None, None, True, ())]),
    (
        "Schienbeinkante li 3/10 nachts im Bett",
        [("shin", "left", 3.0, "at_night", False, ("night_pain",))],
    ),
    ("LWS 4/10 nach dem Lauf", [("lower_back", None, 4.0, "after", False, ())]),
    ("unterer Rücken zieht morgens", [("lower_back", None, None, "next_morning", False, ())]),
    ("Gesäß links 3/10 beim Sitzen", [("glute", "left", 3.0, None, False, ())]),
    (
        "Sitzbein rechts 4/10, schlimmer beim Sitzen",
        [("high_hamstring", "right", 4.0, None, False, ())],
    ),
    ("Po rechts zwickt bergauf", [("glute", "right", None, "during", False, ())]),
    (
        "Fußrücken links 5/10, Druckschmerz auf dem Knochen",
        [("midfoot", "left", 5.0, None, False, ("focal_tenderness",))],
    ),
    ("Vorfuss rechts brennt die letzten 3 km", [("forefoot", "right", None, "during", False, ())]),
    ("Mittelfuß links 6/10 beim Gehen", [("midfoot", "left", 6.0, None, False, ("walking_pain",))]),
    ("Achilessehne li. 3/10 nach dem Laufen", [("achilles", "left", 3.0, "after", False, ())]),
    ("Schienbien rechts 4/10", [("shin", "right", 4.0, None, False, ())]),
    ("Wadne links zieht", [("calf", "left", None, None, False, ())]),
    ("Knie humpeln nach dem Lauf 7/10", [("knee_front", None, 7.0, "after", False, ("limping",))]),
    ("meine Freundin hat Wadenschmerzen", []),
    ("Tom hat Knieschmerzen", []),
    (
        "Knie 2/10 waehrend, 4/10 danach",
        [
            ("knee_front", None, 2.0, "during", False, ()),
            ("knee_front", None, 4.0, "after", False, ()),
        ],
    ),
    ("Knie links wie gestern 3/10", [("knee_front", "left", 3.0, None, False, ())]),
    ("Wade rechts besser als gestern, 2/10", [("calf", "right", 2.0, None, False, ())]),
    ("Schienbein links schlechter, 5/10", [("shin", "left", 5.0, None, False, ())]),
    ("Knie nicht mehr geschwollen, 2/10", [("knee_front", None, 2.0, None, False, ())]),
    (
        "Fieber und Knieschmerzen 3/10",
        [("knee_front", None, 3.0, None, False, ("feeling_unwell",))],
    ),
    ("Schmerz: 4", [(None, None, 4.0, None, False, ())]),
    ("RPE 7/10, Knie ok", [("knee_front", None, None, None, True, ())]),
    ("Intervalle 6x800m, Wade 3/10", [("calf", None, 3.0, None, False, ())]),
    ("10 km locker in 55:00, Knie 2/10", [("knee_front", None, 2.0, None, False, ())]),
    ("Kniebeugen gemacht, alles gut", []),
    ("Huefte kribbelt, taub am Oberschenkel", [("hip", None, None, None, False, ("numbness",))]),
    ("beide Waden fest 3/10", [("calf", "both", 3.0, None, False, ())]),
    ("Schienbein li und re 4/10", [("shin", "both", 4.0, None, False, ())]),
    ("Knie (L) 3/10", [("knee_front", "left", 3.0, None, False, ())]),
    ("Hüftbeuger rechts 4/10 bei Tempo", [("groin", "right", 4.0, None, False, ())]),
    ("Leiste li bei km 5 stechend 6/10", [("groin", "left", 6.0, "during", False, ())]),
    (
        "Wade rechts knall gehört, kann nicht abdrücken",
        [("calf", "right", None, None, False, ("pop_or_snap", "weakness"))],
    ),
    ("Knie links knickt weg", [("knee_front", "left", None, None, False, ("weakness",))]),
    (
        "Schienbein links 4/10, auch in Ruhe",
        [("shin", "left", 4.0, "at_rest", False, ("rest_pain",))],
    ),
    ("Ferse beidseitig 3 von 10", [("plantar_heel", "both", 3.0, None, False, ())]),
    ("Zehenschmerzen links", [(None, "left", None, None, False, ())]),
    ("Fersensporn rechts 5/10", [("plantar_heel", "right", 5.0, None, False, ())]),
    (
        "Plantarfasziitis li morgens 4/10",
        [("plantar_heel", "left", 4.0, "next_morning", False, ())],
    ),
]


def test_there_are_at_least_forty_notes() -> None:
    assert len(NOTES) >= 40


@pytest.mark.parametrize(("note", "expected"), NOTES, ids=[n for n, _ in NOTES])
def test_note(note: str, expected: list[Expected]) -> None:
    reports = parse_pain(note, german())
    got = [(r.region, r.side, r.score, r.timing, r.negated, r.red_flags) for r in reports]
    assert got == expected


def test_the_issue_example_reads_shin_left_4_after() -> None:
    (report,) = parse_pain("linkes Schienbein tut weh, 4/10, nach dem Lauf", german())
    assert (report.region, report.side, report.score, report.timing) == ("shin", "left", 4, "after")


@pytest.mark.parametrize("spelling", ["Hüfte", "Huefte", "Hufte", "HÜFTE"])
def test_umlauts_may_be_written_out_or_left_off(spelling: str) -> None:
    (report,) = parse_pain(f"{spelling} rechts 3/10", german())
    assert (report.region, report.side, report.score) == ("hip", "right", 3.0)


@pytest.mark.parametrize(
    ("note", "region"),
    [
        ("Knieschmerzen", "knee_front"),
        ("Wadenkrampf", "calf"),
        ("Achillessehnenreizung", "achilles"),
        ("Hüftschmerzen", "hip"),
        ("Leistenzerrung", "groin"),
        ("Fußsohlenschmerzen", "plantar_heel"),
    ],
)
def test_a_compound_of_body_word_and_symptom_is_both(note: str, region: str) -> None:
    (report,) = parse_pain(note, german())
    assert report.region == region and report.symptoms


@pytest.mark.parametrize(
    "note", ["Kniebeugen 3x10", "Wadenheben gemacht", "Kreuzband OP vor 2 Jahren"]
)
def test_a_compound_with_an_unknown_half_is_not_pain(note: str) -> None:
    assert parse_pain(note, german()) == []
