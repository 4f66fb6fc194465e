"""The root of every error a user can fix, and the one way a content problem is worded.

Every error whose message tells the user what to do derives from :class:`UserFacingError`, so an
entry point catches one type and prints the message without a traceback. Problems in a file are
worded ``<file>: <entry>: <what is expected>`` (``protocols.toml: protocols.shin.phases[1]: ...``)
by :func:`problem`, whoever finds them: settings, the pain vocabulary, the library, webhooks.

Pure: no file, clock or environment, so the core may import it.
"""

from __future__ import annotations

from collections.abc import Iterable


class UserFacingError(Exception):
    """Something the user can fix; the message says what and where."""


def entry_path(location: Iterable[int | str]) -> str:
    """A pydantic error location as a TOML entry: ``("regions", "shin", 2)`` -> ``regions.shin[2]``.

    Dict-key markers (``[key]``) are dropped; an empty location is ``(top level)``.
    """
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part != "[key]":
            path += f".{part}" if path else part
    return path or "(top level)"


def problem(source: object, location: Iterable[int | str] | str, what: str) -> str:
    """``<source>: <entry>: <what>``, the one wording of a problem in a file or payload."""
    entry = location if isinstance(location, str) else entry_path(location)
    return f"{source}: {entry}: {what}"
