"""How a note is cut into words, and how vocabulary phrases are found among them.

Matching works on tokens, never on regular expressions over the raw note, so its cost is linear in
the note's length whatever a runner (or a fuzzer) types. Vocabulary phrases are tokenized with the
same rules as notes, so "pain-free", "Pain free" and "PAIN FREE" all meet the same phrase.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

TokenKind = Literal["word", "number", "mark", "linebreak"]

# A vocabulary phrase may contain "{n}" where the note has a number ("at km {n}", "first {n}k").
NUMBER_SLOT = "{n}"

_TOKEN = re.compile(
    r"(?P<slot>\{n\})"
    r"|(?P<number>[0-9]+(?:\.[0-9]+)?)"
    r"|(?P<word>[^\W\d_]+(?:['’ʼ][^\W\d_]+)*)"
    r"|(?P<linebreak>[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+)"
    r"|(?P<mark>\S)"
)
_APOSTROPHES = str.maketrans("", "", "'’ʼ")
# Hyphens join words ("pain-free", "post-run", "L-knee"): a phrase may step over them.
JOINERS = frozenset({"-", "‐", "‑", "_"})


@dataclass(frozen=True, slots=True)
class Token:
    """One word, number or mark of a note. ``norm`` is what matching compares."""

    norm: str
    raw: str
    start: int
    end: int
    kind: TokenKind


def normalize_word(word: str) -> str:
    """Case-fold and drop apostrophes, so "Didn't" meets "didnt" and "runner's" meets "runners"."""
    return word.casefold().translate(_APOSTROPHES)


def tokenize(text: str, *, allow_slots: bool = False) -> list[Token]:
    """Cut ``text`` into tokens; ``allow_slots`` reads "{n}" as a number slot (vocabulary only)."""
    tokens: list[Token] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        raw = match.group()
        if kind == "slot":
            if allow_slots:
                tokens.append(Token(NUMBER_SLOT, raw, match.start(), match.end(), "number"))
                continue
            # In a note "{n}" is just three marks; re-read it without the slot rule.
            tokens.extend(
                Token(ch, ch, match.start() + i, match.start() + i + 1, "mark")
                for i, ch in enumerate(raw)
            )
        elif kind == "word":
            tokens.append(Token(normalize_word(raw), raw, match.start(), match.end(), "word"))
        elif kind == "number":
            tokens.append(Token(raw, raw, match.start(), match.end(), "number"))
        elif kind == "linebreak":
            tokens.append(Token("\n", raw, match.start(), match.end(), "linebreak"))
        else:
            tokens.append(Token(raw.casefold(), raw, match.start(), match.end(), "mark"))
    return tokens


@dataclass(frozen=True, slots=True)
class Phrase:
    """A vocabulary phrase as token norms, with the value it stands for (a region id, "left"...)."""

    parts: tuple[str, ...]
    value: str
    source: str
    case_sensitive: bool = False


@dataclass(frozen=True, slots=True)
class Span:
    """Where a phrase was found: tokens ``start`` to ``end`` (exclusive) of one sentence."""

    start: int
    end: int
    value: str
    phrase: str


class PhraseMatcher:
    """Finds the phrases of one category in a token list, longest phrase first.

    Between the words of a multi-word phrase it steps over hyphens and over ``inner_fillers``
    ("back of my heel", "outside of left knee"), at most two tokens per gap. The last word may carry
    one of ``plural_suffixes`` ("knees", "niggles"). A case-sensitive phrase ("AM") compares the
    note's own spelling, because "am" in "I am sore" is no time of day.
    """

    def __init__(
        self,
        phrases: Iterable[Phrase],
        *,
        inner_fillers: frozenset[str] = frozenset(),
        plural_suffixes: Sequence[str] = (),
    ) -> None:
        by_first: dict[str, list[Phrase]] = {}
        for phrase in phrases:
            first = phrase.parts[0]
            key = normalize_word(first) if phrase.case_sensitive else first
            by_first.setdefault(key, []).append(phrase)
        for candidates in by_first.values():
            candidates.sort(key=lambda p: len(p.parts), reverse=True)
        self._by_first = by_first
        self._inner_fillers = inner_fillers
        self._plural_suffixes = tuple(s for s in plural_suffixes if s)

    def one_word_phrases(self) -> list[tuple[str, str]]:
        """(word, value) for every one-word phrase, e.g. ("shin", "shin"): for typo matching."""
        return [
            (phrase.parts[0], phrase.value)
            for candidates in self._by_first.values()
            for phrase in candidates
            if len(phrase.parts) == 1 and not phrase.case_sensitive
        ]

    def words(self) -> frozenset[str]:
        """Every word any phrase is made of (case-folded), for telling known words from others."""
        return frozenset(
            normalize_word(part) if phrase.case_sensitive else part
            for candidates in self._by_first.values()
            for phrase in candidates
            for part in phrase.parts
            if part != NUMBER_SLOT
        )

    def _key_candidates(self, token: Token) -> list[Phrase]:
        if token.kind == "number":
            return self._by_first.get(NUMBER_SLOT, [])
        found = self._by_first.get(token.norm)
        if found is not None:
            return found
        # A one-word plural ("knees") is looked up by its singular.
        for suffix in self._plural_suffixes:
            if token.norm.endswith(suffix) and len(token.norm) > len(suffix):
                stem = self._by_first.get(token.norm[: -len(suffix)])
                if stem is not None:
                    return stem
        return []

    def _part_matches(self, part: str, token: Token, *, last: bool, case_sensitive: bool) -> bool:
        if part == NUMBER_SLOT:
            return token.kind == "number"
        if case_sensitive:
            return token.raw == part
        if token.norm == part:
            return True
        if last and token.kind == "word":
            return any(token.norm == part + suffix for suffix in self._plural_suffixes)
        return False

    def _match_at(self, tokens: Sequence[Token], index: int, phrase: Phrase) -> int | None:
        """End index of ``phrase`` starting at ``index``, or None."""
        position = index
        count = len(phrase.parts)
        for number, part in enumerate(phrase.parts):
            last = number == count - 1
            if number > 0:
                skipped = 0
                while (
                    position < len(tokens)
                    and skipped < 2
                    and not self._part_matches(
                        part, tokens[position], last=last, case_sensitive=phrase.case_sensitive
                    )
                    and (
                        tokens[position].norm in JOINERS
                        or tokens[position].norm in self._inner_fillers
                    )
                ):
                    position += 1
                    skipped += 1
            if position >= len(tokens) or not self._part_matches(
                part, tokens[position], last=last, case_sensitive=phrase.case_sensitive
            ):
                return None
            position += 1
        return position

    def longest_at(self, tokens: Sequence[Token], index: int) -> Span | None:
        """The longest phrase starting at ``index`` (the first listed on a tie), or None."""
        best: Span | None = None
        for phrase in self._key_candidates(tokens[index]):
            end = self._match_at(tokens, index, phrase)
            if end is not None and (best is None or end > best.end):
                best = Span(index, end, phrase.value, phrase.source)
        return best

    def find(self, tokens: Sequence[Token]) -> list[Span]:
        """Non-overlapping matches, scanning left to right and taking the longest at each place."""
        spans: list[Span] = []
        index = 0
        while index < len(tokens):
            best = self.longest_at(tokens, index)
            if best is None:
                index += 1
            else:
                spans.append(best)
                index = best.end
        return spans


class UnionMatcher(PhraseMatcher):
    """Several languages' matchers read as one: the longest phrase at each place wins, and on a
    tie the matcher listed first (the athlete's preferred language). Each part keeps its own
    inner fillers and plural suffixes, so German "-n" plurals never reach English words."""

    def __init__(self, parts: Iterable[PhraseMatcher]) -> None:
        super().__init__(())
        self._parts = tuple(parts)

    def one_word_phrases(self) -> list[tuple[str, str]]:
        return [pair for part in self._parts for pair in part.one_word_phrases()]

    def words(self) -> frozenset[str]:
        return frozenset().union(*(part.words() for part in self._parts))

    def longest_at(self, tokens: Sequence[Token], index: int) -> Span | None:
        best: Span | None = None
        for part in self._parts:
            found = part.longest_at(tokens, index)
            if found is not None and (best is None or found.end > best.end):
                best = found
        return best
