"""The suggestion as text: a short public block for the activity, full detail for the runner.

The public block goes into a Strava description, which the app shows as plain text to anyone
who can see the run: no Markdown, short lines, and by default neither the pain score nor the
condition name (both are health data). The lead's delivery code wraps it in its own markers, so
nothing here emits delimiters.
"""

from __future__ import annotations

from strava_rehab.rehab.library import CONVENTION_LABEL
from strava_rehab.rehab.situation import Decision, Prescription

MORE = "(more in your notifications)"
# The decision orders its load advice by importance; the public block keeps it short.
PUBLIC_LOAD_LINES = 2
_BULLET = "• "


def render_public(
    decision: Decision,
    *,
    show_condition: bool = False,
    show_score: bool = False,
    max_chars: int = 900,
) -> str:
    """Plain text of at most ``max_chars``; "" when there is nothing to say."""
    if decision.kind == "none":
        return ""
    body = _public_body(decision, show_condition=show_condition, show_score=show_score)
    return _fit(body, decision.disclaimer, max_chars, evidence=_evidence_line(decision))


def _evidence_line(decision: Decision) -> str | None:
    """One short line: authors, year and journal of the main sources (no titles: a title can
    name the condition, which the public block keeps private by default)."""
    if not decision.evidence:
        return None
    return "Evidence: " + "; ".join(decision.evidence)


def _public_body(decision: Decision, *, show_condition: bool, show_score: bool) -> list[str]:
    lines: list[str] = [_public_heading(decision, show_condition=show_condition)]
    if show_score and decision.score is not None:
        trend = f" ({decision.trend})" if decision.trend else ""
        where = f"{decision.region_name} " if show_condition and decision.region_name else ""
        lines.append(f"Pain today: {where}{decision.score:g}/10{trend}")
    if decision.kind == "see_clinician":
        if show_condition:
            lines.extend(_BULLET + line for line in decision.load_advice)
        return lines
    lines.extend(decision.public_reasons)
    lines.extend(f"Load: {line}" for line in decision.load_advice[:PUBLIC_LOAD_LINES])
    if decision.exercises and decision.kind != "continue":
        marked = any(item.dose_basis == "convention" for item in decision.exercises)
        lines.append(f"Exercises (* {CONVENTION_LABEL}):" if marked else "Exercises:")
        lines.extend(_BULLET + _short(item) for item in decision.exercises)
    lines.extend(f"Avoid: {line}" for line in decision.avoid if decision.kind != "continue")
    return lines


def _public_heading(decision: Decision, *, show_condition: bool) -> str:
    label = decision.protocol_name if show_condition and decision.protocol_name else None
    if decision.kind == "see_clinician":
        text = (
            "Warning sign in today's pain note: stop running and get it checked by a "
            "clinician before your next run."
        )
        return f"{decision.condition}. {text}" if show_condition and decision.condition else text
    if decision.kind == "continue":
        return (
            f"Continue: {label or 'your rehab programme'} phase {decision.phase}"
            f" — {decision.phase_name}. Same exercises as last time."
        )
    if decision.kind == "rehab":
        return (
            f"{label or 'Rehab suggestion'}: phase {decision.phase} of {decision.phase_count}"
            f" — {decision.phase_name}"
        )
    return "Load check" if label is None else f"Load check — {label}"


def _short(item: Prescription) -> str:
    # The public block marks convention doses with "*" (one footnote) to stay short.
    prefix = "Or instead: " if item.option else ""
    mark = "*" if item.dose_basis == "convention" else ""
    dose = item.dose.removesuffix(f" ({CONVENTION_LABEL})")
    return f"{prefix}{item.name}: {dose}{mark}"


