"""The content the rules run on, loaded once per process: exercise library, vocabulary, policy."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from strava_rehab.content.library import load_library
from strava_rehab.content.locate import content_dir
from strava_rehab.content.vocabulary import (
    available_languages,
    default_vocabulary_path,
    load_vocabulary,
    vocabulary_file_hash,
)
from strava_rehab.pain import PainLanguages, Vocabulary
from strava_rehab.rehab import Library, RehabPolicy
from strava_rehab.settings import Settings


@cache
def _library(directory: Path | None, language: str = "en") -> Library:
    return load_library(directory, language)


@cache
def _vocabulary(language: str) -> tuple[Vocabulary, str]:
    path = default_vocabulary_path(language)
    return load_vocabulary(path), vocabulary_file_hash(path)


@cache
def _languages(preferred: tuple[str, ...], detect: bool) -> tuple[PainLanguages, str]:
    # The preferred ones first: an unknown one fails here, listing the available languages.
    loaded = {language: _vocabulary(language) for language in preferred}
    if detect:
        for language in available_languages(content_dir()):
            loaded.setdefault(language, _vocabulary(language))
    languages = PainLanguages(
        {language: vocabulary for language, (vocabulary, _) in loaded.items()},
        preferred=preferred,
        detect=detect,
    )
    if not detect and len(preferred) == 1:
        return languages, loaded[preferred[0]][1]  # one file, one hash: as before
    hashes = sorted((language, file_hash) for language, (_, file_hash) in loaded.items())
    fingerprint = json.dumps([list(preferred), detect, hashes])
    return languages, hashlib.sha256(fingerprint.encode()).hexdigest()


def library(language: str = "en") -> Library:
    """The library with its text in ``language`` (English where no overlay translates it)."""
    return _library(None, language)


def pain_languages(settings: Settings) -> PainLanguages:
    """Every vocabulary a note may be read with, the athlete's preferred ones first."""
    return pain_languages_with_hash(settings)[0]


def pain_languages_with_hash(settings: Settings) -> tuple[PainLanguages, str]:
    """The languages and a hash of their files and settings: a change means notes are read
    again."""
    return _languages(tuple(settings.pain_languages), settings.pain_detect_languages)


def vocabulary(settings: Settings) -> Vocabulary:
    """The preferred languages' vocabulary (one language: its own, unchanged)."""
    return pain_languages(settings).primary


def vocabulary_with_hash(settings: Settings) -> tuple[Vocabulary, str]:
    """The preferred vocabulary and the hash of :func:`pain_languages_with_hash`."""
    languages, fingerprint = pain_languages_with_hash(settings)
    return languages.primary, fingerprint


def policy_of(settings: Settings) -> RehabPolicy:
    return settings.rehab
