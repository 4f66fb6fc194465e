"""The pain vocabulary: the words runners use, loaded from ``config/pain-vocabulary.<lang>.toml``.

Everything language-specific lives in that data file, so a translation is a new TOML file, not
code. Loading validates the whole file and reports every problem as ``<file>: <entry>: <what>``
(for example ``config/pain-vocabulary.en.toml: regions.shin.synonyms[2]: empty string``), so a
typo in a clinic's own vocabulary is fixed in one edit instead of surfacing as a silent miss.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from strava_rehab.errors import UserFacingError
from strava_rehab.errors import entry_path as _entry_path
from strava_rehab.pain.words import (
    NUMBER_SLOT,
    Phrase,
    PhraseMatcher,
    Token,
    UnionMatcher,
    normalize_word,
    tokenize,
)

# The ids the parser emits and the rules consume (config/rules.toml): fixed in code, because
# a region the rules do not know would be a pain report nobody acts on.
REGION_IDS: Final = (
    "plantar_heel",
    "forefoot",
    "achilles",
    "ankle",
    "calf",
    "shin",
    "knee_front",
    "knee_outer",
    "hamstring",
    "high_hamstring",
    "hip",
    "glute",
    "groin",
    "quad",
    "lower_back",
    # Added after the first release: the insertion of the Achilles at the heel bone (its own
    # protocol, jonsson2008), the top of the midfoot (navicular) and the front of the shin
    # (anterior tibial cortex), both high-risk bone-stress sites (warden2014).
    "achilles_insertion",
    "midfoot",
    "shin_front",
)
RED_FLAG_IDS: Final = (
    "night_pain",
    "rest_pain",
    "worsening_during_run",
    "limping",
    "hop_pain",
    "focal_tenderness",
    "walking_pain",
    "swelling",
    "redness_heat",
    "numbness",
    "weakness",
    "pop_or_snap",
    "cannot_bear_weight",
    "fall_or_impact",
    "feeling_unwell",
)
VOCABULARY_FILE_PATTERN: Final = "pain-vocabulary.{language}.toml"
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")
_MAX_REPORTED_PROBLEMS: Final = 20


class VocabularyError(UserFacingError, ValueError):
    """The vocabulary file is missing or wrong; the message names the file and each bad entry."""


# ---------------------------------------------------------------------------------------------
# The file's shape. Pydantic checks structure and types; the checks that need the whole file
# (ids, duplicates, phrases that tokenize to nothing) run afterwards in ``_check_entries``.


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _TextRules(_Section):
    sentence_breaks: list[str]
    clause_breaks: list[str]
    fillers: list[str]
    inner_fillers: list[str]
    location_words: list[str]
    plural_suffixes: list[str]
    # Real words that sit one or two letters from a region word ("heal", "groan", "shine"): never
    # read as a typo of that region.
    typo_exceptions: list[str] = Field(default_factory=list)
    # Letters runners write another way or leave out: {"ü" = ["ue", "u"], "é" = ["e"]}. Every
    # entry of the file is also matched in each spelling ("Hüfte" meets "Huefte" and "Hufte").
    spelling_variants: dict[str, list[str]] = Field(default_factory=dict)
    # Compound nouns ("Knieschmerzen" = "Knie" + "Schmerzen"): an unknown word that is a body
    # word, a link from compound_links ("Waden|krampf", "Achillessehne|n|schmerz") and a known
    # word is read as those two words. compound_drop_endings: "Hüfte" -> "Hüft|schmerzen".
    compound_words: bool = False
    compound_links: list[str] = Field(default_factory=list)
    compound_drop_endings: list[str] = Field(default_factory=list)
    # Word order: a side right after a region is that region's ("rodilla izquierda, tobillo"),
    # and these words may sit between them ("rodilla del lado izquierdo").
    sides_follow_region: bool = False
    side_after_links: list[str] = Field(default_factory=list)
    # Words shortened with a dot ("li.", "izq."): a "." right after one ends no sentence.
    abbreviations: list[str] = Field(default_factory=list)


class _Region(_Section):
    synonyms: list[str]


class _SideWords(_Section):
    left: list[str] = Field(default_factory=list)
    right: list[str] = Field(default_factory=list)
    both: list[str] = Field(default_factory=list)


class _SymptomGroup(_Section):
    words: list[str]
    # Rough NRS a bare word suggests ("niggle" ≈ 2): reported as ``estimated_score``, never as
    # ``score``, because the runner did not give a number.
    estimate: float | None = Field(default=None, ge=0, le=10)


class _Timing(_Section):
    phrases: list[str] = Field(default_factory=list)
    # Matched with the note's own capitals: "AM" is a time of day, "am" is a verb.
    case_sensitive: list[str] = Field(default_factory=list)
    # Pain at this time is itself a red flag (night or rest pain; sources.toml warden2014).
    red_flag: str | None = None


class _TimingWords(_Section):
    during: _Timing = Field(default_factory=_Timing)
    after: _Timing = Field(default_factory=_Timing)
    next_morning: _Timing = Field(default_factory=_Timing)
    at_rest: _Timing = Field(default_factory=_Timing)
    at_night: _Timing = Field(default_factory=_Timing)


class _TrendWords(_Section):
    better: list[str] = Field(default_factory=list)
    same: list[str] = Field(default_factory=list)
    worse: list[str] = Field(default_factory=list)


class _NegationWords(_Section):
    cues: list[str]
    phrases: list[str]
    all_clear: list[str]
    # After negating one thing a cue carries on across these: "no swelling or numbness".
    list_joiners: list[str]


class _Provocation(_Section):
    """What makes pain worse ("worse on hills", "stairs make it worse") says when it hurts, not
    that it is rising: a trend word next to one of these is not a trend."""

    words: list[str] = Field(default_factory=list)
    # May sit between the trend word and the provocation: "worse going up stairs".
    links: list[str] = Field(default_factory=list)
    # May sit between the provocation and the trend word: "hills make it worse".
    causes: list[str] = Field(default_factory=list)


class _Owners(_Section):
    """Whose pain a clause is about: "my partner's knee", "her calf", "Tom was limping"."""

    # Pronouns and people that make the pain someone else's.
    others: list[str] = Field(default_factory=list)
    # Words that bring the pain back to the runner ("my shin", "I").
    self: list[str] = Field(default_factory=list)
    # A capitalised unknown word (a name) followed by one of these is someone else: "Tom was".
    person_verbs: list[str] = Field(default_factory=list)
    # Words ending in "'s" that are not a person: "today's", "it's".
    not_possessives: list[str] = Field(default_factory=list)


class _ScoreWords(_Section):
    labels: list[str]
    labels_out_of_100: list[str]
    # Words allowed between a label and its number: "pain is 3", "pain level about 4".
    label_links: list[str]
    out_of: list[str]
    units: list[str]
    # Ratings of something else: "RPE 7/10", "sleep 6/10" are not pain scores.
    not_pain: list[str]
    # A word that makes the next number a score in a clause that names pain: "rodilla, un 4".
    number_leads: list[str] = Field(default_factory=list)


class _VocabularyFile(_Section):
    language: str
    text: _TextRules
    regions: dict[str, _Region]
    unplaced_body_words: list[str]
    sides: _SideWords
    side_letters: _SideWords
    symptoms: list[_SymptomGroup]
    timing: _TimingWords
    trend: _TrendWords
    negation: _NegationWords
    scores: _ScoreWords
    red_flags: dict[str, list[str]]
    provocation: _Provocation = Field(default_factory=_Provocation)
    owners: _Owners = Field(default_factory=_Owners)


# ---------------------------------------------------------------------------------------------
# The compiled vocabulary the parser uses.


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """A validated vocabulary, compiled into matchers. Build it with :func:`load_vocabulary`."""

    language: str
    source: str
    regions: PhraseMatcher
    unplaced_body_words: PhraseMatcher
    sides: PhraseMatcher
    side_letters: PhraseMatcher
    symptoms: PhraseMatcher
    symptom_estimates: dict[str, float | None]
    timing: PhraseMatcher
    timing_red_flags: dict[str, str]
    trend: PhraseMatcher
    negation_cues: PhraseMatcher
    negation_phrases: PhraseMatcher
    all_clear: PhraseMatcher
    negation_list_joiners: frozenset[str]
    red_flags: PhraseMatcher
    score_labels: PhraseMatcher
    score_out_of: PhraseMatcher
    score_units: frozenset[str]
    score_label_links: frozenset[str]
    score_not_pain: frozenset[str]
    sentence_breaks: frozenset[str]
    clause_breaks: frozenset[str]
    fillers: frozenset[str]
    location_words: frozenset[str]
    side_skippable: frozenset[str]
    # The canonical region ids this vocabulary knows: a subset of ``REGION_IDS``.
    region_ids: tuple[str, ...]
    typo_exceptions: frozenset[str] = frozenset()
    provocations: PhraseMatcher | None = None
    provocation_links: frozenset[str] = frozenset()
    provocation_causes: frozenset[str] = frozenset()
    owner_others: frozenset[str] = frozenset()
    owner_self: frozenset[str] = frozenset()
    person_verbs: frozenset[str] = frozenset()
    not_possessives: frozenset[str] = frozenset()
    # Compound nouns (text.compound_words): the words a compound may start and end with, and
    # every word the vocabulary knows whole (those are never split).
    compound_heads: frozenset[str] = frozenset()
    compound_tails: frozenset[str] = frozenset()
    whole_words: frozenset[str] = frozenset()
    # Side words of a language that writes them after the region (text.sides_follow_region).
    trailing_sides: frozenset[str] = frozenset()
    side_after_links: frozenset[str] = frozenset()
    number_leads: frozenset[str] = frozenset()
    plural_suffixes: tuple[str, ...] = ()
    abbreviations: frozenset[str] = frozenset()


def vocabulary_from_mapping(data: dict[str, Any], *, source: str) -> Vocabulary:
    """Validate and compile already-parsed TOML data; ``source`` names it in error messages."""
    try:
        parsed = _VocabularyFile.model_validate(data)
    except ValidationError as error:
        problems = [_describe_pydantic_error(e) for e in error.errors()]
        raise VocabularyError(_format_problems(source, problems)) from None
    problems = list(_check_entries(parsed))
    if problems:
        raise VocabularyError(_format_problems(source, problems))
    return _compile(parsed, source)


def _format_problems(source: str, problems: Sequence[str]) -> str:
    shown = [f"{source}: {p}" for p in problems[:_MAX_REPORTED_PROBLEMS]]
    if len(problems) > _MAX_REPORTED_PROBLEMS:
        shown.append(f"{source}: ... and {len(problems) - _MAX_REPORTED_PROBLEMS} more problems")
    return "\n".join(shown)


def _describe_pydantic_error(error: Any) -> str:
    kind = error["type"]
    entry = _entry_path(error["loc"])
    if kind == "extra_forbidden":
        return f"{entry}: unknown key (check its spelling)"
    if kind == "missing":
        return f"{entry}: missing"
    shown = repr(error.get("input"))
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{entry}: {error['msg'].lower()}, got {shown}"


# ---------------------------------------------------------------------------------------------
# Whole-file checks.


@dataclass(frozen=True, slots=True)
class _Entry:
    path: str
    text: str
    value: str


def _listed(path: str, words: Sequence[str], value: str) -> Iterator[_Entry]:
    for index, word in enumerate(words):
        yield _Entry(f"{path}[{index}]", word, value)


def _region_entries(parsed: _VocabularyFile) -> list[_Entry]:
    entries: list[_Entry] = []
    for region_id, region in parsed.regions.items():
        entries.extend(_listed(f"regions.{region_id}.synonyms", region.synonyms, region_id))
    return entries


def _side_entries(sides: _SideWords, section: str) -> list[_Entry]:
    return [
        *_listed(f"{section}.left", sides.left, "left"),
        *_listed(f"{section}.right", sides.right, "right"),
        *_listed(f"{section}.both", sides.both, "both"),
    ]


def _timing_entries(parsed: _VocabularyFile, *, case_sensitive: bool) -> list[_Entry]:
    entries: list[_Entry] = []
    for name in _TimingWords.model_fields:
        timing: _Timing = getattr(parsed.timing, name)
        words = timing.case_sensitive if case_sensitive else timing.phrases
        key = "case_sensitive" if case_sensitive else "phrases"
        entries.extend(_listed(f"timing.{name}.{key}", words, name))
    return entries


def _trend_entries(parsed: _VocabularyFile) -> list[_Entry]:
    return [
        *_listed("trend.better", parsed.trend.better, "better"),
        *_listed("trend.same", parsed.trend.same, "same"),
        *_listed("trend.worse", parsed.trend.worse, "worse"),
    ]


def _symptom_entries(parsed: _VocabularyFile) -> list[_Entry]:
    entries: list[_Entry] = []
    for index, group in enumerate(parsed.symptoms):
        entries.extend(_listed(f"symptoms[{index}].words", group.words, ""))
    return [_Entry(e.path, e.text, e.text.strip()) for e in entries]


def _red_flag_entries(parsed: _VocabularyFile) -> list[_Entry]:
    entries: list[_Entry] = []
    for flag, words in parsed.red_flags.items():
        entries.extend(_listed(f"red_flags.{flag}", words, flag))
    return entries


def _plain(path: str, words: Sequence[str]) -> list[_Entry]:
    return list(_listed(path, words, ""))


def _phrase_categories(parsed: _VocabularyFile) -> list[tuple[str, list[_Entry], bool]]:
    """(what, entries, may use {n}): each category is one namespace for duplicate checks."""
    body = _region_entries(parsed) + _plain("unplaced_body_words", parsed.unplaced_body_words)
    negation = parsed.negation
    return [
        ("body word", body, False),
        (
            "side word",
            _side_entries(parsed.sides, "sides")
            + _side_entries(parsed.side_letters, "side_letters"),
            False,
        ),
        ("symptom word", _symptom_entries(parsed), False),
        ("timing phrase", _timing_entries(parsed, case_sensitive=False), True),
        ("timing word", _timing_entries(parsed, case_sensitive=True), False),
        ("trend phrase", _trend_entries(parsed), False),
        ("negation cue", _plain("negation.cues", negation.cues), False),
        ("negation phrase", _plain("negation.phrases", negation.phrases), False),
        ("all-clear word", _plain("negation.all_clear", negation.all_clear), False),
        ("red-flag term", _red_flag_entries(parsed), False),
        (
            "score label",
            _plain("scores.labels", parsed.scores.labels)
            + _plain("scores.labels_out_of_100", parsed.scores.labels_out_of_100),
            False,
        ),
        ("out-of phrase", _plain("scores.out_of", parsed.scores.out_of), False),
        ("provocation", _plain("provocation.words", parsed.provocation.words), False),
    ]


def _single_token_lists(parsed: _VocabularyFile) -> list[tuple[str, Sequence[str]]]:
    text = parsed.text
    return [
        ("text.sentence_breaks", text.sentence_breaks),
        ("text.clause_breaks", text.clause_breaks),
        ("text.fillers", text.fillers),
        ("text.inner_fillers", text.inner_fillers),
        ("text.location_words", text.location_words),
        ("scores.units", parsed.scores.units),
        ("scores.label_links", parsed.scores.label_links),
        ("scores.not_pain", parsed.scores.not_pain),
        ("negation.list_joiners", parsed.negation.list_joiners),
        ("text.typo_exceptions", text.typo_exceptions),
        ("provocation.links", parsed.provocation.links),
        ("provocation.causes", parsed.provocation.causes),
        ("owners.others", parsed.owners.others),
        ("owners.self", parsed.owners.self),
        ("owners.person_verbs", parsed.owners.person_verbs),
        ("owners.not_possessives", parsed.owners.not_possessives),
        ("text.side_after_links", text.side_after_links),
        ("text.abbreviations", text.abbreviations),
        ("scores.number_leads", parsed.scores.number_leads),
    ]


def _check_entries(parsed: _VocabularyFile) -> Iterator[str]:
    if not _LANGUAGE.fullmatch(parsed.language):
        yield f"language: {parsed.language!r} is not a language code (like 'en' or 'pt-BR')"
    allowed_regions = ", ".join(REGION_IDS)
    for region_id, region in parsed.regions.items():
        if region_id not in REGION_IDS:
            yield f"regions.{region_id}: unknown region id (allowed: {allowed_regions})"
        elif not region.synonyms:
            yield f"regions.{region_id}.synonyms: no synonyms (list at least one)"
    allowed_flags = ", ".join(RED_FLAG_IDS)
    for flag in parsed.red_flags:
        if flag not in RED_FLAG_IDS:
            yield f"red_flags.{flag}: unknown red-flag id (allowed: {allowed_flags})"
    for name in _TimingWords.model_fields:
        timing: _Timing = getattr(parsed.timing, name)
        if timing.red_flag is not None and timing.red_flag not in RED_FLAG_IDS:
            yield (
                f"timing.{name}.red_flag: unknown red-flag id {timing.red_flag!r} "
                f"(allowed: {allowed_flags})"
            )
    for index, suffix in enumerate(parsed.text.plural_suffixes):
        if not suffix.isalpha():
            yield f"text.plural_suffixes[{index}]: {suffix!r} must be letters only"
    for key in ("compound_links", "compound_drop_endings"):
        for index, link in enumerate(getattr(parsed.text, key)):
            if not link.isalpha():
                yield f"text.{key}[{index}]: {link!r} must be letters only"
    if parsed.text.compound_links and not parsed.text.compound_words:
        yield "text.compound_links: set text.compound_words = true to use them"
    for letters, spellings in parsed.text.spelling_variants.items():
        if not letters.isalpha():
            yield f"text.spelling_variants.{letters}: {letters!r} must be letters only"
        if not spellings:
            yield f"text.spelling_variants.{letters}: no spellings (list at least one)"
        for index, spelling in enumerate(spellings):
            if not spelling.isalpha():
                yield (
                    f"text.spelling_variants.{letters}[{index}]: {spelling!r} must be letters only"
                )
    for path, words in _single_token_lists(parsed):
        for index, word in enumerate(words):
            if not word.strip():
                yield f"{path}[{index}]: empty string"
            elif len(tokenize(word)) != 1:
                yield f"{path}[{index}]: {word!r} must be a single word or mark"
    for what, entries, slots_allowed in _phrase_categories(parsed):
        yield from _check_phrases(what, entries, slots_allowed=slots_allowed)


def _check_phrases(what: str, entries: Sequence[_Entry], *, slots_allowed: bool) -> Iterator[str]:
    seen: dict[tuple[str, ...], _Entry] = {}
    for entry in entries:
        if not entry.text.strip():
            yield f"{entry.path}: empty string"
            continue
        tokens = tokenize(entry.text, allow_slots=slots_allowed)
        if any(t.kind == "linebreak" for t in tokens):
            yield f"{entry.path}: {entry.text!r} must not contain a line break"
            continue
        if not slots_allowed and "{n}" in entry.text:
            yield f"{entry.path}: the number slot {NUMBER_SLOT} is only allowed in timing phrases"
            continue
        if all(t.kind == "number" for t in tokens):
            yield f"{entry.path}: {entry.text!r} needs at least one word or mark"
            continue
        key = tuple(t.norm for t in tokens)
        earlier = seen.get(key)
        if earlier is not None:
            yield (
                f"{entry.path}: {entry.text!r} is already a {what} at {earlier.path}; "
                "each phrase may appear only once"
            )
            continue
        seen[key] = entry


# ---------------------------------------------------------------------------------------------
# Compilation.


_Spellings = tuple[tuple[str, tuple[str, ...]], ...]
# At most this many spellings of one phrase: "Oberschenkelrückseite" has three, not thousands.
_MAX_SPELLINGS: Final = 16


def _spellings_of(rules: dict[str, list[str]]) -> _Spellings:
    """The spelling rules, longest letters first, compared as the notes' words are (casefolded)."""
    folded = ((normalize_word(k), tuple(normalize_word(v) for v in vs)) for k, vs in rules.items())
    return tuple(sorted(folded, key=lambda rule: len(rule[0]), reverse=True))


