"""Finding, reading and validating the product's content: ``config/*.toml``.

One TOML reader (``toml_file.read_toml``) serves settings, the pain vocabulary and the library;
problems are worded by ``strava_rehab.errors.problem`` as ``file: entry: what is expected``.
"""

from strava_rehab.content.library import load_library
from strava_rehab.content.locate import CONTENT_DIR_ENV, ContentNotFoundError, content_dir
from strava_rehab.content.vocabulary import (
    available_languages,
    default_vocabulary_path,
    load_vocabularies,
    load_vocabulary,
)

__all__ = [
    "CONTENT_DIR_ENV",
    "ContentNotFoundError",
    "available_languages",
    "content_dir",
    "default_vocabulary_path",
    "load_library",
    "load_vocabularies",
    "load_vocabulary",
]
