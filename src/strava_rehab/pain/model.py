"""What a runner's pain note means once read: the contract between the parser and the rules."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Side = Literal["left", "right", "both"]
Timing = Literal["during", "after", "next_morning", "at_rest", "at_night"]
Trend = Literal["better", "same", "worse"]
# "high": the runner wrote a number on a 0-10 or 0-100 scale ("4/10", "pain 3", "VAS 40/100").
# "low": converted from a coarser scale ("3/5" -> 6) or a bare number with no scale
# ("heel pain on first steps, 3").
ScoreConfidence = Literal["high", "low"]


class PainReport(BaseModel):
    """One pain mention. ``region`` is a canonical id from the vocabulary, or None if unknown."""

    model_config = ConfigDict(frozen=True)

    region: str | None
    side: Side | None = None
    score: float | None = Field(default=None, ge=0, le=10)
    timing: Timing | None = None
    negated: bool = False
    trend: Trend | None = None
    red_flags: tuple[str, ...] = ()
    # Words that looked like a body part or symptom but are not in the vocabulary:
    # kept, never guessed.
    unknown_terms: tuple[str, ...] = ()
    text: str = ""
    # How much to trust ``score``; None when there is no score.
    score_confidence: ScoreConfidence | None = None
    # A rough NRS suggested by the symptom words alone ("niggle" ≈ 2, "sharp" ≈ 6), from the
    # vocabulary's heuristics. Never copied into ``score``: the runner did not give a number.
    estimated_score: float | None = Field(default=None, ge=0, le=10)
    # The symptom words that were not negated, as the vocabulary spells them ("tight", "sore").
    symptoms: tuple[str, ...] = ()