def _spell(word: str, rules: _Spellings) -> list[str]:
    """``word`` and its other spellings ("hüfte" -> "hüfte", "huefte", "hufte"), itself first."""
    if not rules:
        return [word]
    found: list[str] = [""]
    index = 0
    while index < len(word):
        for letters, others in rules:
            if word.startswith(letters, index):
                found = [f + part for f in found for part in (letters, *others)]
                index += len(letters)
                break
        else:
            found = [f + word[index] for f in found]
            index += 1
        found = found[:_MAX_SPELLINGS]
    return list(dict.fromkeys(found))


def _spelled_parts(parts: tuple[str, ...], rules: _Spellings) -> list[tuple[str, ...]]:
    combined: list[tuple[str, ...]] = [()]
    for part in parts:
        combined = [(*c, s) for c in combined for s in _spell(part, rules)][:_MAX_SPELLINGS]
    return combined


def _phrases(
    entries: Iterable[_Entry],
    *,
    slots: bool = False,
    case: bool = False,
    spellings: _Spellings = (),
) -> list[Phrase]:
    compiled: list[Phrase] = []
    others: list[Phrase] = []
    for entry in entries:
        tokens: list[Token] = tokenize(entry.text, allow_slots=slots)
        parts = tuple(t.raw if case else t.norm for t in tokens)
        compiled.append(Phrase(parts, entry.value, entry.text.strip(), case_sensitive=case))
        if spellings and not case:
            others.extend(
                Phrase(spelled, entry.value, entry.text.strip())
                for spelled in _spelled_parts(parts, spellings)[1:]
            )
    # The entries as written come first, so one of them wins over another's spelling variant.
    return compiled + others


