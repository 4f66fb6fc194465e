"""Notes read in several languages at once (``read_note_multi``): the athlete's preferred ones,
plus every shipped vocabulary that finds pain in the note on its own.

Rows: (note, preferred languages, expected reports as (region, side, score, timing, negated)).
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from tests.pain import test_pain_clinical_notes as clinical
from tests.pain.pain_support import english, english_data
from tests.pain.test_pain_notes import NOTES as ENGLISH_NOTES

from strava_rehab.content import load_vocabularies
from strava_rehab.pain import (
    PainLanguages,
    Vocabulary,
    note_languages,
    read_note,
    read_note_multi,
    vocabulary_from_mapping,
)

Expected = tuple[str | None, str | None, float | None, str | None, bool]


@functools.cache
def shipped() -> dict[str, Vocabulary]:
    return load_vocabularies()


def _rows(note: str, preferred: tuple[str, ...] = ("en",)) -> list[Expected]:
    reading = read_note_multi(note, shipped(), preferred)
    return [(r.region, r.side, r.score, r.timing, r.negated) for r in reading.reports]


MIXED: list[tuple[str, tuple[str, ...], list[Expected]]] = [
    ("left Schienbein 4/10", ("en",), [("shin", "left", 4.0, None, False)]),
    (
        "linkes Schienbein tut weh, 4/10, nach dem Lauf",
        ("en",),
        [("shin", "left", 4.0, "after", False)],
    ),
    (
        "linkes Schienbein tut weh, 4/10, nach dem Lauf",
        ("de",),
        [("shin", "left", 4.0, "after", False)],
    ),
    ("Knie sore after the run, 3/10", ("en",), [("knee_front", None, 3.0, "after", False)]),
    ("right Wade tight next morning", ("en",), [("calf", "right", None, "next_morning", False)]),
    ("rodilla izquierda sore 4/10", ("en",), [("knee_front", "left", 4.0, None, False)]),
    ("no pain in the Schienbein today", ("en",), [("shin", None, None, None, True)]),
    ("Knieschmerzen left, 5/10 during", ("en",), [("knee_front", "left", 5.0, "during", False)]),
    (
        "Easy 10k. Schienbein links 3/10 danach",
        ("en",),
        [("shin", "left", 3.0, "after", False)],
    ),
    (
        "Tempo 8x400. Achillessehne re. 2/10, calf tight",
        ("en",),
        [("achilles", "right", 2.0, None, False), ("calf", None, None, None, False)],
    ),
    (
        "gemelo dcho 3/10, knee fine",
        ("en",),
        [("calf", "right", 3.0, None, False), ("knee_front", None, None, None, True)],
    ),
    (
        "dolor en la espinilla izquierda after the run",
        ("es",),
        [("shin", "left", None, "after", False)],
    ),
    ("Huefte links nachts 5/10, woke me up", ("en",), [("hip", "left", 5.0, "at_night", False)]),
    (
        "mein Partner hat Knieschmerzen, my shin is fine",
        ("en",),
        [("shin", None, None, None, True)],
    ),
]


@pytest.mark.parametrize(("note", "preferred", "expected"), MIXED, ids=[m[0] for m in MIXED])
def test_mixed_note(note: str, preferred: tuple[str, ...], expected: list[Expected]) -> None:
    assert _rows(note, preferred) == expected


def test_a_german_note_and_an_english_title_are_each_read() -> None:
    languages = PainLanguages(shipped())
    texts = {
        "title": "Easy recovery run",
        "private_note": "Wade rechts zieht, 3/10 am nächsten Morgen",
    }
    reports = [r for text in texts.values() for r in languages.read(text).reports]
    assert [(r.region, r.side, r.score, r.timing) for r in reports] == [
        ("calf", "right", 3.0, "next_morning")
    ]


def _english_notes() -> list[str]:
    notes = {note for note, _ in ENGLISH_NOTES}
    for rows in (clinical.REST_PAIN, clinical.BUILDING, clinical.NO_REST_PAIN, clinical.PROVOKED):
        notes.update(row if isinstance(row, str) else row[0] for row in rows)
    for table in (clinical.OTHERS, clinical.NEGATED_FLAGS, clinical.TYPOS, clinical.UNREAD):
        notes.update(row[0] for row in table)
    notes.update(note for note, _ in clinical.SITES)
    return sorted(notes)


@pytest.mark.parametrize("note", _english_notes())
def test_english_notes_read_exactly_as_before(note: str) -> None:
    assert read_note_multi(note, shipped(), ["en"]) == read_note(note, english())


def test_an_english_note_no_other_language_reads_is_read_by_english_alone() -> None:
    note = "left shin sore 4/10 during the last 2k"
    assert note_languages(note, shipped(), ["en"]) == ["en"]


def test_a_german_note_brings_german_in() -> None:
    assert note_languages("Knie tut weh", shipped(), ["en"]) == ["en", "de"]


def test_without_detection_only_the_preferred_languages_read() -> None:
    assert read_note_multi("Knie tut weh 4/10", shipped(), ["en"], detect=False).reports == []
    assert read_note_multi("Knie tut weh 4/10", shipped(), ["de"], detect=False).reports


def test_a_word_no_vocabulary_knows_is_kept_as_text() -> None:
    (report,) = read_note_multi("Zorgel tut weh 4/10", shipped(), ["en"]).reports
    assert report.region is None and "zorgel" in report.unknown_terms


def test_an_unknown_preferred_language_is_an_error() -> None:
    with pytest.raises(KeyError, match="tlh"):
        read_note_multi("knee sore", shipped(), ["tlh"])


def _toy(language: str, region: str) -> Vocabulary:
    data: dict[str, Any] = english_data()
    data["language"] = language
    data["regions"] = {region: {"synonyms": ["zeh"]}}
    data["unplaced_body_words"] = []
    return vocabulary_from_mapping(data, source=f"{language}.toml")


@pytest.mark.parametrize(("preferred", "region"), [(["aa"], "shin"), (["bb"], "calf")])
def test_where_two_languages_read_a_word_differently_the_preferred_one_wins(
    preferred: list[str], region: str
) -> None:
    vocabularies = {"aa": _toy("aa", "shin"), "bb": _toy("bb", "calf")}
    (report,) = read_note_multi("zeh sore 3/10", vocabularies, preferred).reports
    assert report.region == region


def test_a_region_is_resolved_in_any_language() -> None:
    languages = PainLanguages(shipped())
    assert languages.region_of("Schienbein") == "shin"
    assert languages.region_of("espinilla") == "shin"
    assert languages.region_of("rodila") == "knee_front"
    assert languages.region_of("zorgel") is None
