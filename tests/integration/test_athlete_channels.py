"""Each athlete's own notification channels: their messages go there, others' never do; the
install-wide notify.urls stays the default; the URLs are stored encrypted and shown masked."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.integration.servers import NotificationSink

from strava_rehab.context import AppContext, open_context
from strava_rehab.db.models import Athlete, AthleteChannel
from strava_rehab.notify.channels import NotificationFailed, mask_channel
from strava_rehab.notify.outbox import enqueue
from strava_rehab.services import channels, jobs
from strava_rehab.settings import load_settings

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
KEY = "Yq5wn0Wk2ib2n1tXbUQd1C9P1sgmVpX0F6fQ9wq2xjU="  # a valid Fernet key, only for tests


@pytest.fixture
def sinks() -> Iterator[dict[str, NotificationSink]]:
    made = {name: NotificationSink() for name in ("default", "ann", "bob")}
    yield made
    for sink in made.values():
        sink.close()


def _add_athletes(ctx: AppContext, *ids: int) -> None:
    with ctx.db.transaction() as session:
        for athlete_id in ids:
            session.add(
                Athlete(
                    id=athlete_id,
                    access_token=b"x",
                    refresh_token=b"y",
                    expires_at=NOW,
                    connected_at=NOW,
                    updated_at=NOW,
                )
            )


@pytest.fixture
def ctx(tmp_path: Path, sinks: dict[str, NotificationSink]) -> Iterator[AppContext]:
    settings = load_settings(
        data_dir=tmp_path / "data",
        secret_key=KEY,
        notify={"urls": [sinks["default"].apprise_url], "retry_base_s": 1},
    )
    context = open_context(settings, clock=lambda: NOW)
    _add_athletes(context, 1, 2, 3)
    yield context
    context.close()


def _message(ctx: AppContext, athlete_id: int, title: str) -> None:
    with ctx.db.transaction() as session:
        enqueue(
            session,
            athlete_id=athlete_id,
            dedupe_key=title,
            kind="suggestion",
            title=title,
            body="b",
            now=NOW,
        )


def _titles(sink: NotificationSink, expected: int) -> list[str]:
    deadline = time.monotonic() + 5
    while len(sink.received) < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    return sorted(str(m.get("title")) for m in sink.received)


def test_each_athlete_receives_only_their_own(
    ctx: AppContext, sinks: dict[str, NotificationSink]
) -> None:
    channels.set_channels(ctx, 1, [sinks["ann"].apprise_url])
    channels.set_channels(ctx, 2, [sinks["bob"].apprise_url])
    for athlete_id, title in ((1, "ann-1"), (2, "bob-1"), (1, "ann-2"), (3, "cleo-1")):
        _message(ctx, athlete_id, title)

    report = jobs.send_outbox(ctx)

    assert report.sent == 4
    assert _titles(sinks["ann"], 2) == ["ann-1", "ann-2"]
    assert _titles(sinks["bob"], 1) == ["bob-1"]
    assert _titles(sinks["default"], 1) == ["cleo-1"]  # no own channel: the install default


def test_clear_falls_back_to_the_default(
    ctx: AppContext, sinks: dict[str, NotificationSink]
) -> None:
    channels.set_channels(ctx, 1, [sinks["ann"].apprise_url])
    assert channels.clear_channels(ctx, 1) is True
    assert channels.clear_channels(ctx, 1) is False
    _message(ctx, 1, "ann-after-clear")
    assert jobs.send_outbox(ctx).sent == 1
    assert _titles(sinks["default"], 1) == ["ann-after-clear"]
    assert sinks["ann"].received == []


def test_set_replaces_and_is_stored_encrypted(
    ctx: AppContext, sinks: dict[str, NotificationSink]
) -> None:
    channels.set_channels(ctx, 1, ["ntfy://ntfy.sh/secret-topic-123"])
    channels.set_channels(ctx, 1, [sinks["ann"].apprise_url])
    assert channels.own_channels(ctx, 1) == [sinks["ann"].apprise_url]
    with ctx.db.read() as session:
        blob = session.scalars(select(AthleteChannel.urls)).one()
    assert b"127.0.0.1" not in blob and b"secret-topic" not in blob
    view = channels.show_channels(ctx, [1, 3])
    assert view[0].source == "own" and view[0].channels == ["json://127.0.0.1/***"]
    assert view[1].source == "install default"


def test_unknown_scheme_is_refused_and_nothing_stored(ctx: AppContext) -> None:
    with pytest.raises(NotificationFailed) as err:
        channels.set_channels(ctx, 1, ["ntfy://ntfy.sh/ok", "nosuch://token-abc@host"])
    assert "URL 2" in str(err.value) and "'nosuch'" in str(err.value)
    assert "token-abc" not in str(err.value)
    assert channels.own_channels(ctx, 1) is None


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("ntfy://ntfy.sh/private-topic", "ntfy://ntfy.sh/***"),
        ("mailtos://me:hunter2@gmail.com", "mailtos://gmail.com/***"),
        ("tgram://123456:ABCdefTOKEN/987", "tgram://***/***"),  # the token sits where a host goes
        ("json://127.0.0.1:8123/path?token=x", "json://127.0.0.1/***"),
    ],
)
def test_mask_channel_shows_scheme_and_host_only(url: str, shown: str) -> None:
    assert mask_channel(url) == shown


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"),
        "STRAVA_REHAB_SECRET_KEY": KEY,
    }
    return subprocess.run(
        [sys.executable, "-m", "strava_rehab", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_set_show_test_clear(
    ctx: AppContext, tmp_path: Path, sinks: dict[str, NotificationSink]
) -> None:
    secret_url = sinks["ann"].apprise_url + "?token=very-secret-value"
    result = _cli(tmp_path, "notify", "set", "--athlete", "1", secret_url)
    assert result.returncode == 0, result.stderr
    assert "json://127.0.0.1/***" in result.stdout

    shown = _cli(tmp_path, "notify", "show", "--json")
    assert shown.returncode == 0, shown.stderr
    assert "very-secret-value" not in shown.stdout + shown.stderr
    assert '"source": "own"' in shown.stdout

    tested = _cli(tmp_path, "notify", "test", "--athlete", "1")
    assert tested.returncode == 0, tested.stderr
    assert _titles(sinks["ann"], 1) == ["strava-rehab: test notification"]

    bad = _cli(tmp_path, "notify", "set", "--athlete", "1", "nosuch://secret-thing")
    assert bad.returncode == 1
    assert bad.stderr.count("\n") == 1 and "secret-thing" not in bad.stderr
    assert "'nosuch'" in bad.stderr

    missing = _cli(tmp_path, "notify", "set", "--athlete", "99", "ntfy://ntfy.sh/t")
    assert missing.returncode == 1 and "athlete 99 is not connected" in missing.stderr

    cleared = _cli(tmp_path, "notify", "clear", "--athlete", "1")
    assert cleared.returncode == 0 and "install default" in cleared.stdout
    assert channels.own_channels(ctx, 1) is None
