"""Printing for the CLI: rich tables on a terminal, plain text in pipes, JSON on request."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def is_terminal() -> bool:
    return out.is_terminal


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    rows = [["" if cell is None else str(cell) for cell in row] for row in rows]
    if is_terminal():
        t = Table(title=title)
        for column in columns:
            t.add_column(column)
        for row in rows:
            t.add_row(*row)
        out.print(t)
        return
    # Plain, aligned text for pipes and logs: no box drawing, no colour.
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    print(title)
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def listing(
    as_json: bool,
    records: Sequence[Mapping[str, Any]],
    title: str,
    columns: Mapping[str, Callable[[Mapping[str, Any]], Any]],
) -> None:
    """The records as JSON, or as a table whose cells are computed from each record."""
    if as_json:
        emit_json(records)
        return
    table(title, list(columns), [[cell(r) for cell in columns.values()] for r in records])


def say(message: str) -> None:
    if is_terminal():
        out.print(message)
    else:
        print(re.sub(r"\[/?[a-z ]+\]", "", message))


def fail(message: str) -> None:
    err.print(f"error: {message}", markup=False)


class SecretRedactor(logging.Filter):
    """Masks configured secrets and anything token-shaped in every log record."""

    _PATTERNS = (
        re.compile(r"(Bearer\s+)[A-Za-z0-9._\-]+"),
        re.compile(r"((?:access_token|refresh_token|client_secret|code)=)[^&\s]+"),
    )

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        for pattern in self._PATTERNS:
            text = pattern.sub(r"\1***", text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def setup_logging(level: int, secrets: Iterable[str] = ()) -> SecretRedactor:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_strava_rehab", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._strava_rehab = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    redactor = SecretRedactor(secrets)
    handler.addFilter(redactor)
    root.addHandler(handler)
    root.setLevel(level)
    # Chatty libraries stay at WARNING unless we are debugging.
    for noisy in ("urllib3", "stravalib", "apscheduler.executors", "alembic.runtime"):
        logging.getLogger(noisy).setLevel(
            logging.DEBUG if level <= logging.DEBUG else logging.WARNING
        )
    return redactor
