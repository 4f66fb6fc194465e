"""The suggestion as text: a short public block for the activity, full detail for the runner.

The public block goes into a Strava description, which the app shows as plain text to anyone
who can see the run: no Markdown, short lines, and by default neither the pain score nor the
condition name (both are health data). The lead's delivery code wraps it in its own markers, so
nothing here emits delimiters.
"""

from __future__ import annotations

from strava_rehab.rehab.library import CONVENTION_LABEL
from strava_rehab.rehab.situation import Decision, Prescription
from strava_rehab.text.voice import ENGLISH, N_, Voice

MORE = N_("(more in your notifications)")
# Words the decision stores as ids, translated where they are shown.
TREND_WORDS = {"rising": N_("rising"), "steady": N_("steady"), "settling": N_("settling")}
SIDE_WORDS = {"left": N_("left"), "right": N_("right"), "both": N_("both")}
# The decision orders its load advice by importance; the public block keeps it short.
PUBLIC_LOAD_LINES = 2
_BULLET = "• "


def render_public(
    decision: Decision,
    *,
    show_condition: bool = False,
    show_score: bool = False,
    max_chars: int = 900,
    voice: Voice = ENGLISH,
) -> str:
    """Plain text of at most ``max_chars``; "" when there is nothing to say."""
    if decision.kind == "none":
        return ""
    body = _public_body(decision, show_condition=show_condition, show_score=show_score, v=voice)
    return _fit(
        body,
        decision.disclaimer,
        max_chars,
        evidence=_evidence_line(decision, voice),
        more=voice._(MORE),
    )


def trend_word(trend: str | None, voice: Voice) -> str:
    return voice._(TREND_WORDS[trend]) if trend in TREND_WORDS else (trend or "")


def _evidence_line(decision: Decision, voice: Voice) -> str | None:
    """One short line: authors, year and journal of the main sources (no titles: a title can
    name the condition, which the public block keeps private by default)."""
    if not decision.evidence:
        return None
    return voice._("Evidence: ") + "; ".join(decision.evidence)


def _public_body(
    decision: Decision, *, show_condition: bool, show_score: bool, v: Voice
) -> list[str]:
    _ = v._
    lines: list[str] = [_public_heading(decision, show_condition=show_condition, v=v)]
    if show_score and decision.score is not None:
        trend = f" ({trend_word(decision.trend, v)})" if decision.trend else ""
        where = f"{decision.region_name} " if show_condition and decision.region_name else ""
        lines.append(_("Pain today: ") + f"{where}{decision.score:g}/10{trend}")
    if decision.kind == "see_clinician":
        if show_condition:
            lines.extend(_BULLET + line for line in decision.load_advice)
        return lines
    lines.extend(decision.public_reasons)
    lines.extend(_("Load: ") + line for line in decision.load_advice[:PUBLIC_LOAD_LINES])
    if decision.exercises and decision.kind != "continue":
        marked = any(item.dose_basis == "convention" for item in decision.exercises)
        label = _(CONVENTION_LABEL)
        lines.append(_("Exercises (* {label}):").format(label=label) if marked else _("Exercises:"))
        lines.extend(_BULLET + _short(item, v) for item in decision.exercises)
    lines.extend(_("Avoid: ") + line for line in decision.avoid if decision.kind != "continue")
    return lines


def _public_heading(decision: Decision, *, show_condition: bool, v: Voice) -> str:
    _ = v._
    label = decision.protocol_name if show_condition and decision.protocol_name else None
    if decision.kind == "see_clinician":
        text = _(
            "Warning sign in today's pain note: stop running and get it checked by a "
            "clinician before your next run."
        )
        return f"{decision.condition}. {text}" if show_condition and decision.condition else text
    if decision.kind == "continue":
        return _(
            "Continue: {programme} phase {phase} — {phase_name}. Same exercises as last time."
        ).format(
            programme=label or _("your rehab programme"),
            phase=decision.phase,
            phase_name=decision.phase_name,
        )
    if decision.kind == "rehab":
        return _("{programme}: phase {phase} of {count} — {phase_name}").format(
            programme=label or _("Rehab suggestion"),
            phase=decision.phase,
            count=decision.phase_count,
            phase_name=decision.phase_name,
        )
    return (
        _("Load check") if label is None else _("Load check — {programme}").format(programme=label)
    )


def _short(item: Prescription, v: Voice) -> str:
    # The public block marks convention doses with "*" (one footnote) to stay short.
    prefix = v._("Or instead: ") if item.option else ""
    mark = "*" if item.dose_basis == "convention" else ""
    dose = item.dose.removesuffix(f" ({v._(CONVENTION_LABEL)})")
    return f"{prefix}{item.name}: {dose}{mark}"


