"""Representative decisions and digests whose English text is frozen in ``golden/``.

The golden files were written by the code *before* the text became translatable
(``python -m tests.text.golden_cases`` regenerates them; only do that for a wanted change of
the English wording). ``test_english_golden.py`` asserts the code still writes them byte for
byte when no language or unit system is set.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from tests.rehab.rehab_builders import TODAY, library, pain, situation, spike
from tests.rehab.rehab_cases import CASES

from strava_rehab.load.model import Finding, LoadMetrics
from strava_rehab.pain.model import PainReport
from strava_rehab.rehab import Decision, decide
from strava_rehab.text.digest import Digest

GOLDEN = Path(__file__).parent / "golden"
# A run as the notification names it.
RUN_NAME = "Morning Run"
RUN_ID = 123456


def decisions() -> dict[str, Decision]:
    """Every table case of the rules, plus the README's product example."""
    out = {case.id: decide(case.given, library()) for case in CASES}
    out["product_example"] = decide(
        situation(
            [pain("shin", 4, side="left", timing="during")],
            findings=[spike("weekly_progression", "moderate", value=42.0, reference=30.0)],
        ),
        library(),
    )
    return out


def _finding(kind: str, value: float, reference: float | None, explanation: str) -> Finding:
    return Finding(
        activity_id=1,
        local_date=date(2025, 5, 30),
        kind=kind,  # type: ignore[arg-type]
        band="moderate",
        severity="warning",
        value=value,
        reference=reference,
        ratio=None if reference is None else value / reference,
        explanation=explanation,
        source="Frandsen 2025",
    )


_NONE: dict[str, object] = {
    name: None for name in LoadMetrics.model_fields if name not in {"history_days"}
} | {"history_days": 70, "longest_run_30d_km": 14.0}


def digests() -> dict[str, Digest]:
    metrics = LoadMetrics.model_validate(
        {
            **_NONE,
            "last_7d_km": 42.35,
            "previous_7d_km": 30.0,
            "weekly_change": 0.4117,
            "acwr_uncoupled": 1.314,
        }
    )
    quiet = LoadMetrics.model_validate({**_NONE, "last_7d_km": 0.0, "previous_7d_km": 0.0})
    shin = PainReport(region="shin", side="left", score=4, text="left shin 4/10")
    later = PainReport(region="shin", side="left", score=6, text="left shin 6/10")
    heel = PainReport(region="plantar_heel", score=3, text="heel 3/10")
    return {
        "busy_week": Digest(
            athlete_name="Ana",
            week_start=date(2025, 5, 27),
            week_end=TODAY,
            metrics=metrics,
            findings=[
                _finding(
                    "session_spike",
                    21.0,
                    14.0,
                    "This 21.0 km run was 50% longer than your longest run in the previous 30 "
                    "days (14.0 km on 18 May 2025).",
                )
            ],
            pain=[(date(2025, 5, 25), shin), (date(2025, 5, 30), later), (TODAY, heel)],
            exercises=["Hip thrust", "Side-lying hip abduction"],
        ),
        "quiet_week": Digest(
            athlete_name="",
            week_start=date(2025, 5, 27),
            week_end=TODAY,
            metrics=quiet,
            findings=[],
            pain=[],
            exercises=[],
        ),
    }


def notification(decision: Decision, private: str) -> tuple[str, str]:
    """Title and body exactly as ``services.suggest._save_decision`` wrote them before."""
    run = f"{RUN_NAME} ({TODAY})"
    title = (
        f"strava-rehab: {run}"
        if decision.kind != "none"
        else f"strava-rehab: your note on {run} was not understood"
    )
    body = (
        private + f"\n\nView on Strava: https://www.strava.com/activities/{RUN_ID}"
        "\nPowered by Strava"
    )
    return title, body


def write() -> None:  # pragma: no cover - run by hand to regenerate
    from strava_rehab.rehab import render_private, render_public
    from strava_rehab.text.digest import render_digest

    texts = {}
    for name, decision in decisions().items():
        private = render_private(decision)
        title, body = notification(decision, private)
        texts[name] = {
            "public": render_public(decision, max_chars=900),
            "public_flags": render_public(decision, show_condition=True, show_score=True),
            "public_short": render_public(decision, max_chars=300),
            "private": private,
            "title": title,
            "body": body,
        }
    (GOLDEN / "decisions.json").write_text(
        json.dumps(texts, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    digest_texts = {name: list(render_digest(d)) for name, d in digests().items()}
    (GOLDEN / "digests.json").write_text(
        json.dumps(digest_texts, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":  # pragma: no cover
    write()
