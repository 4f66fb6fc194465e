"""Printing for the CLI: rich tables on a terminal, plain text in pipes, JSON on request."""

from __future__ import annotations

import logging
import os
import re
import sys
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from rich.console import Console
from rich.table import Table

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def is_terminal() -> bool:
    return out.is_terminal


def emit_json(data: Any) -> None:
    """Every ``--json``: one serializer, so every datetime carries its offset (``T...+00:00``)."""
    from strava_rehab.serialize import dumps  # pydantic: only for the commands that print JSON

    sys.stdout.write(dumps(data) + "\n")


def _width_limit() -> int | None:
    """The width output must fit: the terminal's; in a pipe only a COLUMNS the user set."""
    if is_terminal():
        return out.width
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else None


def _prose(rows: Sequence[Sequence[str]], index: int) -> bool:
    return any(" " in row[index] for row in rows)


def _split_long(
    columns: Sequence[str], rows: Sequence[Sequence[str]], limit: int | None, framed: bool
) -> tuple[list[int], list[int]]:
    """Which columns stay in the row and which (prose, widest first) go on lines of their own.

    Ids, dates and numbers hold no space: they always stay, whole.
    """
    short = list(range(len(columns)))
    long: list[int] = []
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]

    def total() -> int:
        cells = sum(widths[i] for i in short)
        return cells + (3 * len(short) + 1 if framed else 2 * (len(short) - 1))

    while limit is not None and total() > limit:
        movable = [i for i in short if _prose(rows, i)]
        if not movable or len(short) == 1:
            break
        widest = max(movable, key=lambda i: widths[i])
        short.remove(widest)
        long.insert(0, widest)
    return short, sorted(long)


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A table that stays readable at the terminal's width (or COLUMNS in a pipe).

    Ids and dates are never cut or wrapped; when the row would be too wide, long text moves to
    indented lines of its own under its row.
    """
    rows = [["" if cell is None else str(cell) for cell in row] for row in rows]
    limit = _width_limit()
    terminal = is_terminal()
    short, long = _split_long(columns, rows, limit, framed=terminal)
    if terminal and not long:
        t = Table(title=title)
        for column in columns:
            t.add_column(column, no_wrap=True, overflow="ignore")
        for row in rows:
            t.add_row(*row)
        out.print(t)
        return
    # Plain, aligned text (pipes and logs, or a narrow terminal): no box drawing, no colour.
    widths = [max([len(columns[i]), *(len(r[i]) for r in rows)]) for i in short]
    lines = [title, "  ".join(columns[i].ljust(w) for i, w in zip(short, widths, strict=True))]
    for row in rows:
        lines.append("  ".join(row[i].ljust(w) for i, w in zip(short, widths, strict=True)))
        for i in long:
            if not row[i]:
                continue
            label = f"    {columns[i]}: "
            lines += textwrap.wrap(
                row[i],
                width=max(limit or 0, 40),
                initial_indent=label,
                subsequent_indent=" " * len(label),
                break_long_words=False,
                break_on_hyphens=False,
            )
    for line in lines:
        print(line.rstrip())


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


def local_time(value: datetime | str | None, zone: tzinfo | None, missing: str = "never") -> str:
    """A time as a runner reads it: "2026-12-01 18:47 CET", in ``zone`` (the athlete's, else
    UTC), labelled with the zone's abbreviation so that it is never mistaken for another's."""
    if value is None or value == "":
        return missing
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # stored times are UTC
    local = moment.astimezone(zone or UTC)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or local.strftime('%z')}"


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
