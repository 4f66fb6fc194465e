"""The runner's private notification about one run: its title and body around the full text."""

from __future__ import annotations

from datetime import date

from strava_rehab.text.voice import ENGLISH, Voice


def notification_text(
    kind: str,
    private: str,
    *,
    run_name: str | None,
    local_date: date,
    activity_id: int,
    voice: Voice = ENGLISH,
) -> tuple[str, str]:
    """(title, body). ``kind`` "none" means only part of the note could not be read."""
    _ = voice._
    # The date as ISO in every language: it is also how the runner finds the run on Strava.
    run = _("{name} ({date})").format(name=run_name or _("your run"), date=local_date)
    if kind != "none":
        title = _("strava-rehab: {run}").format(run=run)
    else:
        title = _("strava-rehab: your note on {run} was not understood").format(run=run)
    # "Powered by Strava" is Strava's attribution wording: never translated.
    body = (
        private
        + "\n\n"
        + _("View on Strava: {url}").format(url=f"https://www.strava.com/activities/{activity_id}")
        + "\nPowered by Strava"
    )
    return title, body
