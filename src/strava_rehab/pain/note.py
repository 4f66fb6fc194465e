"""Reading a runner's note into pain reports: "left shin sore 4/10, right knee 2/10" -> two reports.

How a note is read (scores on the 0-10 NRS of sources.toml farrar2001):

1. Only the first ``MAX_NOTE_CHARS`` characters are read. Strava notes are a few lines; the cap
   keeps a pasted novel (or a fuzzer) from costing more than a few milliseconds.
2. The note is cut into sentences (``text.sentence_breaks`` and line breaks) and each sentence into
   clauses (``text.clause_breaks``: commas, "and", "but"...), except where a break sits inside a
   known phrase ("pins and needles", "left and right").
3. Every clause naming a body region gives one report per region. A side ("left", or a bare "L"
   touching the body word) and a score bind to the nearest region of their clause; symptom, timing,
   trend, negation and red-flag words are shared by the regions of the clause.
4. A clause with no region belongs to the region clause before it ("hamstring tight but no pain",
   "heel pain on first steps, 3"), or after it if it comes first. If it brings its own score, or
   its own time, it is a second reading of the same region ("knee 2/10 during, 4/10 after"). If it
   names its own sore body part that the vocabulary does not know ("knee sore, pinky toe hurts") it
   is its own report with ``region=None``: unknown words are kept in ``unknown_terms``, never
   guessed into a region. A leading clause with words the vocabulary does not know and no symptom
   ("Session 7/10, knee sore") rates something else and is left out.
5. A bare region clause ("left shin and right knee sore") shares what the next region clause says.
6. A region is only reported when something says it hurts (a symptom word, a score, a negation,
   an all-clear word, a trend or a red flag): "calf raises after" is a workout, not pain.
7. A sentence without any region:
   * with a symptom, a negation or a labelled score ("sore 4/10", "no pain today", "VAS 45") it is
     a ``region=None`` report;
   * with only a score, trend or red flag and no unknown words ("3/10.", "Worse at night.") it
     completes the region the sentence before left bare ("Shins!! 4/10"), or else the previous
     report (when that one has no score yet);
   * an unplaced red flag ("Limping.") is always kept as a ``region=None`` report; a lone rating
     ("Great session 8/10") is not pain and gives nothing.

When one report collects several timings, the most persistent one wins (at night > at rest > next
morning > after > during), because persistence is what the pain rules test; several trends resolve
to the worst; several scores to the highest.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final, Generic, TypeVar

from strava_rehab.pain.compounds import split_compounds
from strava_rehab.pain.intensity import Score, find_scores
from strava_rehab.pain.model import PainReport, ScoreConfidence, Side, Timing, Trend
from strava_rehab.pain.typos import typo_regions
from strava_rehab.pain.vocabulary import Vocabulary
from strava_rehab.pain.words import JOINERS, Span, Token, tokenize

# Characters read from a note; the rest is ignored (documented in the module docstring).
MAX_NOTE_CHARS: Final = 16_384

_TIMING_PRIORITY: Final[tuple[Timing, ...]] = (
    "at_night",
    "at_rest",
    "next_morning",
    "after",
    "during",
)
_TREND_PRIORITY: Final[tuple[Trend, ...]] = ("worse", "same", "better")
_BRACKETS: Final = frozenset("()[]{}<>")
# Between a region and a side written after it: "knee (L)", "knee-left", "knee: right".
_SIDE_AFTER_GAP: Final = _BRACKETS | JOINERS | {":"}
_SIDE_GAP_BEFORE: Final = 3
_SIDE_GAP_AFTER: Final = 2
_NEGATION_REACH: Final = 8
_SCORE_BEFORE_REGION: Final = 2
_CLEAR_REACH: Final = 3
_WORDS_BEFORE_SYMPTOM: Final = 3
_WORDS_AFTER_LOCATION: Final = 2
# How far a provocation ("on hills", "stairs make it") may sit from a trend word.
_PROVOCATION_REACH: Final = 4
_POSSESSIVE_ENDINGS: Final = ("'s", "’s", "ʼs")


_T = TypeVar("_T", bound=str)
_Item = TypeVar("_Item", Span, Score)


class _Sorted(Generic[_Item]):
    """Spans (or scores) sorted by start, with a bisect lookup of those starting in a range."""

    def __init__(self, items: Iterable[_Item]) -> None:
        self.items: list[_Item] = sorted(items, key=lambda item: item.start)
        self._starts: list[int] = [item.start for item in self.items]

    def within(self, start: int, end: int) -> list[_Item]:
        low = bisect.bisect_left(self._starts, start)
        return self.items[low : bisect.bisect_left(self._starts, end)]


@dataclass(frozen=True, slots=True)
class _Found:
    """What the vocabulary found in one sentence."""

    tokens: Sequence[Token]
    regions: _Sorted[Span]
    body: _Sorted[Span]
    sides: _Sorted[Span]
    letters: _Sorted[Span]
    symptoms: _Sorted[Span]
    timing: _Sorted[Span]
    trend: _Sorted[Span]
    cues: _Sorted[Span]
    negation_phrases: _Sorted[Span]
    all_clear: _Sorted[Span]
    red_flags: _Sorted[Span]
    scores: _Sorted[Score]
    # "worse on hills": trend words that only say what provokes the pain (still pain).
    provoked: _Sorted[Span]
    # Token indices inside any phrase other than an unplaced body word.
    known: frozenset[int]


@dataclass(slots=True)
class _Clause:
    """One clause of a sentence, summarised; ``start``/``end`` are token indices."""

    start: int
    end: int
    char_start: int
    char_end: int
    regions: list[Span] = field(default_factory=list)
    region_sides: dict[int, set[str]] = field(default_factory=dict)
    region_scores: dict[int, list[Score]] = field(default_factory=dict)
    region_clear: set[int] = field(default_factory=set)
    scores: list[Score] = field(default_factory=list)
    body_sides: set[str] = field(default_factory=set)
    symptoms: list[str] = field(default_factory=list)
    estimates: list[float] = field(default_factory=list)
    any_symptom: bool = False
    # "knee worse on hills": says when it hurts (pain), not that it is rising.
    provoked: bool = False
    negated: bool = False
    # The negation was about one time or warning sign ("no pain at rest", "no night pain or
    # limping"), not about pain itself: it does not cancel a pain named alongside it.
    qualified: bool = False
    timings: list[str] = field(default_factory=list)
    trends: list[str] = field(default_factory=list)
    red_flags: list[str] = field(default_factory=list)
    body_terms: set[int] = field(default_factory=set)
    near_terms: set[int] = field(default_factory=set)
    pure: bool = False
    # Words the vocabulary does not know ("session", "tempo"): a score among them may rate
    # something other than pain, so it is not carried over to a region named elsewhere.
    extra_words: bool = False

    @property
    def evidence(self) -> bool:
        """Something in the clause says pain (or its absence), not just a body word."""
        return bool(
            self.any_symptom
            or self.provoked
            or self.negated
            or self.scores
            or self.region_clear
            or self.red_flags
            or self.trends
        )

    @property
    def independent(self) -> bool:
        """A region-less clause that names its own sore spot: "pinky toe hurts"."""
        return bool(self.symptoms) and bool(self.body_terms | self.near_terms)


@dataclass(slots=True)
class _Draft:
    """A report being assembled from clauses; becomes a PainReport at the end."""

    region: str | None
    sides: set[str]
    scores: list[Score]
    clauses: list[_Clause]
    unknown: list[str]
    clear: bool = False
    borrowed: list[_Clause] = field(default_factory=list)
    borrowed_scores: list[Score] = field(default_factory=list)
    extra_char_end: int = 0

    @property
    def char_start(self) -> int:
        return min(c.char_start for c in self.clauses)

    @property
    def char_end(self) -> int:
        return max(self.extra_char_end, *(c.char_end for c in self.clauses))

    @property
    def evidence(self) -> bool:
        return self.clear or bool(self.scores) or any(c.evidence for c in self.clauses)

    def attach(self, clause: _Clause) -> None:
        self.clauses.append(clause)
        self.scores.extend(clause.scores)

    def report(self, note: str) -> PainReport:
        shared = self.clauses + self.borrowed
        scores = self.scores or self.borrowed_scores
        symptoms = _unique(s for c in shared for s in c.symptoms)
        estimates = [e for c in shared for e in c.estimates]
        score: float | None = None
        confidence: ScoreConfidence | None = None
        if scores:
            best = max(scores, key=lambda s: (s.value, s.confidence == "high"))
            score, confidence = best.value, best.confidence
        red_flags = tuple(_unique(f for c in shared for f in c.red_flags))
        trend = _first_of(_TREND_PRIORITY, (t for c in shared for t in c.trends))
        positive = (
            bool(symptoms)
            or (score is not None and score > 0)
            or bool(red_flags)
            or trend == "worse"
            or any(c.provoked for c in shared)
        )
        whole = any(c.negated and not c.qualified for c in shared)
        qualified = any(c.negated and c.qualified for c in shared)
        negated = whole or score == 0 or ((self.clear or qualified) and not positive)
        return PainReport(
            region=self.region,
            side=_side(self.sides),
            score=score,
            timing=_first_of(_TIMING_PRIORITY, (t for c in shared for t in c.timings)),
            negated=negated,
            trend=trend,
            red_flags=red_flags,
            unknown_terms=tuple(self.unknown),
            text=note[self.char_start : self.char_end].strip(),
            score_confidence=confidence,
            estimated_score=max(estimates) if estimates and symptoms else None,
            symptoms=tuple(symptoms),
        )


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _first_of(priority: Sequence[_T], found: Iterable[str]) -> _T | None:
    present = set(found)
    for value in priority:
        if value in present:
            return value
    return None


def _side(sides: set[str]) -> Side | None:
    if "both" in sides or {"left", "right"} <= sides:
        return "both"
    if "left" in sides:
        return "left"
    if "right" in sides:
        return "right"
    return None


# ---------------------------------------------------------------------------------------------
# Sentences and what the vocabulary finds in them.


def _sentences(tokens: Sequence[Token], vocabulary: Vocabulary) -> Iterator[list[Token]]:
    current: list[Token] = []
    for token in tokens:
        if token.norm == "." and current and _abbreviated(current[-1], token, vocabulary):
            current.append(token)  # "Knie li. 3/10": the dot shortens a word
        elif token.kind == "linebreak" or (
            token.kind != "number" and token.norm in vocabulary.sentence_breaks
        ):
            if current:
                yield current
            current = []
        else:
            current.append(token)
    if current:
        yield current


def _abbreviated(word: Token, dot: Token, vocabulary: Vocabulary) -> bool:
    return word.kind == "word" and word.end == dot.start and word.norm in vocabulary.abbreviations


def _indices(spans: Iterable[Span]) -> set[int]:
    return {i for span in spans for i in range(span.start, span.end)}


def _find(tokens: Sequence[Token], vocabulary: Vocabulary) -> _Found:
    regions = vocabulary.regions.find(tokens)
    sides = vocabulary.sides.find(tokens)
    letters = vocabulary.side_letters.find(tokens)
    symptoms = vocabulary.symptoms.find(tokens)
    timing = vocabulary.timing.find(tokens)
    trend = vocabulary.trend.find(tokens)
    cues = vocabulary.negation_cues.find(tokens)
    negation_phrases = vocabulary.negation_phrases.find(tokens)
    all_clear = vocabulary.all_clear.find(tokens)
    red_flags = vocabulary.red_flags.find(tokens)
    labels = vocabulary.score_labels.find(tokens)
    known = _indices(
        [
            *regions,
            *sides,
            *letters,
            *symptoms,
            *timing,
            *trend,
            *cues,
            *negation_phrases,
            *all_clear,
            *red_flags,
            *labels,
        ]
    )
    # A body word inside a known phrase ("back" in "lower back") is not an unplaced body word.
    body = [
        span
        for span in vocabulary.unplaced_body_words.find(tokens)
        if not any(i in known for i in range(span.start, span.end))
    ]
    # "achiles", "hamstrng": a typo of exactly one region word is that region.
    typos = typo_regions(tokens, vocabulary, known | _indices(body))
    if typos:
        regions = sorted([*regions, *typos], key=lambda span: span.start)
        known = known | _indices(typos)
    # "worse on hills", "stairs make it worse": when it hurts, not a trend.
    provoked = _provoked_spans(tokens, vocabulary, [*trend, *red_flags], regions)
    trend = [span for span in trend if span not in provoked]
    red_flags = [
        span
        for span in red_flags
        if not (span.value == "worsening_during_run" and span in provoked)
    ]
    scores = find_scores(
        tokens,
        vocabulary,
        symptoms=symptoms,
        regions=regions,
        reserved=_indices(timing),
        known=known | _indices(body),
    )
    known = known | {i for score in scores for i in range(score.start, score.end)}
    return _Found(
        tokens=tokens,
        regions=_Sorted(regions),
        body=_Sorted(body),
        sides=_Sorted(sides),
        letters=_Sorted(letters),
        symptoms=_Sorted(symptoms),
        timing=_Sorted(timing),
        trend=_Sorted(trend),
        cues=_Sorted(cues),
        negation_phrases=_Sorted(negation_phrases),
        all_clear=_Sorted(all_clear),
        red_flags=_Sorted(red_flags),
        scores=_Sorted(scores),
        provoked=_Sorted(provoked),
        known=frozenset(known),
    )


def _provoked_spans(
    tokens: Sequence[Token],
    vocabulary: Vocabulary,
    spans: Sequence[Span],
    regions: Sequence[Span],
) -> list[Span]:
    """The trend (or "got worse during") spans that only say what provokes the pain."""
    if vocabulary.provocations is None or not spans:
        return []
    found = vocabulary.provocations.find(tokens)
    if not found:
        return []
    starts = {span.start for span in found}
    ends = {span.end for span in found}
    region_tokens = _indices(regions)
    passable = vocabulary.fillers | vocabulary.provocation_links | JOINERS
    provoked: list[Span] = []
    for span in spans:
        index, steps = span.end, 0
        hit = False
        while index < len(tokens) and steps <= _PROVOCATION_REACH:
            if index in starts:
                hit = True
                break
            if tokens[index].norm not in passable:
                break
            index += 1
            steps += 1
        index, steps = span.start, 0
        while not hit and index > 0 and steps <= _PROVOCATION_REACH:
            if index in ends:
                hit = True
                break
            before = index - 1
            norm = tokens[before].norm
            if not (
                norm in vocabulary.provocation_causes
                or norm in vocabulary.fillers
                or before in region_tokens
            ):
                break
            index -= 1
            steps += 1
        if hit:
            provoked.append(span)
    return provoked


def _clause_ranges(found: _Found, vocabulary: Vocabulary) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    start = 0
    for index, token in enumerate(found.tokens):
        if token.norm in vocabulary.clause_breaks and index not in found.known:
            if index > start:
                ranges.append((start, index))
            start = index + 1
    if start < len(found.tokens):
        ranges.append((start, len(found.tokens)))
    return ranges


# ---------------------------------------------------------------------------------------------
# One clause.


class _ClauseReader:
    def __init__(self, found: _Found, vocabulary: Vocabulary, start: int, end: int) -> None:
        self.found = found
        self.vocabulary = vocabulary
        self.tokens = found.tokens
        self.start = start
        self.end = end
        self.regions = found.regions.within(start, end)
        self.region_starts = [r.start for r in self.regions]
        self.body = found.body.within(start, end)
        self._body_tokens = _indices(self.body)

    def read(self) -> _Clause:
        tokens = self.tokens
        clause = _Clause(
            start=self.start,
            end=self.end,
            char_start=tokens[self.start].start,
            char_end=tokens[self.end - 1].end,
            regions=self.regions,
        )
        for region in self.regions:
            clause.region_sides[region.start] = set()
            clause.region_scores[region.start] = []
        self._bind_sides(clause)
        self._bind_scores(clause)
        negated = self._negated_starts()
        symptoms = self.found.symptoms.within(self.start, self.end)
        clause.any_symptom = bool(symptoms)
        for span in symptoms:
            if ("symptom", span.start) in negated:
                clause.negated = True
                continue
            clause.symptoms.append(span.phrase)
            estimate = self.vocabulary.symptom_estimates.get(span.phrase)
            if estimate is not None:
                clause.estimates.append(estimate)
        if self.found.negation_phrases.within(self.start, self.end):
            clause.negated = True
        flag_starts = {start for kind, start in negated if kind == "red_flag"}
        negated_symptoms = [start for kind, start in negated if kind == "symptom"]
        clause.qualified = any(kind == "timing" for kind, _ in negated) or (
            bool(negated_symptoms) and all(start in flag_starts for start in negated_symptoms)
        )
        red_flags: list[tuple[int, str]] = [
            (span.start, span.value)
            for span in self.found.red_flags.within(self.start, self.end)
            if ("red_flag", span.start) not in negated
        ]
        for span in self.found.timing.within(self.start, self.end):
            if ("timing", span.start) in negated:
                continue  # "no pain at night" says nothing about when it does hurt
            clause.timings.append(span.value)
            flag = self.vocabulary.timing_red_flags.get(span.value)
            if flag is not None:
                red_flags.append((span.start, flag))
        clause.red_flags = _unique(flag for _, flag in sorted(red_flags))
        clause.trends = [s.value for s in self.found.trend.within(self.start, self.end)]
        clause.provoked = bool(self.found.provoked.within(self.start, self.end))
        self._mark_all_clear(clause)
        for span in self.body:
            clause.body_terms.update(range(span.start, span.end))
        clause.near_terms = self._words_near_symptoms(symptoms)
        clause.pure = not clause.evidence and self._only_body_and_sides()
        clause.extra_words = any(
            self._unknown_word(i) and i not in self._body_tokens
            for i in range(self.start, self.end)
        )
        return clause

    # Sides ------------------------------------------------------------------------------------

    def _gap_ok(self, start: int, end: int, allowed: frozenset[str] | set[str]) -> bool:
        return all(
            self.tokens[i].norm in allowed or i in self._body_tokens for i in range(start, end)
        )

    def _side_target(
        self, side: Span, targets: Sequence[Span], starts: Sequence[int], *, letter: bool
    ) -> int | None:
        """Index into ``targets`` (sorted, ``starts`` theirs) of the body word ``side`` names."""
        at = bisect.bisect_right(starts, side.start) - 1
        if at >= 0 and targets[at].end >= side.end:
            return at  # inside the phrase: "outside of left knee"
        before_gap = set(JOINERS | _BRACKETS) | (
            set() if letter else set(self.vocabulary.side_skippable)
        )
        after_gap = _SIDE_AFTER_GAP | self.vocabulary.side_after_links
        after: int | None = None
        if at >= 0:
            # The rest of a compound the region starts ("Knie|schmerzen rechts") is no gap.
            end = targets[at].end
            while end < side.start and _glued(self.tokens[end - 1], self.tokens[end]):
                end += 1
            trailing = self.tokens[side.start].norm in self.vocabulary.trailing_sides
            # "espinilla de la pierna izquierda": a language that writes sides after the
            # region reaches as far back as one writing them before reaches forward.
            reach = _SIDE_GAP_BEFORE if trailing else _SIDE_GAP_AFTER
            if side.start - end <= reach and self._gap_ok(end, side.start, after_gap):
                after = at
        if after is not None and self.tokens[side.start].norm in self.vocabulary.trailing_sides:
            return after  # "rodilla izquierda tobillo": the knee's, not the ankle's
        following = at + 1
        if following < len(targets):
            gap = targets[following].start - side.end
            limit = 1 if letter else _SIDE_GAP_BEFORE
            if gap <= limit and self._gap_ok(side.end, targets[following].start, before_gap):
                return following
        return after

    def _bind_sides(self, clause: _Clause) -> None:
        full = [(s, False) for s in self.found.sides.within(self.start, self.end)]
        letters = [(s, True) for s in self.found.letters.within(self.start, self.end)]
        body_starts = [b.start for b in self.body]
        for side, letter in full + letters:
            target = self._side_target(side, self.regions, self.region_starts, letter=letter)
            if target is not None:
                clause.region_sides[self.regions[target].start].add(side.value)
                continue
            if self._side_target(side, self.body, body_starts, letter=letter) is not None:
                clause.body_sides.add(side.value)

    # Scores -----------------------------------------------------------------------------------

    def _bind_scores(self, clause: _Clause) -> None:
        clause.scores = self.found.scores.within(self.start, self.end)
        if not self.regions:
            return
        for score in clause.scores:
            at = bisect.bisect_right(self.region_starts, score.start) - 1
            candidates: list[tuple[int, int, Span]] = []
            # Scores follow their region ("knee: 3/10 hip: 2/10"), so one written before a
            # region counts as further away than the same gap after one.
            if at >= 0:
                before = self.regions[at]
                candidates.append((max(0, score.start - before.end), 0, before))
            if at + 1 < len(self.regions):
                after = self.regions[at + 1]
                candidates.append((after.start - score.end + _SCORE_BEFORE_REGION, 1, after))
            _, _, region = min(candidates, key=lambda c: (c[0], c[1]))
            clause.region_scores[region.start].append(score)

    # Negation ---------------------------------------------------------------------------------

    def _negated_starts(self) -> set[tuple[str, int]]:
        """("symptom" | "red_flag" | "timing", start) of every span a negation cue reaches."""
        found = self.found
        by_start: dict[int, list[tuple[str, Span]]] = {}
        for kind, spans in (
            ("timing", found.timing),
            ("red_flag", found.red_flags),
            ("symptom", found.symptoms),
        ):
            for span in spans.within(self.start, self.end):
                by_start.setdefault(span.start, []).append((kind, span))
        passable = _indices(
            [
                *found.regions.within(self.start, self.end),
                *found.sides.within(self.start, self.end),
                *found.letters.within(self.start, self.end),
                *self.body,
                *found.trend.within(self.start, self.end),
            ]
        )
        negated: set[tuple[str, int]] = set()
        for span in found.negation_phrases.within(self.start, self.end):
            negated.update(
                ("symptom", s.start) for s in found.symptoms.within(span.start, span.end)
            )
        for cue in found.cues.within(self.start, self.end):
            self._walk_from_cue(cue, by_start, passable, negated)
        # "fine at rest", "pain-free at night": the all-clear is about that time.
        timing_starts = {span.start for span in found.timing.within(self.start, self.end)}
        for word in [
            *found.all_clear.within(self.start, self.end),
            *found.negation_phrases.within(self.start, self.end),
        ]:
            index = word.end
            while index < self.end and index - word.end <= 2:
                if index in timing_starts:
                    negated.add(("timing", index))
                    break
                if self.tokens[index].norm not in self.vocabulary.fillers:
                    break
                index += 1
        return negated

    def _walk_from_cue(
        self,
        cue: Span,
        by_start: dict[int, list[tuple[str, Span]]],
        passable: set[int],
        negated: set[tuple[str, int]],
    ) -> None:
        """Negate what follows a cue: "no pain", "no shin pain at night", "no swelling or numbness".

        The walk crosses regions, sides, fillers and timing phrases; after the first negated symptom
        or red flag it only goes on past a list joiner ("or", "nor"), so "not sore just tight" keeps
        "tight".
        """
        index = cue.end
        joined = True
        covered_until = index  # inside a negated phrase, nested phrases are negated with it
        limit = min(self.end, cue.end + _NEGATION_REACH)
        while index < limit:
            inside = index < covered_until
            hits = by_start.get(index, [])
            names_something = any(kind != "timing" for kind, _ in hits)
            if hits:
                if names_something and not inside and not joined:
                    return
                for kind, span in hits:
                    negated.add((kind, span.start))
                    covered_until = max(covered_until, span.end)
                if names_something and not inside:
                    joined = False
            elif not inside:
                norm = self.tokens[index].norm
                if norm in self.vocabulary.negation_list_joiners and not joined:
                    joined = True
                elif not (index in passable or norm in self.vocabulary.fillers or norm in JOINERS):
                    return
            index += 1

    def _mark_all_clear(self, clause: _Clause) -> None:
        """ "knee felt fine": an all-clear word right after a region clears that region."""
        for word in self.found.all_clear.within(self.start, self.end):
            at = bisect.bisect_right(self.region_starts, word.start) - 1
            if at < 0:
                continue
            region = self.regions[at]
            gap = range(region.end, word.start)
            sides = _indices(self.found.sides.within(region.end, word.start))
            if len(gap) <= _CLEAR_REACH and all(
                self.tokens[i].norm in self.vocabulary.fillers or i in sides for i in gap
            ):  # "knee fine", "Wade links ok"
                clause.region_clear.add(region.start)

    # Unknown words ----------------------------------------------------------------------------

    def _unknown_word(self, index: int) -> bool:
        token = self.tokens[index]
        return (
            token.kind == "word"
            and index not in self.found.known
            and token.norm not in self.vocabulary.fillers
        )

    def _words_near_symptoms(self, symptoms: Sequence[Span]) -> set[int]:
        """Unknown words that name where it hurts: "pinky toe hurts", "pain in my pinky"."""
        words: set[int] = set()
        for span in symptoms:
            index = span.start - 1
            while (
                index >= self.start
                and span.start - index <= _WORDS_BEFORE_SYMPTOM
                and self._unknown_word(index)
            ):
                words.add(index)
                index -= 1
            index = span.end
            if index < self.end and self.tokens[index].norm in self.vocabulary.location_words:
                index += 1
                while index < self.end and self.tokens[index].norm in self.vocabulary.fillers:
                    index += 1
                taken = 0
                while index < self.end and taken < _WORDS_AFTER_LOCATION:
                    if not self._unknown_word(index):
                        break
                    words.add(index)
                    index += 1
                    taken += 1
        return words

    def _only_body_and_sides(self) -> bool:
        covered = _indices(
            [
                *self.regions,
                *self.body,
                *self.found.sides.within(self.start, self.end),
                *self.found.letters.within(self.start, self.end),
            ]
        )
        return all(
            i in covered
            or self.tokens[i].norm in self.vocabulary.fillers
            or self.tokens[i].kind == "mark"
            for i in range(self.start, self.end)
        )


def _glued(before: Token, after: Token) -> bool:
    """Two words of one written word: only a split compound (``compounds.py``) gives these."""
    return before.kind == after.kind == "word" and after.start <= before.end


def _terms(tokens: Sequence[Token], indices: Iterable[int]) -> list[str]:
    """Unknown token indices as terms: neighbouring words stay together ("pinky toe")."""
    terms: list[str] = []
    run: list[str] = []
    previous = -2
    for index in sorted(set(indices)):
        if index != previous + 1 and run:
            terms.append(" ".join(run))
            run = []
        run.append(tokens[index].norm)
        previous = index
    if run:
        terms.append(" ".join(run))
    return _unique(terms)


# ---------------------------------------------------------------------------------------------
# One sentence.


def _region_drafts(
    tokens: Sequence[Token], clauses: Sequence[_Clause]
) -> tuple[list[_Draft], _Draft | None]:
    """The sentence's region reports, and its last region if nothing said it hurts ("Shins!!")."""
    drafts: list[_Draft] = []
    current: list[_Draft] = []
    pending: list[_Clause] = []
    for clause in clauses:
        if not (clause.regions or clause.evidence or clause.timings):
            continue  # "10k easy", "HR 150": nothing about pain, so not part of any report
        if clause.regions:
            new = [
                _Draft(
                    region=region.value,
                    sides=set(clause.region_sides[region.start]),
                    scores=list(clause.region_scores[region.start]),
                    clauses=[clause],
                    unknown=_terms(tokens, clause.body_terms),
                    clear=region.start in clause.region_clear,
                )
                for region in clause.regions
            ]
            for orphan in pending:
                for draft in new:
                    draft.attach(orphan)
            pending = []
            drafts.extend(new)
            current = new
        elif clause.independent:
            drafts.append(_unplaced_draft(tokens, [clause]))
        elif not current and clause.extra_words and not clause.any_symptom:
            continue  # "Session 7/10, knee sore": the 7 rates the session, not the knee
        elif current:
            if any(_second_reading(d, clause) for d in current):
                # A second reading of the same place: "knee 2/10 during, 4/10 after".
                current = [
                    _Draft(
                        region=d.region,
                        sides=set(d.sides),
                        scores=list(clause.scores),
                        clauses=[clause],
                        unknown=[],
                    )
                    for d in current
                ]
                drafts.extend(current)
            else:
                for draft in current:
                    draft.attach(clause)
        else:
            pending.append(clause)
    _share_with_bare_regions(drafts)
    kept = [d for d in drafts if d.evidence or d.borrowed]
    last = drafts[-1] if drafts else None
    dangling = (
        last
        if last is not None
        and last.region is not None
        and last not in kept
        and all(c.pure for c in last.clauses)
        else None
    )
    return kept, dangling


