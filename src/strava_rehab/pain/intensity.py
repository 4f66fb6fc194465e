"""Pain intensity: the 0–10 numbers in a note, and the numbers that only look like them.

A running note is full of numbers (10k, 4:30/km, 152 bpm, 3/10/2024, 6x800): only these forms are
read as a pain score (the 11-point NRS: sources.toml farrar2001), each scaled to the 11-point NRS:

* ``4/10``, ``4 / 10``, ``4 out of 10``, ``3.5/10``; a range ``3-4/10`` counts as its upper end,
  because the rules must not under-read pain.
* ``N/10`` with N from 11 to 20 ("12/10") is a runner saying "as bad as it gets": it becomes 10.
  Above 20 it is not a pain score at all (25/10 is a date).
* ``VAS 40/100`` or ``40/100`` is divided by 10; ``VAS 40`` too (a VAS label with N up to 10 is
  taken as already out of 10).
* ``3/5`` is doubled (6.0) with low confidence, and only when no unknown word follows ("3/5 reps").
* A label then a number: ``pain: 3``, ``pain 3``, ``pain level = 3`` (N ≤ 10).
* A lead word then a number (``scores.number_leads``: Spanish "rodilla, un 4"), in a sentence
  naming a region or symptom: low confidence.
* A bare number closing a sentence right after a symptom or a comma, in a sentence that has a
  symptom ("heel pain on first steps, 3"), or closing a clause right after a region word
  ("L shin 3, R shin 5"): low confidence, because the runner gave no scale.

A rating of something else ("RPE 7/10", "sleep 6/10": ``scores.not_pain``) is not a pain score.
A number glued to a unit ("10k", "3/10km"), inside a time, pace or date ("4:30", "3/10/24"), or
inside a timing phrase ("at km 8") is never a score.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from strava_rehab.pain.vocabulary import Vocabulary
from strava_rehab.pain.words import Span, Token

Confidence = Literal["high", "low"]
# How the score was written: "4/10" (fraction), "pain 3" (label), "..., 3" (bare).
ScoreForm = Literal["fraction", "label", "bare"]

_COMPOUND_MARKS = frozenset({":", "/", "."})
_RANGE_MARKS = frozenset({"-", "–", "—", "‐", "‑"})
_LABEL_LINKS = frozenset({":", "=", "-", "–", "~", "≈", "@"})
_TRAILING_LEADS = frozenset({",", "-", "–", "—", ":", "="})
# Beyond this, "N/10" is not hyperbole but something else (a date, a count).
_MAX_HYPERBOLE = 20.0


@dataclass(frozen=True, slots=True)
class Score:
    """A pain score found at tokens ``start``..``end`` (exclusive), already on the 0–10 scale."""

    start: int
    end: int
    value: float
    confidence: Confidence
    form: ScoreForm


def _adjacent(left: Token, right: Token) -> bool:
    return left.end == right.start


def _number(token: Token) -> float:
    return float(token.norm)


def _inside_compound(tokens: Sequence[Token], index: int) -> bool:
    """True for a number that is part of a time, pace or date: "4:30", "3/10/24", "1.2.3"."""
    token = tokens[index]
    if index >= 2:
        mark, before = tokens[index - 1], tokens[index - 2]
        if (
            mark.norm in _COMPOUND_MARKS
            and before.kind == "number"
            and _adjacent(before, mark)
            and _adjacent(mark, token)
        ):
            return True
    if index + 2 < len(tokens):
        mark, after = tokens[index + 1], tokens[index + 2]
        if (
            mark.norm == ":"
            and after.kind == "number"
            and _adjacent(token, mark)
            and _adjacent(mark, after)
        ):
            return True
    return False


def _on_scale(numerator: float, denominator: float) -> tuple[float, Confidence] | None:
    if denominator == 10:
        if numerator <= 10:
            return numerator, "high"
        if numerator <= _MAX_HYPERBOLE:
            return 10.0, "high"
        return None
    if denominator == 100 and numerator <= 100:
        return numerator / 10, "high"
    if denominator == 5 and numerator <= 5:
        return numerator * 2, "low"
    return None


def _followed_by_unit(tokens: Sequence[Token], index: int, units: Collection[str]) -> bool:
    nxt = index + 1
    return nxt < len(tokens) and tokens[nxt].kind == "word" and tokens[nxt].norm in units


class _Reader:
    def __init__(
        self,
        tokens: Sequence[Token],
        vocabulary: Vocabulary,
        *,
        symptoms: Sequence[Span],
        reserved: Collection[int],
        known: Collection[int],
    ) -> None:
        self.tokens = tokens
        self.vocabulary = vocabulary
        self.symptoms = symptoms
        self.known = known
        self.used: set[int] = set(reserved)
        self.scores: list[Score] = []

    def free_number(self, index: int) -> bool:
        return (
            0 <= index < len(self.tokens)
            and self.tokens[index].kind == "number"
            and index not in self.used
            and not _inside_compound(self.tokens, index)
        )

    def add(
        self, start: int, end: int, value: float, confidence: Confidence, form: ScoreForm
    ) -> None:
        self.used.update(range(start, end))
        if not self._rates_something_else(start, end):
            self.scores.append(Score(start, end, value, confidence, form))

    def _rates_something_else(self, start: int, end: int) -> bool:
        """ "RPE 7/10", "effort: 6/10", "3/10 sleep": a 0-10 rating that is not pain."""
        other = self.vocabulary.score_not_pain
        before = start - 1
        while before >= 0 and self.tokens[before].norm in _LABEL_LINKS:
            before -= 1
        if before >= 0 and self.tokens[before].norm in other:
            return True
        return end < len(self.tokens) and self.tokens[end].norm in other

    def fractions(self) -> None:
        tokens = self.tokens
        out_of = {span.start: span for span in self.vocabulary.score_out_of.find(tokens)}
        for index in range(len(tokens)):
            if not self.free_number(index):
                continue
            if index + 2 < len(tokens) and tokens[index + 1].norm == "/":
                denominator_at = index + 2
            elif index + 1 in out_of:
                denominator_at = out_of[index + 1].end
            else:
                continue
            if denominator_at >= len(tokens) or tokens[denominator_at].kind != "number":
                continue
            if denominator_at in self.used or self._continues(denominator_at):
                continue
            scaled = _on_scale(_number(tokens[index]), _number(tokens[denominator_at]))
            if scaled is None:
                continue
            value, confidence = scaled
            if confidence == "low" and self._unknown_word_follows(denominator_at):
                continue
            start = index
            if (
                index >= 2
                and tokens[index - 1].norm in _RANGE_MARKS
                and self.free_number(index - 2)
            ):
                low = _on_scale(_number(tokens[index - 2]), _number(tokens[denominator_at]))
                if low is not None:
                    start = index - 2
                    value = max(value, low[0])
            self.add(start, denominator_at + 1, value, confidence, "fraction")

    def _continues(self, denominator_at: int) -> bool:
        """The fraction goes on as a date or a distance: "3/10/24", "3/10.5", "4/10km"."""
        nxt = denominator_at + 1
        if nxt >= len(self.tokens):
            return False
        after = self.tokens[nxt]
        if not _adjacent(self.tokens[denominator_at], after):
            return False
        return after.norm in _COMPOUND_MARKS or after.norm in self.vocabulary.score_units

    def _unknown_word_follows(self, index: int) -> bool:
        nxt = index + 1
        if nxt >= len(self.tokens) or self.tokens[nxt].kind != "word":
            return False
        return nxt not in self.known and self.tokens[nxt].norm not in self.vocabulary.fillers

    def labels(self) -> None:
        tokens = self.tokens
        for label in self.vocabulary.score_labels.find(tokens):
            index = label.end
            while index < len(tokens) and (
                tokens[index].norm in _LABEL_LINKS
                or tokens[index].norm in self.vocabulary.score_label_links
            ):
                index += 1
            if not self.free_number(index):
                continue
            if index + 1 < len(tokens) and tokens[index + 1].norm in {"/", ":"}:
                continue
            if _followed_by_unit(tokens, index, self.vocabulary.score_units):
                continue
            number = _number(tokens[index])
            if number <= 10:
                self.add(index, index + 1, number, "high", "label")
            elif label.value == "100" and number <= 100:
                self.add(index, index + 1, number / 10, "high", "label")

    def trailing(self) -> None:
        tokens = self.tokens
        index = len(tokens) - 1
        while index >= 0 and tokens[index].kind == "mark":
            index -= 1
        if index < 1 or not self.free_number(index) or _number(tokens[index]) > 10:
            return
        lead = tokens[index - 1]
        after_symptom = any(span.end == index for span in self.symptoms)
        if not (after_symptom or lead.norm in _TRAILING_LEADS):
            return
        if not any(span.start < index for span in self.symptoms):
            return
        self.add(index, index + 1, _number(tokens[index]), "low", "bare")

    def leads(self, regions: Sequence[Span]) -> None:
        """ "rodilla, un 4", "Schmerz eine 3": a number after ``scores.number_leads``, in a
        sentence that names a region or a symptom (low confidence: no scale was given)."""
        leads = self.vocabulary.number_leads
        if not leads or not (self.symptoms or regions):
            return
        tokens = self.tokens
        for index in range(len(tokens) - 1):
            number = index + 1
            if tokens[index].norm not in leads or not self.free_number(number):
                continue
            if _number(tokens[number]) > 10 or _followed_by_unit(
                tokens, number, self.vocabulary.score_units
            ):
                continue
            if number + 1 < len(tokens) and tokens[number + 1].norm in _COMPOUND_MARKS:
                continue
            self.add(number, number + 1, _number(tokens[number]), "low", "bare")

    def after_regions(self, regions: Sequence[Span]) -> None:
        """ "L shin 3, R shin 5": a bare number right after a region word, closing its clause."""
        tokens = self.tokens
        for region in regions:
            index = region.end
            while index < len(tokens) and tokens[index].norm in _LABEL_LINKS:
                index += 1
            if not self.free_number(index) or _number(tokens[index]) > 10:
                continue
            following = index + 1
            if (
                following < len(tokens)
                and tokens[following].norm not in self.vocabulary.clause_breaks
            ):
                continue
            self.add(index, index + 1, _number(tokens[index]), "low", "bare")


def find_scores(
    tokens: Sequence[Token],
    vocabulary: Vocabulary,
    *,
    symptoms: Sequence[Span],
    regions: Sequence[Span] = (),
    reserved: Collection[int] = (),
    known: Collection[int] = (),
) -> list[Score]:
    """The pain scores in one sentence, in order.

    ``symptoms`` and ``regions`` are the sentence's symptom and region spans (for the bare-number
    forms); ``reserved``
    token indices belong to other phrases ("at km 8") and are never scores; ``known`` token indices
    are covered by some vocabulary phrase (an unknown word after "3/5" vetoes it).
    """
    reader = _Reader(tokens, vocabulary, symptoms=symptoms, reserved=reserved, known=known)
    reader.fractions()
    reader.labels()
    reader.leads(regions)
    reader.after_regions(regions)
    reader.trailing()
    return sorted(reader.scores, key=lambda score: score.start)
