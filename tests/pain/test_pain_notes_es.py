"""Spanish pain notes as runners write them: accents left out ("talon", "despues"), sides after
the region ("rodilla izquierda"), abbreviations ("izq", "dcha"), typos ("rodila"), "un 4".

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
def spanish() -> Vocabulary:
    return load_vocabulary(default_vocabulary_path("es"))


NOTES: list[tuple[str, list[Expected]]] = [
    (
        "dolor en la espinilla izquierda 4/10 despues de correr",
        [("shin", "left", 4.0, "after", False, ())],
    ),
    ("me duele la rodilla dcha, un 4", [("knee_front", "right", 4.0, None, False, ())]),
    ("molestias en el gemelo izq durante la tirada", [("calf", "left", None, "during", False, ())]),
    ("sin dolor en la rodilla", [("knee_front", None, None, None, True, ())]),
    (
        "talon izquierdo 3 de 10 al levantarme",
        [("plantar_heel", "left", 3.0, "next_morning", False, ())],
    ),
    (
        "rodilla izquierda tobillo derecho 2/10",
        [("knee_front", "left", None, None, False, ()), ("ankle", "right", 2.0, None, False, ())],
    ),
    (
        "tendon de aquiles derecho cargado, cada vez peor",
        [("achilles", "right", None, None, False, ("worsening_during_run",))],
    ),
    (
        "no puedo apoyar el pie, hinchazon en el tobillo",
        [("ankle", None, None, None, False, ("swelling", "cannot_bear_weight"))],
    ),
    ("a mi pareja le duele la rodilla", []),
    ("isquios 3/10 en las cuestas", [("hamstring", None, 3.0, "during", False, ())]),
    (
        "dolor en reposo en la ingle por la noche",
        [("groin", None, None, "at_night", False, ("rest_pain", "night_pain"))],
    ),
    ("rodila dcha 5/10", [("knee_front", "right", 5.0, None, False, ())]),
    ("rodillo en el gemelo, todo bien", []),
    (
        "fascitis plantar izq, primeros pasos 5/10",
        [("plantar_heel", "left", 5.0, "next_morning", False, ())],
    ),
    (
        "planta del pie derecho 4 sobre 10 por la mañana",
        [("plantar_heel", "right", 4.0, "next_morning", False, ())],
    ),
    ("tibia derecha 6/10 a partir del km 5", [("shin", "right", 6.0, "during", False, ())]),
    ("periostitis tibial bilateral, 3/10", [("shin", "both", 3.0, None, False, ())]),
    (
        "cintilla iliotibial izquierda a los 8 km, 6/10",
        [("knee_outer", "left", 6.0, "during", False, ())],
    ),
    ("rodilla del corredor dcha 5 de 10", [("knee_outer", "right", 5.0, None, False, ())]),
    (
        "dolor de cadera izquierda por la noche, me despierta",
        [("hip", "left", None, "at_night", False, ("night_pain",))],
    ),
    ("gluteo dcho cargado 2/10", [("glute", "right", 2.0, None, False, ())]),
    ("isquiotibiales izq tiran al estar sentado", [("hamstring", "left", None, None, False, ())]),
    (
        "gemelo derecho con un pinchazo, cojeando",
        [("calf", "right", None, None, False, ("limping",))],
    ),
    (
        "tobillo izq hinchado y caliente al tacto",
        [("ankle", "left", None, None, False, ("swelling", "redness_heat"))],
    ),
    (
        "me torcí el tobillo derecho, no puedo apoyar",
        [("ankle", "right", None, None, False, ("fall_or_impact", "cannot_bear_weight"))],
    ),
    ("lumbar 3/10 despues del rodaje", [("lower_back", None, 3.0, "after", False, ())]),
    ("zona lumbar cargada esta mañana", [("lower_back", None, None, "next_morning", False, ())]),
    ("ingle dcha 4/10 en las series", [("groin", "right", 4.0, "during", False, ())]),
    ("aductor izquierdo 3/10", [("groin", "left", 3.0, None, False, ())]),
    ("pubalgia 5/10 al terminar", [("groin", None, 5.0, "after", False, ())]),
    ("rotula izquierda duele al bajar escaleras", [("knee_front", "left", None, None, False, ())]),
    (
        "empeine derecho 5/10, dolor en el hueso",
        [("midfoot", "right", 5.0, None, False, ("focal_tenderness",))],
    ),
    ("antepie izq quema los ultimos 3 km", [("forefoot", "left", None, "during", False, ())]),
    ("rodilla derecha igual que ayer, 3/10", [("knee_front", "right", 3.0, None, False, ())]),
    ("gemelo izq mejor, 2/10", [("calf", "left", 2.0, None, False, ())]),
    ("espinilla dcha peor que ayer 5/10", [("shin", "right", 5.0, None, False, ())]),
    ("rodilla sin molestias hoy", [("knee_front", None, None, None, True, ())]),
    ("ni dolor ni hinchazon", [(None, None, None, None, True, ())]),
    ("no me duele nada", [(None, None, None, None, True, ())]),
    (
        "la espinilla bien, la rodilla 2/10",
        [("shin", None, None, None, True, ()), ("knee_front", None, 2.0, None, False, ())],
    ),
    ("RPE 8/10, rodilla bien", [("knee_front", None, None, None, True, ())]),
    ("10 km en 50:00, gemelo 3/10", [("calf", None, 3.0, None, False, ())]),
    ("6x1000 a 4:00, isquio izq 2/10", [("hamstring", "left", 2.0, None, False, ())]),
    ("mi novia tiene dolor de rodilla", []),
    ("mi entrenador dice que mi rodilla esta bien", [("knee_front", None, None, None, True, ())]),
    ("dolor: 3", [(None, None, 3.0, None, False, ())]),
    ("EVA 40/100 aquiles", [("achilles", None, 4.0, None, False, ())]),
    ("hormigueo en el pie izquierdo", [(None, "left", None, None, False, ("numbness",))]),
    (
        "fiebre y dolor de rodilla 4/10",
        [("knee_front", None, 4.0, None, False, ("feeling_unwell",))],
    ),
    (
        "noté un chasquido en el gemelo dcho",
        [("calf", "right", None, None, False, ("pop_or_snap",))],
    ),
    ("rodilla izq se me dobla", [("knee_front", "left", None, None, False, ("weakness",))]),
    (
        "espinilla izquierda 4/10, incluso en reposo",
        [("shin", "left", 4.0, "at_rest", False, ("rest_pain",))],
    ),
    ("ambos talones 3/10", [("plantar_heel", "both", 3.0, None, False, ())]),
    ("agujetas en los cuadriceps", [("quad", None, None, None, False, ())]),
    ("contractura en el femoral izquierdo", [(None, None, None, None, False, ())]),
    ("cojeo de la pierna derecha", [(None, "right", None, None, False, ("limping",))]),
    (
        "dolor al caminar en el talon",
        [("plantar_heel", None, None, None, False, ("walking_pain",))],
    ),
    ("molestia en la espinilla de la pierna izquierda", [("shin", "left", None, None, False, ())]),
    ("rodilla del lado derecho 3/10", [("knee_front", "right", 3.0, None, False, ())]),
]


def test_there_are_at_least_forty_notes() -> None:
    assert len(NOTES) >= 40


@pytest.mark.parametrize(("note", "expected"), NOTES, ids=[n for n, _ in NOTES])
def test_note(note: str, expected: list[Expected]) -> None:
    reports = parse_pain(note, spanish())
    got = [(r.region, r.side, r.score, r.timing, r.negated, r.red_flags) for r in reports]
    assert got == expected


@pytest.mark.parametrize("spelling", ["talón", "talon", "TALÓN"])
def test_accents_may_be_left_off(spelling: str) -> None:
    (report,) = parse_pain(f"dolor en el {spelling} izquierdo, 3 de 10", spanish())
    assert (report.region, report.side, report.score) == ("plantar_heel", "left", 3.0)


def test_a_side_after_the_region_is_that_regions() -> None:
    reports = parse_pain("rodilla izquierda tobillo derecho 2/10", spanish())
    assert [(r.region, r.side) for r in reports] == [("knee_front", "left"), ("ankle", "right")]


@pytest.mark.parametrize("note", ["hice un 10 hoy", "un 5 km suave", "rodillo en el gemelo"])
def test_a_number_after_un_is_a_score_only_next_to_pain(note: str) -> None:
    assert all(r.score is None for r in parse_pain(note, spanish()))


def test_a_word_no_vocabulary_knows_is_kept_not_guessed() -> None:
    (report,) = parse_pain("contractura en el femoral izquierdo", spanish())
    assert report.region is None and report.unknown_terms == ("femoral",)