def _second_reading(draft: _Draft, clause: _Clause) -> bool:
    """A region-less clause that gives its own score, or its own time, for an already-read place."""
    if clause.scores and draft.scores:
        return True
    theirs = {t for c in draft.clauses for t in c.timings}
    return bool(clause.timings) and bool(theirs) and theirs.isdisjoint(clause.timings)


def _share_with_bare_regions(drafts: Sequence[_Draft]) -> None:
    """ "left shin and right knee sore": a clause that only names a region shares the next one."""
    located = [d for d in drafts if d.region is not None]
    for index in range(len(located) - 2, -1, -1):
        draft = located[index]
        if len(draft.clauses) != 1 or not draft.clauses[0].pure or draft.evidence:
            continue
        following = located[index + 1]
        if not (following.evidence or following.borrowed):
            continue
        draft.borrowed = following.clauses + following.borrowed
        draft.borrowed_scores = following.scores or following.borrowed_scores


def _unplaced_draft(tokens: Sequence[Token], clauses: list[_Clause]) -> _Draft:
    terms = set().union(*(c.body_terms | c.near_terms for c in clauses))
    return _Draft(
        region=None,
        sides=set().union(*(c.body_sides for c in clauses)),
        scores=[s for c in clauses for s in c.scores],
        clauses=clauses,
        unknown=_terms(tokens, terms),
    )


