"""Each athlete's own notification channels (set, show masked, test, clear), and their own
units and language (`athlete locale`)."""

from __future__ import annotations

from typing import Annotated

import typer

from strava_rehab.cli import app, context
from strava_rehab.cli.options import AthleteOpt, JsonOpt, one_athlete
from strava_rehab.cli.output import listing, say

notify_app = typer.Typer(
    help="Each athlete's own notification channels (apprise URLs); notify.urls is the default.",
    no_args_is_help=True,
)
app.add_typer(notify_app, name="notify")


@notify_app.command("set")
def notify_set(
    urls: Annotated[list[str], typer.Argument(help="apprise URLs, e.g. ntfy://ntfy.sh/my-topic.")],
    athlete: AthleteOpt = None,
) -> None:
    """Replace the athlete's channels by URL... (stored encrypted, shown masked)."""
    from strava_rehab.services import channels

    ctx = context()
    view = channels.set_channels(ctx, one_athlete(ctx, athlete), urls)
    say(f"athlete {view.athlete_id}: {len(view.channels)} channel(s): {', '.join(view.channels)}")


@notify_app.command("show")
def notify_show(athlete: AthleteOpt = None, as_json: JsonOpt = False) -> None:
    """Where each athlete's notifications go (their own channels, or the default), masked."""
    from strava_rehab.services import channels
    from strava_rehab.services import connect as athletes

    ctx = context()
    views = channels.show_channels(ctx, athletes.resolve_athlete(ctx, athlete))
    listing(
        as_json,
        [{"athlete_id": v.athlete_id, "source": v.source, "channels": v.channels} for v in views],
        "Notification channels",
        {
            "athlete": lambda d: d["athlete_id"],
            "source": lambda d: d["source"],
            "channels": lambda d: ", ".join(d["channels"]),
        },
    )


@notify_app.command("test")
def notify_test(athlete: AthleteOpt = None) -> None:
    """Send a test notification to the athlete's channels now."""
    from strava_rehab.services import channels

    ctx = context()
    view = channels.send_test(ctx, one_athlete(ctx, athlete))
    say(f"athlete {view.athlete_id}: test sent to {', '.join(view.channels)} ({view.source})")


@notify_app.command("clear")
def notify_clear(athlete: AthleteOpt = None) -> None:
    """Drop the athlete's own channels: notify.urls applies again."""
    from strava_rehab.services import channels

    ctx = context()
    athlete_id = one_athlete(ctx, athlete)
    if channels.clear_channels(ctx, athlete_id):
        say(f"athlete {athlete_id}: own channels removed; the install default applies")
    else:
        say(f"athlete {athlete_id} had no channels of their own; nothing changed")


athlete_app = typer.Typer(help="One athlete's own settings.", no_args_is_help=True)
app.add_typer(athlete_app, name="athlete")


@athlete_app.command("locale")
def athlete_locale(
    athlete: AthleteOpt = None,
    units: Annotated[
        str | None,
        typer.Option(help="auto (Strava's measurement preference), metric or imperial."),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option(help="auto (the note's language, else the install's), en or de."),
    ] = None,
) -> None:
    """Show or set the units and language of the athlete's descriptions and notifications."""
    from strava_rehab.services import runner_locale

    # Checked before the database is opened: a typo gets the accepted values, nothing else.
    runner_locale.check_choices(units, language)
    ctx = context()
    athlete_id = one_athlete(ctx, athlete)
    if units is None and language is None:
        view = runner_locale.show_locale(ctx, athlete_id)
    else:
        view = runner_locale.set_locale(ctx, athlete_id, units=units, language=language)
    strava = view.measurement_preference or "not read yet"
    shown = view.language if view.language != "auto" else f"auto (else {view.default_language})"
    say(
        f"athlete {view.athlete_id}: units {view.units} -> {view.unit_system} "
        f"(Strava: {strava}); language {shown}"
    )
