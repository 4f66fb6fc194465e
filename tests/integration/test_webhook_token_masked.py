"""``status`` and ``webhook status`` mask the webhook path token, as ``subscribe`` does."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.integration.conftest import CLIENT_ID, CLIENT_SECRET, ContextFactory
from tests.integration.servers import free_port, web_server

from strava_rehab.cli import main
from strava_rehab.sandbox import Sandbox
from strava_rehab.services import subscription as webhooks


def test_status_commands_never_print_the_webhook_path_token(
    make_ctx: ContextFactory,
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    port = free_port()
    ctx = make_ctx(public_url=f"http://127.0.0.1:{port}")
    for key, value in {
        "STRAVA_REHAB_DATA_DIR": str(tmp_path / "data"),
        "STRAVA_REHAB_STRAVA_URL": sandbox.url,
        "STRAVA_CLIENT_ID": str(CLIENT_ID),
        "STRAVA_CLIENT_SECRET": CLIENT_SECRET,
        "STRAVA_REHAB_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }.items():
        monkeypatch.setenv(key, value)

    def cli(*args: str) -> str:
        with pytest.raises(SystemExit) as exit_:
            main(list(args))
        out, err = capsys.readouterr()
        assert exit_.value.code in (0, None), err
        return str(out + err)

    with web_server(ctx, port):
        cli("webhook", "subscribe")
        token, _ = webhooks.webhook_secrets(ctx)
        assert token in webhooks.callback_url(ctx)
        for args in (["webhook", "status"], ["webhook", "status", "--json"], ["status"]):
            out = cli(*args)
            assert token not in out, args
        out = cli("status", "--json")
        assert token not in out and "/strava/webhook/..." in out
        cli("webhook", "unsubscribe")