def _regionless_sentence(
    tokens: Sequence[Token],
    clauses: Sequence[_Clause],
    earlier: list[_Draft],
    dangling: _Draft | None,
) -> list[_Draft]:
    drafts = [_unplaced_draft(tokens, [c]) for c in clauses if c.independent]
    rest = [c for c in clauses if not c.independent]
    if not rest:
        return drafts
    loose = any(c.extra_words for c in rest)
    if dangling is not None and not loose and any(c.evidence for c in rest):
        # "Shins!! 4/10": the previous sentence named the place, this one says how it is.
        for clause in rest:
            dangling.attach(clause)
        dangling.extra_char_end = max(c.char_end for c in rest)
        drafts.append(dangling)
        return drafts
    bundle = _unplaced_draft(tokens, rest)
    labelled = any(score.form == "label" for score in bundle.scores)
    if labelled or any(c.any_symptom or c.negated for c in rest):
        drafts.append(bundle)
        return drafts
    red_flags = any(c.red_flags for c in rest)
    if not (bundle.scores or red_flags or any(c.trends for c in rest)):
        return drafts
    previous = earlier[-1] if earlier else None
    if previous is not None and not loose and not (bundle.scores and previous.scores):
        # "Knee sore 3/10. Worse at night.": the second sentence is about the same pain.
        previous.clauses.extend(rest)
        previous.scores.extend(bundle.scores)
        previous.extra_char_end = max(c.char_end for c in rest)
    elif red_flags:
        # A red flag is never dropped, even when it cannot be placed ("Limping.").
        drafts.append(bundle)
    return drafts


