"""Pain in a runner's own words: read free-text notes into structured pain reports.

``parse_pain(text, vocabulary)`` is the whole API; ``read_note`` also returns the fragments that
could not be read; ``read_note_multi`` reads a note in several languages (``languages.py``).
``strava_rehab.content`` loads the vocabularies. The words are data
(``config/pain-vocabulary.<lang>.toml``); this package holds no English.
"""

from typing import TYPE_CHECKING

from strava_rehab.lazy import lazy_exports

if TYPE_CHECKING:
    from strava_rehab.pain.languages import PainLanguages, note_languages, read_note_multi
    from strava_rehab.pain.model import PainReport
    from strava_rehab.pain.note import MAX_NOTE_CHARS, NoteReading, parse_pain, read_note
    from strava_rehab.pain.vocabulary import (
        RED_FLAG_IDS,
        REGION_IDS,
        Vocabulary,
        VocabularyError,
        merge_vocabularies,
        vocabulary_from_mapping,
    )
else:  # imported on first use: see ``strava_rehab.lazy``
    __getattr__ = lazy_exports(
        __name__,
        {
            "languages": ("PainLanguages", "note_languages", "read_note_multi"),
            "model": ("PainReport",),
            "note": ("MAX_NOTE_CHARS", "NoteReading", "parse_pain", "read_note"),
            "vocabulary": (
                "RED_FLAG_IDS",
                "REGION_IDS",
                "Vocabulary",
                "VocabularyError",
                "merge_vocabularies",
                "vocabulary_from_mapping",
            ),
        },
    )

__all__ = [
    "MAX_NOTE_CHARS",
    "RED_FLAG_IDS",
    "REGION_IDS",
    "NoteReading",
    "PainLanguages",
    "PainReport",
    "Vocabulary",
    "VocabularyError",
    "merge_vocabularies",
    "note_languages",
    "parse_pain",
    "read_note",
    "read_note_multi",
    "vocabulary_from_mapping",
]
