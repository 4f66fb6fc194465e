"""Tables at 80 columns: ids and dates whole, long text on lines of its own, no line too wide."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from strava_rehab.context import open_context
from strava_rehab.db.models import Activity, Athlete, SuggestionRow
from strava_rehab.settings import load_settings

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
ACTIVITY_IDS = (16123456789, 16123456790)
REASON = (
    "Your 7-day distance rose 62% above the 4-week average while shin pain was logged at 4/10 "
    "the morning after; the calf and tibialis loading plan starts at phase one"
)


def _seed(data_dir: Path) -> None:
    ctx = open_context(load_settings(data_dir=data_dir))
    try:
        with ctx.db.transaction() as session:
            session.add(
                Athlete(
                    id=7,
                    access_token=b"x",
                    refresh_token=b"y",
                    expires_at=NOW,
                    connected_at=NOW,
                    updated_at=NOW,
                )
            )
            session.flush()
            for n, activity_id in enumerate(ACTIVITY_IDS):
                session.add(
                    Activity(
                        id=activity_id,
                        athlete_id=7,
                        name="Morning Run",
                        sport_type="Run",
                        counted=True,
                        distance_m=8000.0,
                        moving_time_s=2400,
                        elapsed_time_s=2500,
                        start_utc=NOW,
                        local_date=date(2026, 11, 20 + n),
                        summary_hash="h",
                        raw_summary={},
                        synced_at=NOW,
                    )
                )
                session.flush()
                session.add(
                    SuggestionRow(
                        athlete_id=7,
                        activity_id=activity_id,
                        local_date=date(2026, 11, 20 + n),
                        kind="rehab",
                        protocol_id="medial_tibial_stress",
                        phase=1,
                        reason=REASON,
                        exercises=["calf_raise"],
                        decision={},
                        input_hash="i",
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
    finally:
        ctx.close()


@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "terminal"])
def test_suggestions_fit_80_columns(tmp_path: Path, terminal: bool) -> None:
    _seed(tmp_path / "data")
    env = {**os.environ, "STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "80"}
    if terminal:
        env["TTY_COMPATIBLE"] = env["FORCE_COLOR"] = "1"  # rich renders as on a terminal
    result = subprocess.run(
        [sys.executable, "-m", "strava_rehab", "suggestions"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    text = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80, text
    for n, activity_id in enumerate(ACTIVITY_IDS):
        row = next(line for line in lines if str(activity_id) in line)  # the whole id
        assert f"2026-11-{20 + n}" in row  # the whole date, on the id's line
    # The long reason is all there, one piece of it per line, not one word a line.
    words = " ".join(line.strip().removeprefix("why:").strip() for line in lines)
    assert " ".join(REASON.split()) in " ".join(words.split())
    why_lines = [line for line in lines if "why:" in line]
    assert len(why_lines) == len(ACTIVITY_IDS)
    assert all(len(line.split()) > 5 for line in why_lines)