def _owner_marker(found: _Found, vocabulary: Vocabulary, start: int, end: int) -> str | None:
    """ "other", "self" or None: who the clause's leading words say the pain belongs to.

    Only the words before the clause's first pain word count ("my partner's knee", "her calf",
    "Tom was limping"); the last marker wins ("my coach says my knee" is the runner's).
    """
    tokens = found.tokens
    content = [
        span.start
        for spans in (found.regions, found.symptoms, found.red_flags, found.scores)
        for span in spans.within(start, end)
    ]
    stop = min(content, default=end)
    marker: str | None = None
    for index in range(start, stop):
        token = tokens[index]
        if token.kind != "word":
            continue
        norm = token.norm
        if norm in vocabulary.owner_self:
            marker = "self"
        elif norm in vocabulary.owner_others:
            marker = "other"
        elif index in found.known or norm in vocabulary.not_possessives:
            continue
        elif token.raw.endswith(_POSSESSIVE_ENDINGS):
            marker = "other"  # "Sarah's achilles", "Coach's knee"
        elif (
            token.raw[:1].isupper()
            and norm not in vocabulary.fillers
            and index + 1 < stop
            and tokens[index + 1].norm in vocabulary.person_verbs
        ):
            marker = "other"  # "Tom was limping"
    return marker


