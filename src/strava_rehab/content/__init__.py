"""Finding, reading and validating the product's content: ``config/*.toml``.

One TOML reader (``toml_file.read_toml``) serves settings, the pain vocabulary and the library;
problems are worded by ``strava_rehab.errors.problem`` as ``file: entry: what is expected``.
"""

from typing import TYPE_CHECKING

from strava_rehab.lazy import lazy_exports

if TYPE_CHECKING:
    from strava_rehab.content.library import load_library
    from strava_rehab.content.locate import CONTENT_DIR_ENV, ContentNotFoundError, content_dir
    from strava_rehab.content.vocabulary import (
        available_languages,
        default_vocabulary_path,
        load_vocabularies,
        load_vocabulary,
    )
else:  # imported on first use: see ``strava_rehab.lazy``
    __getattr__ = lazy_exports(
        __name__,
        {
            "library": ("load_library",),
            "locate": ("CONTENT_DIR_ENV", "ContentNotFoundError", "content_dir"),
            "vocabulary": (
                "available_languages",
                "default_vocabulary_path",
                "load_vocabularies",
                "load_vocabulary",
            ),
        },
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