def _fit(body: list[str], disclaimer: str, max_chars: int, *, evidence: str | None = None) -> str:
    """Whole lines only; when some are dropped, say where the rest is. Never over the cap.

    The evidence line stays with the disclaimer at the end; it is the first thing dropped when
    even the tail does not fit.
    """
    tail = [disclaimer] if disclaimer else []
    if evidence:
        with_evidence = [evidence, *tail]
        if (
            len("\n".join([*body, *with_evidence])) <= max_chars
            or len("\n".join([MORE, *with_evidence])) <= max_chars // 2
        ):
            tail = with_evidence
    full = "\n".join([*body, *tail])
    if len(full) <= max_chars:
        return full
    kept: list[str] = []
    for line in body:
        if len("\n".join([*kept, line, MORE, *tail])) > max_chars:
            break
        kept.append(line)
    while kept and kept[-1].endswith(":"):
        kept.pop()  # a heading with nothing under it
    text = "\n".join([*kept, MORE, *tail])
    if len(text) <= max_chars:
        return text
    # A cap too small for even the disclaimer: cut the text at a word boundary.
    return _cut_words(full, max_chars)


def _cut_words(text: str, max_chars: int) -> str:
    if max_chars <= 0:
        return ""
    cut = text[: max_chars + 1]
    if len(cut) <= max_chars:
        return cut
    space = max(cut.rfind(" "), cut.rfind("\n"))
    return cut[:space].rstrip() if space > 0 else ""


def render_private(decision: Decision) -> str:
    """Everything, for the runner's own notification: condition, score, reasons, full doses."""
    lines: list[str] = [_private_heading(decision)]
    if decision.condition:
        lines.append(f"Possible condition: {decision.condition} (not a diagnosis)")
    if decision.region_name or decision.score is not None:
        where = " ".join(part for part in (decision.side, decision.region_name) if part)
        lines.append("Pain: " + ", ".join(part for part in (where, _score(decision)) if part))
    if decision.trend:
        lines.append(f"Trend: {decision.trend}")
    if decision.protocol_name and decision.phase is not None:
        lines.append(
            f"Programme: {decision.protocol_name}, phase {decision.phase} of "
            f"{decision.phase_count} ({decision.phase_name})"
        )
    _section(lines, "Why:", decision.reasons)
    _section(lines, "Load:", decision.load_advice)
    main = [item for item in decision.exercises if not item.option]
    options = [item for item in decision.exercises if item.option]
    if main:
        lines.append("Exercises:")
        for item in main:
            lines.extend(_full(item))
    if options:
        lines.append("Or instead:")
        for item in options:
            lines.extend(_full(item))
    _section(lines, "Avoid:", decision.avoid)
    _section(lines, "Cautions:", decision.cautions)
    if decision.unread:
        _section(lines, "Not understood in your note:", [f"'{text}'" for text in decision.unread])
        if decision.unread_help:
            lines.append(decision.unread_help)
    _section(lines, "Sources:", decision.sources)
    if decision.disclaimer:
        lines.append(decision.disclaimer)
    return "\n".join(lines)


def _private_heading(decision: Decision) -> str:
    return {
        "none": "Nothing to suggest today.",
        "load_advice": "Load check",
        "rehab": "Rehab suggestion",
        "continue": (
            f"Continue: {decision.protocol_name} phase {decision.phase} — {decision.phase_name}"
        ),
        "see_clinician": "Stop running and see a clinician",
    }[decision.kind]


def _score(decision: Decision) -> str:
    return "" if decision.score is None else f"{decision.score:g}/10"


def _section(lines: list[str], title: str, items: list[str]) -> None:
    if items:
        lines.append(title)
        lines.extend(f"- {item}" for item in items)


def _full(item: Prescription) -> list[str]:
    out = [f"- {item.name} ({item.target}): {item.dose}"]
    out.append("  How: " + " ".join(item.cues))
    out.append(f"  Easier: {item.regression}")
    out.append(f"  Harder: {item.progression}")
    out.extend(f"  Caution: {text}" for text in item.cautions)
    out.append(f"  Source: {item.source}")
    return out