def _others_clauses(
    found: _Found, vocabulary: Vocabulary, ranges: Sequence[tuple[int, int]]
) -> set[int]:
    """Indices of the clauses about someone else's pain: those record nothing.

    A clause without a marker of its own and without a region continues the clause before it
    ("Sarah's achilles is sore, 5/10"); one that names its own region is the runner's unless
    its own words say otherwise.
    """
    others: set[int] = set()
    previous_other = False
    for number, (start, end) in enumerate(ranges):
        marker = _owner_marker(found, vocabulary, start, end)
        has_region = bool(found.regions.within(start, end))
        inherited = previous_other and not has_region
        other = inherited if marker is None else marker == "other"
        content = bool(
            found.regions.within(start, end)
            or found.symptoms.within(start, end)
            or found.red_flags.within(start, end)
            or found.scores.within(start, end)
        )
        if other and content:
            others.add(number)
        if content:
            previous_other = other
    return others


def _read_sentence(
    tokens: Sequence[Token],
    vocabulary: Vocabulary,
    earlier: list[_Draft],
    dangling: _Draft | None,
    unread: list[tuple[int, int]] | None = None,
) -> tuple[list[_Draft], _Draft | None]:
    """New reports from one sentence, and the region it left dangling (for the next sentence).

    ``unread`` collects the character ranges of clauses that look like pain (a score) but could
    not be placed, so the runner can be told what was not understood.
    """
    found = _find(tokens, vocabulary)
    ranges = _clause_ranges(found, vocabulary)
    others = _others_clauses(found, vocabulary, ranges)
    clauses = [
        _ClauseReader(found, vocabulary, start, end).read()
        for number, (start, end) in enumerate(ranges)
        if number not in others
    ]
    if any(c.regions for c in clauses):
        drafts, left = _region_drafts(tokens, clauses)
        if unread is not None:
            used = {id(c) for d in drafts for c in (*d.clauses, *d.borrowed)}
            unread.extend(
                (c.char_start, c.char_end)
                for c in clauses
                if not c.regions and c.scores and c.extra_words and id(c) not in used
            )
        return drafts, left
    drafts = _regionless_sentence(tokens, clauses, earlier, dangling)
    if unread is not None and not drafts:
        placed = bool(earlier) and any(c in earlier[-1].clauses for c in clauses)
        if not placed and dangling is None:
            unread.extend((c.char_start, c.char_end) for c in clauses if c.scores)
    return drafts, None