def _norms(words: Iterable[str], spellings: _Spellings = ()) -> frozenset[str]:
    return frozenset(s for w in words for s in _spell(tokenize(w)[0].norm, spellings))


def _one_words(matchers: Iterable[PhraseMatcher]) -> set[str]:
    return {word for m in matchers for word, _ in m.one_word_phrases()}


def _compounds(
    text: _TextRules, body: Sequence[PhraseMatcher], tails: Sequence[PhraseMatcher]
) -> tuple[frozenset[str], frozenset[str]]:
    """The words a compound may start with (a body word, maybe with a link) and end with."""
    if not text.compound_words:
        return frozenset(), frozenset()
    links = ("", *(normalize_word(link) for link in text.compound_links))
    drops = [normalize_word(d) for d in text.compound_drop_endings]
    heads: set[str] = set()
    for word in _one_words(body):
        if not word.isalpha():
            continue
        heads.update(word + link for link in links)
        heads.update(word[: -len(d)] for d in drops if word.endswith(d) and len(word) > len(d) + 2)
    return frozenset(heads), frozenset(w for w in _one_words(tails) if w.isalpha())


def _compile(parsed: _VocabularyFile, source: str) -> Vocabulary:
    text = parsed.text
    suffixes = tuple(s.casefold() for s in text.plural_suffixes)
    spellings = _spellings_of(text.spelling_variants)
    sides = _side_entries(parsed.sides, "sides")
    letters = _side_entries(parsed.side_letters, "side_letters")
    one_word_sides = {e.text for e in (*sides, *letters) if len(tokenize(e.text)) == 1}
    inner = _norms(text.inner_fillers, spellings) | _norms(one_word_sides, spellings)

    def words(items: Iterable[str]) -> frozenset[str]:
        return _norms(items, spellings)

    def phrases(entries: Iterable[_Entry], *, slots: bool = False) -> list[Phrase]:
        return _phrases(entries, slots=slots, spellings=spellings)

    def matcher(phrases: Iterable[Phrase]) -> PhraseMatcher:
        return PhraseMatcher(phrases, inner_fillers=inner, plural_suffixes=suffixes)

    symptoms = _symptom_entries(parsed)
    estimates: dict[str, float | None] = {}
    for group in parsed.symptoms:
        for word in group.words:
            estimates[word.strip()] = group.estimate
    negation = parsed.negation
    timing_flags = {
        name: flag
        for name in _TimingWords.model_fields
        if (flag := getattr(parsed.timing, name).red_flag) is not None
    }
    scores = parsed.scores
    regions = matcher(phrases(_region_entries(parsed)))
    unplaced = matcher(phrases(_plain("unplaced_body_words", parsed.unplaced_body_words)))
    symptom_words = matcher(phrases(symptoms))
    red_flags = matcher(phrases(_red_flag_entries(parsed)))
    fillers = words(text.fillers)
    sides_matcher = matcher(phrases(sides))
    negation_cues = matcher(phrases(_plain("negation.cues", negation.cues)))
    heads, tails = _compounds(text, (regions, unplaced), (symptom_words, red_flags, regions))
    return Vocabulary(
        language=parsed.language,
        source=source,
        regions=regions,
        unplaced_body_words=unplaced,
        sides=sides_matcher,
        side_letters=PhraseMatcher(phrases(letters)),
        symptoms=symptom_words,
        symptom_estimates=estimates,
        timing=matcher(
            phrases(_timing_entries(parsed, case_sensitive=False), slots=True)
            + _phrases(_timing_entries(parsed, case_sensitive=True), case=True)
        ),
        timing_red_flags=timing_flags,
        trend=matcher(phrases(_trend_entries(parsed))),
        negation_cues=negation_cues,
        negation_phrases=matcher(phrases(_plain("negation.phrases", negation.phrases))),
        all_clear=matcher(phrases(_plain("negation.all_clear", negation.all_clear))),
        negation_list_joiners=words(negation.list_joiners),
        red_flags=red_flags,
        score_labels=matcher(
            phrases(_listed("scores.labels", scores.labels, "10"))
            + phrases(_listed("scores.labels_out_of_100", scores.labels_out_of_100, "100"))
        ),
        score_out_of=PhraseMatcher(phrases(_plain("scores.out_of", scores.out_of))),
        score_units=words(scores.units),
        score_label_links=words(scores.label_links),
        score_not_pain=words(scores.not_pain),
        sentence_breaks=words(text.sentence_breaks),
        clause_breaks=words(text.clause_breaks),
        fillers=fillers,
        location_words=words(text.location_words),
        side_skippable=inner,
        region_ids=tuple(r for r in REGION_IDS if r in parsed.regions),
        typo_exceptions=words(text.typo_exceptions),
        provocations=matcher(phrases(_plain("provocation.words", parsed.provocation.words))),
        provocation_links=words(parsed.provocation.links),
        provocation_causes=words(parsed.provocation.causes),
        owner_others=words(parsed.owners.others),
        owner_self=words(parsed.owners.self),
        person_verbs=words(parsed.owners.person_verbs),
        not_possessives=words(parsed.owners.not_possessives),
        compound_heads=heads,
        compound_tails=tails,
        whole_words=frozenset(
            _one_words((regions, unplaced, symptom_words, red_flags, sides_matcher, negation_cues))
            | fillers
        )
        if heads
        else frozenset(),
        trailing_sides=frozenset(w for w, _ in sides_matcher.one_word_phrases())
        if text.sides_follow_region
        else frozenset(),
        side_after_links=words(text.side_after_links),
        number_leads=words(scores.number_leads),
        plural_suffixes=suffixes,
        abbreviations=words(text.abbreviations),
    )


