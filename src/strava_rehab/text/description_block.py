"""Our one block in an activity description: add, replace, remove, never touching the rest.

The block is public plain text, so its markers are readable lines rather than tags. We add it at
the end, separated from the runner's text by exactly one blank line (``SEPARATOR``); removing it
takes that separator too, so undo restores the original description byte for byte. If the runner
later typed below our block, their words stay where they are.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

# The markers are never translated: they are how every later pass (and undo) finds our block,
# whatever language the runner reads it in now or chose before.
START = "--- Rehab & load notes (strava-rehab) ---"
END = "--- end of strava-rehab notes ---"
SEPARATOR = "\n\n"
_BLOCK = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)


@dataclass(frozen=True)
class Split:
    before: str
    block: str | None
    after: str


def split(description: str | None) -> Split:
    """The runner's text before and after our block (the last one, if a copy was pasted twice)."""
    text = description or ""
    matches = list(_BLOCK.finditer(text))
    if not matches:
        return Split(text, None, "")
    match = matches[-1]
    before, after = text[: match.start()], text[match.end() :]
    if before.endswith(SEPARATOR):
        before = before[: -len(SEPARATOR)]
    return Split(before, match.group(0), after)


def render_block(body: str, max_chars: int) -> str:
    """Wrap the body in the markers, cutting whole lines so the block stays a sane length."""
    budget = max_chars - len(START) - len(END) - 2
    lines: list[str] = []
    used = 0
    body_lines = body.strip().splitlines()
    for index, line in enumerate(body_lines):
        cost = len(line) + 1
        if used + cost > budget:
            if index < len(body_lines):
                lines.append("(more in your notifications)")
            break
        lines.append(line.rstrip())
        used += cost
    return "\n".join([START, *lines, END])


def merge(description: str | None, block: str | None) -> str:
    """The description with our block set to ``block`` (None removes it)."""
    parts = split(description)
    if block is None:
        return parts.before + parts.after
    if parts.before:
        return parts.before + SEPARATOR + block + parts.after
    return block + parts.after


def remove(description: str | None) -> str:
    return merge(description, None)


def our_block(description: str | None) -> str | None:
    return split(description).block


def without_block(description: str | None) -> str:
    """The runner's own words only: what the pain parser may read."""
    return remove(description)


def block_hash(block: str | None) -> str:
    return hashlib.sha256(block.encode()).hexdigest() if block else ""


def has_opt_out(tag: str, *texts: str | None) -> bool:
    needle = tag.lower()
    return any(needle in (text or "").lower() for text in texts)