def _fit(
    body: list[str],
    disclaimer: str,
    max_chars: int,
    *,
    evidence: str | None = None,
    more: str = MORE,
) -> str:
    """Whole lines only; when some are dropped, say where the rest is. Never over the cap.

    The evidence line stays with the disclaimer at the end; it is the first thing dropped when
    even the tail does not fit.
    """
    tail = [disclaimer] if disclaimer else []
    if evidence:
        with_evidence = [evidence, *tail]
        if (
            len("\n".join([*body, *with_evidence])) <= max_chars
            or len("\n".join([more, *with_evidence])) <= max_chars // 2
        ):
            tail = with_evidence
    full = "\n".join([*body, *tail])
    if len(full) <= max_chars:
        return full
    kept: list[str] = []
    for line in body:
        if len("\n".join([*kept, line, more, *tail])) > max_chars:
            break
        kept.append(line)
    while kept and kept[-1].endswith(":"):
        kept.pop()  # a heading with nothing under it
    text = "\n".join([*kept, more, *tail])
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


def render_private(decision: Decision, voice: Voice = ENGLISH) -> str:
    """Everything, for the runner's own notification: condition, score, reasons, full doses."""
    _ = voice._
    lines: list[str] = [_private_heading(decision, voice)]
    if decision.condition:
        lines.append(
            _("Possible condition: {condition} (not a diagnosis)").format(
                condition=decision.condition
            )
        )
    if decision.region_name or decision.score is not None:
        where = decision.region_name or ""
        if decision.side and decision.region_name:
            where = _("{side} {region}").format(
                side=_(SIDE_WORDS[decision.side]), region=decision.region_name
            )
        elif decision.side:
            where = _(SIDE_WORDS[decision.side])
        lines.append(_("Pain: ") + ", ".join(part for part in (where, _score(decision)) if part))
    if decision.trend:
        lines.append(_("Trend: ") + trend_word(decision.trend, voice))
    if decision.protocol_name and decision.phase is not None:
        lines.append(
            _("Programme: {programme}, phase {phase} of {count} ({phase_name})").format(
                programme=decision.protocol_name,
                phase=decision.phase,
                count=decision.phase_count,
                phase_name=decision.phase_name,
            )
        )
    _section(lines, _("Why:"), decision.reasons)
    _section(lines, _("Load:"), decision.load_advice)
    main = [item for item in decision.exercises if not item.option]
    options = [item for item in decision.exercises if item.option]
    if main:
        lines.append(_("Exercises:"))
        for item in main:
            lines.extend(_full(item, voice))
    if options:
        lines.append(_("Or instead:"))
        for item in options:
            lines.extend(_full(item, voice))
    _section(lines, _("Avoid:"), decision.avoid)
    _section(lines, _("Cautions:"), decision.cautions)
    if decision.unread:
        _section(
            lines, _("Not understood in your note:"), [f"'{text}'" for text in decision.unread]
        )
        if decision.unread_help:
            lines.append(decision.unread_help)
    _section(lines, _("Sources:"), decision.sources)
    if decision.disclaimer:
        lines.append(decision.disclaimer)
    return "\n".join(lines)


def _private_heading(decision: Decision, voice: Voice) -> str:
    _ = voice._
    if decision.kind == "continue":
        return _("Continue: {programme} phase {phase} — {phase_name}").format(
            programme=decision.protocol_name, phase=decision.phase, phase_name=decision.phase_name
        )
    return {
        "none": _("Nothing to suggest today."),
        "load_advice": _("Load check"),
        "rehab": _("Rehab suggestion"),
        "see_clinician": _("Stop running and see a clinician"),
    }[decision.kind]


def _score(decision: Decision) -> str:
    return "" if decision.score is None else f"{decision.score:g}/10"


def _section(lines: list[str], title: str, items: list[str]) -> None:
    if items:
        lines.append(title)
        lines.extend(f"- {item}" for item in items)


def _full(item: Prescription, voice: Voice) -> list[str]:
    _ = voice._
    out = [f"- {item.name} ({item.target}): {item.dose}"]
    out.append("  " + _("How: ") + " ".join(item.cues))
    out.append("  " + _("Easier: ") + item.regression)
    out.append("  " + _("Harder: ") + item.progression)
    out.extend("  " + _("Caution: ") + text for text in item.cautions)
    out.append("  " + _("Source: ") + item.source)
    return out
