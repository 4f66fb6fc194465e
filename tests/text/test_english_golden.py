"""With no language or unit system set, the English text is byte for byte what it was.

``golden/`` was written by the code before the text became translatable (see
``golden_cases.py``); every case of the rules' table is there, plus two digests.
"""

from __future__ import annotations

import json

import pytest
from tests.rehab.rehab_builders import TODAY
from tests.text.golden_cases import GOLDEN, RUN_ID, RUN_NAME, decisions, digests

from strava_rehab.rehab import render_private, render_public
from strava_rehab.rehab.situation import Decision
from strava_rehab.text.digest import render_digest
from strava_rehab.text.notification import notification_text
from strava_rehab.text.voice import ENGLISH

_DECISIONS = json.loads((GOLDEN / "decisions.json").read_text(encoding="utf-8"))
_DIGESTS = json.loads((GOLDEN / "digests.json").read_text(encoding="utf-8"))
_BUILT = decisions()


def test_every_golden_case_is_still_built() -> None:
    assert sorted(_BUILT) == sorted(_DECISIONS)


@pytest.mark.parametrize("name", sorted(_DECISIONS))
def test_description_block_and_notification_unchanged(name: str) -> None:
    decision: Decision = _BUILT[name]
    golden = _DECISIONS[name]
    assert render_public(decision, max_chars=900) == golden["public"]
    assert render_public(decision, show_condition=True, show_score=True) == golden["public_flags"]
    assert render_public(decision, max_chars=300, voice=ENGLISH) == golden["public_short"]
    private = render_private(decision)
    assert private == golden["private"]
    title, body = notification_text(
        decision.kind,
        private,
        run_name=RUN_NAME,
        local_date=TODAY,
        activity_id=RUN_ID,
    )
    assert (title, body) == (golden["title"], golden["body"])


@pytest.mark.parametrize("name", sorted(_DIGESTS))
def test_digest_unchanged(name: str) -> None:
    assert list(render_digest(digests()[name])) == _DIGESTS[name]