@dataclass(frozen=True, slots=True)
class NoteReading:
    """A note read: its pain reports, and the fragments that looked like pain but were not
    understood (e.g. "zorgle 4/10"), so the runner can be told to log them by hand."""

    reports: list[PainReport]
    unread: list[str]


def read_note(text: str, vocabulary: Vocabulary) -> NoteReading:
    """Like :func:`parse_pain`, plus what could not be read. Pure; never raises on a string."""
    if not isinstance(text, str) or not text:
        return NoteReading([], [])
    note = text[:MAX_NOTE_CHARS]
    drafts: list[_Draft] = []
    dangling: _Draft | None = None
    unread: list[tuple[int, int]] = []
    for sentence in _sentences(split_compounds(tokenize(note), vocabulary), vocabulary):
        new, dangling = _read_sentence(sentence, vocabulary, drafts, dangling, unread)
        drafts.extend(sorted(new, key=lambda d: d.char_start))
    reports = [draft.report(note) for draft in drafts]
    unknown = [r.text for r in reports if r.region is None and not r.negated and r.text]
    fragments = [note[start:end].strip() for start, end in unread]
    return NoteReading(reports, _unique(f for f in [*fragments, *unknown] if f))


def parse_pain(text: str, vocabulary: Vocabulary) -> list[PainReport]:
    """Every pain mention in a note, in the order written; [] when the note mentions no pain.

    Pure: no I/O, no clock. Never raises on any string; only the first ``MAX_NOTE_CHARS``
    characters are read. :func:`read_note` also says what could not be read.
    """
    return read_note(text, vocabulary).reports
