"""The content the rules run on, loaded once per process: exercise library, vocabulary, policy."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from strava_rehab.content.library import load_library
from strava_rehab.content.vocabulary import (
    default_vocabulary_path,
    load_vocabulary,
    vocabulary_file_hash,
)
from strava_rehab.pain import Vocabulary
from strava_rehab.rehab import Library, RehabPolicy
from strava_rehab.settings import Settings


@cache
def _library(directory: Path | None) -> Library:
    return load_library(directory)


@cache
def _vocabulary(language: str) -> tuple[Vocabulary, str]:
    path = default_vocabulary_path(language)
    return load_vocabulary(path), vocabulary_file_hash(path)


def library() -> Library:
    return _library(None)


def vocabulary(settings: Settings) -> Vocabulary:
    return _vocabulary(settings.pain_language)[0]


def vocabulary_with_hash(settings: Settings) -> tuple[Vocabulary, str]:
    """The vocabulary and a hash of its file: a changed vocabulary means notes are read again."""
    return _vocabulary(settings.pain_language)


def policy_of(settings: Settings) -> RehabPolicy:
    return settings.rehab
