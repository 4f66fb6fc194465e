"""The description block: the runner's words are never changed, and undo is byte-exact."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strava_rehab.text.description_block import (
    END,
    START,
    block_hash,
    has_opt_out,
    merge,
    our_block,
    remove,
    render_block,
    without_block,
)

BLOCK = render_block("Hip strength: 3 x 15 side-lying abduction\nLoad: keep this week flat", 900)
# Descriptions that do not themselves contain our marker lines.
user_text = st.text().filter(lambda t: START not in t and END not in t)


def test_block_goes_at_the_end_after_one_blank_line() -> None:
    assert merge("Easy 8k 🏃\nfelt good", BLOCK) == "Easy 8k 🏃\nfelt good\n\n" + BLOCK
    assert merge("", BLOCK) == BLOCK
    assert merge(None, BLOCK) == BLOCK


def test_replacing_keeps_one_block() -> None:
    first = merge("Tempo run", BLOCK)
    other = render_block("Continue: shin protocol phase 1", 900)
    second = merge(first, other)
    assert second == "Tempo run\n\n" + other
    assert second.count(START) == 1


def test_text_typed_below_the_block_survives() -> None:
    described = merge("Long run", BLOCK) + "\nPS: new shoes"
    replaced = merge(described, render_block("new", 900))
    assert replaced.startswith("Long run\n\n" + START)
    assert replaced.endswith(END + "\nPS: new shoes")
    assert remove(described) == "Long run\nPS: new shoes"


@given(user_text)
def test_merge_then_remove_restores_byte_for_byte(original: str) -> None:
    assert remove(merge(original, BLOCK)) == original


@given(user_text)
def test_merge_is_idempotent(original: str) -> None:
    once = merge(original, BLOCK)
    assert merge(once, BLOCK) == once
    assert our_block(once) == BLOCK
    assert without_block(once) == original


def test_render_caps_length_on_whole_lines() -> None:
    body = "\n".join(f"line {i}: " + "word " * 10 for i in range(100))
    block = render_block(body, 400)
    assert len(block) <= 400 + len("(more in your notifications)") + 1
    assert block.startswith(START) and block.endswith(END)
    assert "(more in your notifications)" in block
    for line in block.splitlines()[1:-2]:
        assert line.startswith("line ") and line.endswith("word")


def test_opt_out_tag_is_case_insensitive() -> None:
    assert has_opt_out("#norehab", "Morning run #NoRehab", None)
    assert not has_opt_out("#norehab", "Morning run", "no tags here")


def test_block_hash_is_empty_for_no_block() -> None:
    assert block_hash(None) == ""
    assert block_hash(BLOCK) != block_hash(BLOCK + "x")


@pytest.mark.parametrize("description", ["", "a", "a\n\n", "\n\n", "x\r\ny"])
def test_edge_descriptions_round_trip(description: str) -> None:
    assert remove(merge(description, BLOCK)) == description
