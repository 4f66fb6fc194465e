"""Pain in a runner's own words: read free-text notes into structured pain reports.

``parse_pain(text, vocabulary)`` is the whole API; ``strava_rehab.content`` loads the vocabulary.
The words are data (``config/pain-vocabulary.<lang>.toml``); this package holds no English.
"""

from strava_rehab.pain.model import PainReport
from strava_rehab.pain.note import MAX_NOTE_CHARS, parse_pain
from strava_rehab.pain.vocabulary import (
    RED_FLAG_IDS,
    REGION_IDS,
    Vocabulary,
    VocabularyError,
    vocabulary_from_mapping,
)

__all__ = [
    "MAX_NOTE_CHARS",
    "RED_FLAG_IDS",
    "REGION_IDS",
    "PainReport",
    "Vocabulary",
    "VocabularyError",
    "parse_pain",
    "vocabulary_from_mapping",
]
