"""Compound nouns: "Knieschmerzen" is "Knie" + "Schmerzen", "Wadenkrampf" is "Waden" + "krampf".

Only for a vocabulary with ``text.compound_words`` (German). A word is split only when the
vocabulary does not know it whole, it starts with a body word (or the body word with a link from
``text.compound_links``: "Achillessehne|n|schmerz"), and the rest is a word the vocabulary knows
(a symptom, a red flag, a region; maybe plural). The longest body word wins; words over
``_MAX_COMPOUND`` letters are left whole. Anything else stays
one word, so "Kniebeuge" (a squat) is never read as knee pain. Pure and linear in the note.
"""

from __future__ import annotations

from collections.abc import Sequence

from strava_rehab.pain.vocabulary import Vocabulary
from strava_rehab.pain.words import Token, normalize_word

# Shortest head and tail read as a word of their own; longer words are never split (a pasted
# "xxxx…" must not cost a quadratic search).
_MIN_PART = 3
_MAX_COMPOUND = 48


def _known(word: str, words: frozenset[str], suffixes: Sequence[str]) -> bool:
    if word in words:
        return True
    return any(word.endswith(s) and word[: -len(s)] in words for s in suffixes if s)


def _raw_cut(raw: str, head: str) -> int | None:
    """Where in the note's own spelling the head ends ("Fußsohlen" casefolds "ß" to "ss")."""
    for cut in range(1, len(raw)):
        if normalize_word(raw[:cut]) == head:
            return cut
    return None


def split_word(word: str, vocabulary: Vocabulary) -> tuple[str, str] | None:
    """(head, tail) of a compound the vocabulary reads, or None."""
    suffixes = vocabulary.plural_suffixes
    if not 2 * _MIN_PART <= len(word) <= _MAX_COMPOUND:
        return None
    if _known(word, vocabulary.whole_words, suffixes):
        return None
    for cut in range(len(word) - _MIN_PART, _MIN_PART - 1, -1):
        head, tail = word[:cut], word[cut:]
        if head in vocabulary.compound_heads and _known(tail, vocabulary.compound_tails, suffixes):
            return head, tail
    return None


def split_compounds(tokens: Sequence[Token], vocabulary: Vocabulary) -> list[Token]:
    """``tokens`` with each compound the vocabulary reads cut into its two words."""
    if not vocabulary.compound_heads:
        return list(tokens)
    result: list[Token] = []
    for token in tokens:
        parts = split_word(token.norm, vocabulary) if token.kind == "word" else None
        if parts is None:
            result.append(token)
            continue
        head, tail = parts
        cut = _raw_cut(token.raw, head)
        if cut is None:  # the spelling does not line up: both words span the whole compound
            result.append(Token(head, token.raw, token.start, token.end, "word"))
            result.append(Token(tail, token.raw, token.start, token.end, "word"))
        else:
            middle = token.start + cut
            result.append(Token(head, token.raw[:cut], token.start, middle, "word"))
            result.append(Token(tail, token.raw[cut:], middle, token.end, "word"))
    return result
