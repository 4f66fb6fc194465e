"""Reading a note in the athlete's languages: "linkes Schienbein 4/10", "left Schienbein 4/10".

:func:`read_note_multi` reads a note with the athlete's preferred languages (``pain_languages``,
English by default) and, unless told not to, tries every other vocabulary on its own first: a
language whose words found something in the note (a report) joins. The joined languages read the
note together (:func:`~strava_rehab.pain.vocabulary.merge_vocabularies`), so one clause may mix
them; where two languages read the same words differently, the preferred one wins. When no other
language finds anything, the note is read by the preferred vocabulary alone, exactly as before.
A word no vocabulary knows is kept as an unknown term, never guessed into a region.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from strava_rehab.pain.compounds import split_compounds
from strava_rehab.pain.note import NoteReading, read_note
from strava_rehab.pain.typos import typo_regions
from strava_rehab.pain.vocabulary import Vocabulary, merge_vocabularies
from strava_rehab.pain.words import tokenize

# Merged vocabularies by the ids of their parts (kept alive here, so an id is not reused).
_MERGED: dict[tuple[int, ...], tuple[tuple[Vocabulary, ...], Vocabulary]] = {}
_MERGED_MAX = 32


def _merged(parts: Sequence[Vocabulary]) -> Vocabulary:
    key = tuple(id(v) for v in parts)
    cached = _MERGED.get(key)
    if cached is not None and all(a is b for a, b in zip(cached[0], parts, strict=True)):
        return cached[1]
    merged = merge_vocabularies(parts)
    if len(_MERGED) >= _MERGED_MAX:
        _MERGED.clear()
    _MERGED[key] = (tuple(parts), merged)
    return merged


_KNOWN: dict[int, tuple[Vocabulary, frozenset[str]]] = {}


def _known_words(vocabulary: Vocabulary) -> frozenset[str]:
    """Every word the vocabulary knows in any role (cached per vocabulary object)."""
    cached = _KNOWN.get(id(vocabulary))
    if cached is not None and cached[0] is vocabulary:
        return cached[1]
    matchers = [
        vocabulary.regions,
        vocabulary.unplaced_body_words,
        vocabulary.sides,
        vocabulary.side_letters,
        vocabulary.symptoms,
        vocabulary.timing,
        vocabulary.trend,
        vocabulary.negation_cues,
        vocabulary.negation_phrases,
        vocabulary.all_clear,
        vocabulary.red_flags,
        vocabulary.score_labels,
        vocabulary.score_out_of,
        *([vocabulary.provocations] if vocabulary.provocations is not None else []),
    ]
    known = frozenset().union(
        *(m.words() for m in matchers),
        vocabulary.fillers,
        vocabulary.score_units,
        vocabulary.score_not_pain,
        vocabulary.clause_breaks,
        vocabulary.owner_others,
        vocabulary.typo_exceptions,
    )
    if len(_KNOWN) >= _MERGED_MAX:
        _KNOWN.clear()
    _KNOWN[id(vocabulary)] = (vocabulary, known)
    return known


def _finds_pain_words(text: str, vocabulary: Vocabulary, preferred: Vocabulary | None) -> bool:
    """Whether ``vocabulary`` reads pain in ``text`` on its own (a report), or names a region,
    symptom, time or red flag with a word the preferred vocabularies do not know at all
    ("right Wade tight": the English around it gives the evidence)."""
    if read_note(text, vocabulary).reports:
        return True
    known = frozenset() if preferred is None else _known_words(preferred)
    tokens = split_compounds(tokenize(text), vocabulary)
    for matcher in (
        vocabulary.regions,
        vocabulary.symptoms,
        vocabulary.timing,
        vocabulary.red_flags,
        vocabulary.negation_phrases,
    ):
        for span in matcher.find(tokens):
            words = [t.norm for t in tokens[span.start : span.end] if t.kind == "word"]
            if any(word not in known for word in words):
                return True
    return False


def note_languages(
    text: str,
    vocabularies: Mapping[str, Vocabulary],
    preferred: Sequence[str],
    *,
    detect: bool = True,
) -> list[str]:
    """The languages the note is read in: ``preferred`` (in order), then, when ``detect``, every
    other language whose vocabulary finds pain in it (alphabetically): a report of its own, or
    a pain word the preferred languages do not know."""
    unknown = [language for language in preferred if language not in vocabularies]
    if unknown:
        raise KeyError(f"no vocabulary for {', '.join(unknown)}; have {', '.join(vocabularies)}")
    chosen = list(dict.fromkeys(preferred))
    if detect:
        primary = _merged([vocabularies[lang] for lang in chosen]) if chosen else None
        chosen.extend(
            language
            for language in sorted(vocabularies)
            if language not in chosen and _finds_pain_words(text, vocabularies[language], primary)
        )
    return chosen


def note_language(text: str, vocabularies: Mapping[str, Vocabulary]) -> str | None:
    """The one language the note is written in, when exactly one vocabulary on its own reads a
    body region in it ("linkes Schienbein 4/10": de); None when none does, or several do."""
    if not isinstance(text, str) or not text.strip():
        return None
    readers = [
        language
        for language, vocabulary in sorted(vocabularies.items())
        if any(report.region is not None for report in read_note(text, vocabulary).reports)
    ]
    return readers[0] if len(readers) == 1 else None


def read_note_multi(
    text: str,
    vocabularies: Mapping[str, Vocabulary],
    preferred: Sequence[str],
    *,
    detect: bool = True,
) -> NoteReading:
    """Read ``text`` in the languages of :func:`note_languages` (see the module docstring).

    Pure: no I/O. ``preferred`` must name vocabularies of ``vocabularies`` (KeyError otherwise);
    an empty ``preferred`` reads with the detected languages only.
    """
    if not isinstance(text, str) or not text:
        return NoteReading([], [])
    chosen = note_languages(text, vocabularies, preferred, detect=detect)
    if not chosen:
        return NoteReading([], [])
    return read_note(text, _merged([vocabularies[language] for language in chosen]))


@dataclass(frozen=True, slots=True)
class PainLanguages:
    """The vocabularies a service reads notes with, and which of them the athlete prefers."""

    vocabularies: Mapping[str, Vocabulary]
    preferred: tuple[str, ...] = ("en",)
    detect: bool = True
    # The preferred vocabulary: region names for hand-logged pain, "did you mean" lists.
    primary: Vocabulary = field(init=False)

    def __post_init__(self) -> None:
        missing = [language for language in self.preferred if language not in self.vocabularies]
        if not self.preferred or missing:
            raise KeyError(f"no vocabulary for {', '.join(missing) or 'no language'}")
        object.__setattr__(
            self, "primary", _merged([self.vocabularies[lang] for lang in self.preferred])
        )

    def read(self, text: str) -> NoteReading:
        return read_note_multi(text, self.vocabularies, self.preferred, detect=self.detect)

    def language_of(self, text: str) -> str | None:
        """:func:`note_language` over every vocabulary loaded."""
        return note_language(text, self.vocabularies)

    def region_of(self, name: str) -> str | None:
        """The one region a body word names in some vocabulary ("Schienbein", "espinilla",
        "rodila"), the preferred vocabulary first; None if none knows it for sure."""
        others = [v for lang, v in sorted(self.vocabularies.items()) if lang not in self.preferred]
        for vocabulary in (self.primary, *others):
            tokens = split_compounds(tokenize(name), vocabulary)
            spans = vocabulary.regions.find(tokens) or typo_regions(tokens, vocabulary, ())
            if len({span.value for span in spans}) == 1:
                return spans[0].value
        return None
