"""The weekly digest: load, findings, pain trend and exercises, enqueued once per week."""

from __future__ import annotations

from sqlalchemy import select

from strava_rehab.context import AppContext
from strava_rehab.db.models import OutboxMessage
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import jobs


def test_digest_is_built_from_the_week_and_sent_once(
    ctx: AppContext, sandbox: Sandbox, connected: int
) -> None:
    jobs.run_cycle(ctx)
    sandbox.add_activity(
        connected,
        name="Run",
        sport_type="Run",
        distance=8000.0,
        moving_time=2700,
        description="left shin sore 4/10",
    )
    jobs.run_cycle(ctx)
    assert jobs.send_digests(ctx) == 1
    assert jobs.send_digests(ctx) == 1  # the same ISO week: still one message
    with ctx.db.transaction() as session:
        digests = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest")).all()
    assert len(digests) == 1
    body = digests[0].body
    assert "Last 7 days:" in body and "km" in body
    assert "Findings:" in body and "longer than your longest run" in body
    assert "shin: 4 /10" in body
    assert "Side-lying hip abduction" in body
    assert "not a diagnosis" in body and "Powered by Strava" in body
    assert digests[0].status == "sent"
