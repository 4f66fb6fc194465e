"""The suggestion as text: a short, private-by-default public block and a full private one."""

from __future__ import annotations

import re

import pytest
from tests.rehab.rehab_builders import entry, library, pain, situation, spike, state
from tests.rehab.rehab_cases import CASES, Case

from strava_rehab.rehab import Decision, decide, render_private, render_public
from strava_rehab.rehab.render import MORE


def _product_example() -> Decision:
    return decide(
        situation(
            [pain("shin", 4, side="left", timing="during")],
            findings=[spike("weekly_progression", "moderate", value=42.0, reference=30.0)],
        ),
        library(),
    )


# Markdown, HTML and the delivery code's block markers have no place in the public text.
_MARKUP = re.compile(r"\*\*|__|`|^#|\[.*\]\(|<[a-z/]|-{3,}|={3,}", re.MULTILINE)


def _is_emoji(char: str) -> bool:
    return ord(char) >= 0x1F000 or 0x2600 <= ord(char) <= 0x27BF


def test_product_example_public_text() -> None:
    decision = _product_example()
    text = render_public(decision)
    assert "Hip abduction" in text or "hip abduction" in text
    assert "Hip extension" in text
    assert "Hip thrust" in text
    assert "40% above" in text  # the load warning with its number
    assert "4/10" not in text
    assert decision.condition is not None
    assert decision.protocol_name is not None
    assert decision.condition not in text
    assert decision.protocol_name not in text
    assert "tibial" not in text.lower()
    assert "splints" not in text.lower()
    assert text.splitlines()[-1] == decision.disclaimer


def test_flags_reveal_score_and_condition() -> None:
    decision = _product_example()
    text = render_public(decision, show_condition=True, show_score=True)
    assert "4/10" in text
    assert decision.protocol_name is not None
    assert decision.protocol_name in text


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_public_text_is_plain_short_and_private_by_default(case: Case) -> None:
    decision = decide(case.given, library())
    text = render_public(decision)
    if decision.kind == "none":
        assert text == ""
        return
    assert len(text) <= 900
    assert not _MARKUP.search(text), text
    assert not any(_is_emoji(char) for char in text)
    assert text.splitlines()[-1] == decision.disclaimer
    assert "Pain today" not in text
    for reason in decision.reasons:
        if reason not in decision.public_reasons:
            assert reason not in text  # pain reasons (region, side, score) stay private
    if decision.condition is not None:
        assert decision.condition not in text


@pytest.mark.parametrize("max_chars", [900, 400, 250, 120, 90, 40, 5])
def test_length_cap_truncates_whole_lines(max_chars: int) -> None:
    decision = _product_example()
    full = render_public(decision, max_chars=100_000)
    text = render_public(decision, max_chars=max_chars)
    assert len(text) <= max_chars
    if len(full) <= max_chars:
        assert text == full
        return
    full_lines = set(full.splitlines())
    lines = text.splitlines()
    if MORE in lines:
        # Line mode: every line kept whole, the pointer to the rest, the disclaimer last.
        assert all(line in full_lines or line == MORE for line in lines)
        assert lines[-1] == decision.disclaimer
    else:
        # A cap smaller than the disclaimer: cut at a word boundary, never mid-word.
        assert full.startswith(text)
        assert text == "" or full[len(text)] in " \n"


def test_truncated_text_keeps_exercises_before_the_tail() -> None:
    decision = _product_example()
    text = render_public(decision, max_chars=400)
    assert MORE in text
    assert not text.splitlines()[-3].endswith(":")  # no heading left without its items


def test_continue_is_one_short_line_without_the_condition() -> None:
    decision = decide(
        situation(
            [pain("shin", 3)],
            history=[entry(2, pain("shin", 3))],
            states=[state("shin_splints", 1, last_full=2)],
        ),
        library(),
    )
    assert decision.kind == "continue"
    text = render_public(decision)
    assert text.startswith("Continue: your rehab programme phase 1 — ")
    assert "Shin programme" not in text
    assert "•" not in text  # the exercises are not repeated
    assert render_private(decision).startswith("Continue: Shin programme phase 1 — ")


def test_see_clinician_public_text_has_no_exercises_or_details() -> None:
    decision = decide(situation([pain("shin", 4, flags=("focal_tenderness",))]), library())
    text = render_public(decision)
    assert "clinician" in text
    assert "•" not in text
    assert "bone" not in text.lower()
    assert "stress" in render_public(decision, show_condition=True).lower()


def test_private_text_has_everything() -> None:
    decision = _product_example()
    text = render_private(decision)
    assert decision.condition is not None
    assert decision.condition in text
    assert "Pain: left shin, 4/10" in text
    assert "Trend: steady" in text
    assert "42.0 km" in text
    assert "3 × 15 each side, 3 times a week (dose: clinical convention)" in text
    assert "How: " in text
    assert "Easier: " in text
    assert "Harder: " in text
    assert "doi:10.1186/1758-2555-4-12" in text  # Moen 2012, graded running
    assert "doi:10.1177/0363546506298279" in text  # Silbernagel 2007, pain monitoring
    assert text.splitlines()[-1] == decision.disclaimer


def test_private_text_of_the_high_hamstring_plan_says_not_to_stretch() -> None:
    text = render_private(decide(situation([pain("high_hamstring", 3)]), library()))
    assert "No stretching of the hamstring" in text


def test_disclaimer_is_one_line() -> None:
    disclaimer = library().rules.disclaimer
    assert "\n" not in disclaimer
    assert "not a diagnosis" in disclaimer
