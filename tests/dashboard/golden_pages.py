"""Every page template in every state worth showing, from the fixed fixture (no clock, no DB).

The golden HTML in ``golden/`` was recorded from these before the templates became translatable:
the English page with no language chosen must stay the same byte for byte.
Re-record (only when a page is meant to change): ``python -m tests.dashboard.golden_pages``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.dashboard.dashboard_fixture import dashboard

from strava_rehab.dashboard.templates import (
    DeletePage,
    MePage,
    SettingsPage,
    SignedOutPage,
    render,
)

GOLDEN = Path(__file__).parent / "golden"
TOKEN = "tok-123"

PAGES: dict[str, Callable[[], str]] = {
    "me": lambda: render(MePage(athlete_name="Ada", csrf_token=TOKEN, dashboard=dashboard())),
    "me_paused_notice": lambda: render(
        MePage(
            athlete_name="Ada",
            csrf_token=TOKEN,
            dashboard=dashboard(),
            write_back_paused=True,
            notice="Run 106 carried no text of ours any more; nothing was changed.",
        )
    ),
    "settings": lambda: render(
        SettingsPage(
            athlete_name="Ada",
            csrf_token=TOKEN,
            write_back_paused=False,
            destination="both",
            notification_configured=True,
        )
    ),
    "settings_saved_error": lambda: render(
        SettingsPage(
            athlete_name="Ada",
            csrf_token=TOKEN,
            write_back_paused=True,
            destination="description",
            notification_configured=False,
            saved=True,
            error="writing to your runs must be on or paused",
        )
    ),
    "delete": lambda: render(
        DeletePage(
            athlete_name="Ada",
            csrf_token=TOKEN,
            counts={"activities": 6, "pain reports": 3},
            blocks_on_strava=1,
        )
    ),
    "delete_error": lambda: render(
        DeletePage(
            athlete_name="Ada",
            csrf_token=TOKEN,
            counts={"activities": 0},
            blocks_on_strava=2,
            error="Tick the box to confirm that all your data should go.",
        )
    ),
    "signed_out": lambda: render(SignedOutPage(connect_url="/connect")),
    "signed_out_deleted": lambda: render(
        SignedOutPage(connect_url="/connect", deleted=True, kept_blocks=[7, 9], note="A note.")
    ),
    "signed_out_deleted_one": lambda: render(
        SignedOutPage(connect_url="/connect", deleted=True, kept_blocks=[7])
    ),
}


def record() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, build in PAGES.items():
        (GOLDEN / f"{name}.html").write_text(build(), encoding="utf-8")


if __name__ == "__main__":
    record()
