"""Region words typed with a letter or two wrong: "achiles", "hamstrng", "kneee", "shinn".

A word the vocabulary does not know is read as a region only when all of these hold:

* it is at least 4 letters long and is no filler, typo exception ("heal", "groan": real words)
  or other known word;
* it is within 1 edit of a one-word region synonym (2 edits when both are 7 letters or more),
  counting a swap of two neighbouring letters as one edit ("hamsrting");
* the words within that distance all belong to exactly one region, and no body word the
  vocabulary leaves unplaced ("thigh", "ankle"...) is as close: nothing competes.

Otherwise the word stays an unknown term, as before. Pure and linear in the note's length (each
word is compared with a fixed list of region words, with an early exit on length).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from strava_rehab.pain.vocabulary import Vocabulary
from strava_rehab.pain.words import Span, Token

_MIN_LETTERS = 4
_LONG = 7


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance, or ``limit + 1`` once it is certainly above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _limit(word: str, target: str) -> int:
    if min(len(word), len(target)) >= _LONG:
        return 2
    if max(len(word), len(target)) >= _LONG - 2:
        return 1
    return 0


_Targets = tuple[tuple[tuple[str, str], ...], tuple[str, ...]]
# Per vocabulary object (kept alive here, so its id is not reused).
_CACHE: dict[int, tuple[Vocabulary, _Targets]] = {}


def _targets(vocabulary: Vocabulary) -> _Targets:
    cached = _CACHE.get(id(vocabulary))
    if cached is not None and cached[0] is vocabulary:
        return cached[1]
    regions = tuple(
        (part, value)
        for part, value in vocabulary.regions.one_word_phrases()
        if part.isalpha() and len(part) >= _MIN_LETTERS
    )
    body = tuple(
        part
        for part, _ in vocabulary.unplaced_body_words.one_word_phrases()
        if part.isalpha() and len(part) >= _MIN_LETTERS
    )
    if len(_CACHE) > 8:
        _CACHE.clear()
    _CACHE[id(vocabulary)] = (vocabulary, (regions, body))
    return regions, body


def typo_region(word: str, vocabulary: Vocabulary) -> str | None:
    """The one region ``word`` is a typo of, or None (see the module docstring)."""
    if len(word) < _MIN_LETTERS or not word.isalpha() or word in vocabulary.typo_exceptions:
        return None
    regions, body = _targets(vocabulary)
    best = 3
    found: set[str] = set()
    for target, value in regions:
        limit = _limit(word, target)
        if limit == 0:
            continue
        distance = _distance(word, target, limit)
        if distance == 0:
            return None  # a known word: not a typo (the matcher handles it)
        if distance > limit:
            continue
        if distance < best:
            best, found = distance, {value}
        elif distance == best:
            found.add(value)
    if len(found) != 1:
        return None
    for target in body:
        limit = _limit(word, target)
        if limit and _distance(word, target, limit) <= best:
            return None
    return next(iter(found))


def typo_regions(
    tokens: Sequence[Token], vocabulary: Vocabulary, known: Collection[int]
) -> list[Span]:
    """Region spans for the words of ``tokens`` that are a typo of exactly one region word."""
    spans: list[Span] = []
    for index, token in enumerate(tokens):
        if token.kind != "word" or index in known or token.norm in vocabulary.fillers:
            continue
        if token.norm in vocabulary.clause_breaks or token.norm in vocabulary.owner_others:
            continue
        region = typo_region(token.norm, vocabulary)
        if region is not None:
            spans.append(Span(index, index + 1, region, token.norm))
    return spans
