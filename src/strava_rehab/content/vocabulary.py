"""Finding and reading the pain vocabulary file, ``config/pain-vocabulary.<lang>.toml``.

The file is read here; ``strava_rehab.pain.vocabulary.vocabulary_from_mapping`` validates and
compiles the data, so the parser itself never touches a file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from strava_rehab.content.locate import ContentNotFoundError, content_dir
from strava_rehab.content.toml_file import TomlFileError, read_toml
from strava_rehab.pain.vocabulary import _LANGUAGE as LANGUAGE_CODE
from strava_rehab.pain.vocabulary import (
    VOCABULARY_FILE_PATTERN,
    Vocabulary,
    VocabularyError,
    vocabulary_from_mapping,
)


def default_vocabulary_path(language: str = "en") -> Path:
    """``content_dir() / "pain-vocabulary.<language>.toml"``; VocabularyError if it is not there."""
    if not LANGUAGE_CODE.fullmatch(language):
        raise VocabularyError(
            f"{language!r} is not a language code (expected something like 'en' or 'pt-BR')"
        )
    try:
        directory = content_dir()
    except ContentNotFoundError as error:
        raise VocabularyError(f"cannot find the pain vocabulary: {error}") from error
    path = directory / VOCABULARY_FILE_PATTERN.format(language=language)
    if not path.is_file():
        available = available_languages(directory)
        listed = ", ".join(available) if available else "none"
        raise VocabularyError(
            f"{path}: no pain vocabulary for language {language!r}; available languages: {listed}"
        )
    return path


def available_languages(directory: Path) -> list[str]:
    """The language codes that have a vocabulary file in ``directory``."""
    prefix, suffix = VOCABULARY_FILE_PATTERN.split("{language}")
    return sorted(
        p.name[len(prefix) : -len(suffix)]
        for p in directory.glob(VOCABULARY_FILE_PATTERN.format(language="*"))
        if p.is_file()
    )


def load_vocabulary(path: Path) -> Vocabulary:
    """Read, validate and compile a vocabulary file. Every problem is a :class:`VocabularyError`."""
    try:
        data = read_toml(path, missing="cannot read the pain vocabulary: file not found")
    except TomlFileError as error:
        raise VocabularyError(str(error)) from None
    vocabulary = vocabulary_from_mapping(data, source=str(path))
    named = _language_of_file(path)
    if named is not None and vocabulary.language != named:
        raise VocabularyError(
            f"{path}: language: {vocabulary.language!r} does not match the file name "
            f"(expected {named!r})"
        )
    return vocabulary


def _language_of_file(path: Path) -> str | None:
    prefix, suffix = VOCABULARY_FILE_PATTERN.split("{language}")
    name = path.name
    if name.startswith(prefix) and name.endswith(suffix) and len(name) > len(prefix + suffix):
        return name[len(prefix) : -len(suffix)]
    return None


def load_vocabularies(languages: Sequence[str] | None = None) -> dict[str, Vocabulary]:
    """The vocabularies of ``languages`` (default: every one in the content directory), each
    validated like :func:`load_vocabulary`; the problems of every file are reported at once."""
    if languages is None:
        try:
            languages = available_languages(content_dir())
        except ContentNotFoundError as error:
            raise VocabularyError(f"cannot find the pain vocabulary: {error}") from error
    vocabularies: dict[str, Vocabulary] = {}
    problems: list[str] = []
    for language in languages:
        try:
            vocabularies[language] = load_vocabulary(default_vocabulary_path(language))
        except VocabularyError as error:
            problems.append(str(error))
    if problems:
        raise VocabularyError("\n".join(problems))
    return vocabularies


def vocabulary_file_hash(path: Path) -> str:
    """A hash of the file: a changed vocabulary means notes are read again."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
