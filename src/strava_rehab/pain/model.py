"""What a runner's pain note means once read: the contract between the parser and the rules."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Side = Literal["left", "right", "both"]
Timing = Literal["during", "after", "next_morning", "at_rest", "at_night"]
Trend = Literal["better", "same", "worse"]


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
    # Words that looked like a body part or symptom but are not in the vocabulary: kept, never guessed.
    unknown_terms: tuple[str, ...] = ()
    text: str = ""