# ---------------------------------------------------------------------------------------------
# Several languages at once.


def _union(matchers: Iterable[PhraseMatcher | None]) -> PhraseMatcher:
    return UnionMatcher(m for m in matchers if m is not None)


def _owners_without_fillers(vocabularies: Sequence[Vocabulary], field: str) -> frozenset[str]:
    """Owner words of each language, less those another language reads as a filler: German
    "Kind" (a child) is English "kind of sore", so a mixed note keeps it a filler."""
    kept: set[str] = set()
    for vocabulary in vocabularies:
        words: frozenset[str] = getattr(vocabulary, field)
        elsewhere = set().union(
            *(v.fillers - getattr(v, field) for v in vocabularies if v is not vocabulary)
        )
        kept.update(words - elsewhere)
    return frozenset(kept)


def merge_vocabularies(vocabularies: Sequence[Vocabulary]) -> Vocabulary:
    """One vocabulary reading every language of ``vocabularies``, the preferred one first.

    Each phrase category is the union of the languages' phrases; where two languages read the
    same words differently (a region, a side), the one listed first wins. Word lists are unions.
    One vocabulary is returned as it is, so a single language reads exactly as before.
    """
    if not vocabularies:
        raise ValueError("merge_vocabularies needs at least one vocabulary")
    if len(vocabularies) == 1:
        return vocabularies[0]

    def matchers(name: str) -> PhraseMatcher:
        return _union(getattr(v, name) for v in vocabularies)

    def words(name: str) -> frozenset[str]:
        return frozenset().union(*(getattr(v, name) for v in vocabularies))

    def first_wins(name: str) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for vocabulary in reversed(vocabularies):
            merged.update(getattr(vocabulary, name))
        return merged

    return Vocabulary(
        language="+".join(v.language for v in vocabularies),
        source=" + ".join(v.source for v in vocabularies),
        regions=matchers("regions"),
        unplaced_body_words=matchers("unplaced_body_words"),
        sides=matchers("sides"),
        side_letters=matchers("side_letters"),
        symptoms=matchers("symptoms"),
        symptom_estimates=first_wins("symptom_estimates"),
        timing=matchers("timing"),
        timing_red_flags=first_wins("timing_red_flags"),
        trend=matchers("trend"),
        negation_cues=matchers("negation_cues"),
        negation_phrases=matchers("negation_phrases"),
        all_clear=matchers("all_clear"),
        negation_list_joiners=words("negation_list_joiners"),
        red_flags=matchers("red_flags"),
        score_labels=matchers("score_labels"),
        score_out_of=matchers("score_out_of"),
        score_units=words("score_units"),
        score_label_links=words("score_label_links"),
        score_not_pain=words("score_not_pain"),
        sentence_breaks=words("sentence_breaks"),
        clause_breaks=words("clause_breaks"),
        fillers=words("fillers"),
        location_words=words("location_words"),
        side_skippable=words("side_skippable"),
        region_ids=tuple(r for r in REGION_IDS if any(r in v.region_ids for v in vocabularies)),
        typo_exceptions=words("typo_exceptions"),
        provocations=_union(v.provocations for v in vocabularies),
        provocation_links=words("provocation_links"),
        provocation_causes=words("provocation_causes"),
        owner_others=_owners_without_fillers(vocabularies, "owner_others"),
        owner_self=_owners_without_fillers(vocabularies, "owner_self"),
        person_verbs=_owners_without_fillers(vocabularies, "person_verbs"),
        not_possessives=words("not_possessives"),
        compound_heads=words("compound_heads"),
        compound_tails=words("compound_tails"),
        whole_words=words("whole_words")
        | (
            frozenset()
            if not any(v.compound_heads for v in vocabularies)
            else frozenset(w for v in vocabularies for w, _ in _all_one_words(v))
        ),
        trailing_sides=words("trailing_sides"),
        side_after_links=words("side_after_links"),
        number_leads=words("number_leads"),
        plural_suffixes=tuple(dict.fromkeys(s for v in vocabularies for s in v.plural_suffixes)),
        abbreviations=words("abbreviations"),
    )


def _all_one_words(vocabulary: Vocabulary) -> list[tuple[str, str]]:
    """Every one-word phrase of the vocabulary's body, symptom, side and negation words."""
    return [
        pair
        for m in (
            vocabulary.regions,
            vocabulary.unplaced_body_words,
            vocabulary.symptoms,
            vocabulary.red_flags,
            vocabulary.sides,
            vocabulary.negation_cues,
        )
        for pair in m.one_word_phrases()
    ] + [(w, "") for w in vocabulary.fillers]
