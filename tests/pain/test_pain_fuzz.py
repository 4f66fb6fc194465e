"""Hypothesis fuzzes parse_pain: any text at all gives a list of valid reports and never raises."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.pain.pain_support import english

from strava_rehab.pain import MAX_NOTE_CHARS, RED_FLAG_IDS, REGION_IDS, PainReport, parse_pain

# Words the parser reacts to, mixed with noise, so the fuzzer reaches the interesting paths
# (negation windows, side binding, score forms) rather than only the "no pain here" path.
_VOCABULARY_WORDS = [
    "left", "right", "L", "R", "both", "knee", "shin", "heel", "back of heel", "IT band", "hip",
    "sore", "pain", "tight", "niggle", "sharp", "no", "not", "didn't", "no longer", "pain-free",
    "fine", "at night", "AM", "first steps", "after", "during", "at km", "mile", "worse",
    "better", "swollen", "limping", "pins and needles", "VAS", "out of", "pain:", "RPE", "10k",
    "4:30/km", "3/10", "4 / 10", "12/10", "40/100", "3/5", "3-4/10", "0/10", "7", "2k", ",", ".",
    "!", ";", "and", "but", "(", ")", "#pain", "\n", "my", "pinky", "toe", "foot", "{n}",
]  # fmt: skip

_notes = st.lists(
    st.one_of(st.sampled_from(_VOCABULARY_WORDS), st.text(max_size=6)), max_size=60
).map(" ".join)
# Bytes read as Latin-1: every control character, NUL and stray high byte.
_binaryish = st.binary(max_size=400).map(lambda raw: raw.decode("latin-1"))


def _check(note: str, reports: list[PainReport]) -> None:
    assert isinstance(reports, list)
    for report in reports:
        assert isinstance(report, PainReport)
        # Revalidating proves every field is inside the contract (score 0-10, literal values).
        PainReport.model_validate(report.model_dump())
        assert report.region is None or report.region in REGION_IDS
        assert set(report.red_flags) <= set(RED_FLAG_IDS)
        assert report.text in note
        assert report.score_confidence is None or report.score is not None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gives_valid_reports(note: str) -> None:
    _check(note, parse_pain(note, english()))


@settings(max_examples=300, deadline=None)
@given(_notes)
def test_notes_made_of_vocabulary_words_give_valid_reports(note: str) -> None:
    _check(note, parse_pain(note, english()))


@settings(max_examples=150, deadline=None)
@given(_binaryish)
def test_binary_looking_text_gives_valid_reports(note: str) -> None:
    _check(note, parse_pain(note, english()))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_notes.filter(bool), st.integers(min_value=1, max_value=3))
def test_very_long_text_is_read_only_up_to_the_cap(chunk: str, spare: int) -> None:
    note = chunk * (MAX_NOTE_CHARS // len(chunk) + spare)
    reports = parse_pain(note, english())
    _check(note, reports)
    assert reports == parse_pain(note[:MAX_NOTE_CHARS], english())


@settings(max_examples=100, deadline=None)
@given(_notes)
def test_parsing_is_pure(note: str) -> None:
    assert parse_pain(note, english()) == parse_pain(note, english())
