"""Delivery and the long-running parts: undo, the worker, the web app, webhooks."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from strava_rehab.cli import UserError, app, context, log_level, secrets_of, settings
from strava_rehab.cli.options import AthleteOpt, DryRunOpt, JsonOpt
from strava_rehab.cli.output import emit_json, local_time, say, setup_logging
from strava_rehab.redact import mask_subscription


@app.command()
def undo(
    activity_id: Annotated[int | None, typer.Argument(help="The activity to clean.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every activity we wrote to.")] = False,
    athlete: AthleteOpt = None,
    dry_run: DryRunOpt = False,
) -> None:
    """Remove our blocks from descriptions, leaving everything else as it was."""
    from strava_rehab.services import connect as athletes
    from strava_rehab.services.deliver import undo_blocks

    if (activity_id is None) == (not all_):
        raise UserError("name one ACTIVITY_ID, or use --all")
    ctx = context()
    results = undo_blocks(
        ctx,
        athlete_ids=athletes.resolve_athlete(ctx, athlete),
        activity_id=activity_id,
        dry_run=dry_run,
    )
    for r in results:
        say(f"{r.activity_id}: {r.outcome}")
    if not results:
        say("Nothing to undo.")


# --- worker and web ------------------------------------------------------------------------------


@app.command()
def worker(
    once: Annotated[
        bool,
        typer.Option(
            "--once",
            help="Run one cycle and exit (cron, timers): only the listings that are due.",
        ),
    ] = False,
    everyone: Annotated[
        bool,
        typer.Option(
            "--all",
            help="With --once: list every athlete now, whatever their schedule (costs quota).",
        ),
    ] = False,
    dry_run: DryRunOpt = False,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency", min=1, help="Distributed mode: jobs run at once by this worker."
        ),
    ] = None,
) -> None:
    """The background worker: sync, suggest, deliver, webhooks, notifications, digest.

    Listings follow the quota schedule (`status` shows each athlete's): with healthy webhooks
    one reconciliation per athlete a day, without them adaptive polling around each athlete's
    usual upload times; new runs come by webhook.

    Exit codes of --once, for cron and systemd:
    0 ok (a Strava rate-limit pause too: it resumes next run);
    1 a configuration error; 3 an athlete's cycle failed;
    4 Strava was unreachable (network, timeouts, 5xx).
    """
    import signal
    import threading

    from strava_rehab.config_check import check_notify
    from strava_rehab.services import jobs
    from strava_rehab.worker import Worker, cycle_exit_code, write_health

    check_notify(settings())  # a bad notify URL is one line now, not a failing job per cycle
    if settings().runner == "procrastinate" and not (once or dry_run):
        from strava_rehab.distributed.worker import run_worker

        setup_logging(log_level(logging.INFO), secrets_of(settings()))
        run_worker(settings(), concurrency=concurrency)
        return
    ctx = context(default_log=logging.INFO)
    if once or dry_run:
        if everyone or dry_run:
            report = jobs.sync_and_suggest(ctx, dry_run=dry_run)
        else:
            report = jobs.scheduled_sync(ctx)
        if not dry_run:
            report.inbox = jobs.drain_inbox(ctx)
            report.outbox = jobs.send_outbox(ctx)
            write_health(ctx, "cycle", True, report.summary())
        say(report.summary())
        for p in report.post_run:
            for activity_id, text in p.would_write.items():
                say(f"--- would write to activity {activity_id}:\n{text}")
        code = cycle_exit_code(report)
        if code:
            raise typer.Exit(code)
        return
    w = Worker(ctx)
    stopped = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        logging.getLogger(__name__).info("signal %d: finishing the current job", signum)
        stopped.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    w.start()
    stopped.wait()
    w.shutdown()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    embedded_worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="Run the worker in this process.")
    ] = True,
) -> None:
    """The web app (webhook, connect page, /healthz) with the embedded worker."""
    import uvicorn

    from strava_rehab.config_check import check_notify
    from strava_rehab.listen import bind
    from strava_rehab.web import create_app
    from strava_rehab.worker import Worker

    # Bound before anything starts: a busy port is one line and exit 1, not uvicorn's exit 3.
    sock = bind(host, port)
    check_notify(settings())
    ctx = context(default_log=logging.INFO)
    queue = None
    if ctx.settings.runner == "procrastinate":  # the workers are `strava-rehab worker` processes
        from strava_rehab.distributed import build_app

        queue, embedded_worker = build_app(ctx.settings), False
    # A scheduler already running elsewhere: serve webhooks anyway and stand by for its lease.
    w = Worker(ctx, standby_if_busy=True) if embedded_worker else None
    config = uvicorn.Config(
        create_app(ctx, w, queue),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=30,
    )
    say(f"serving on http://{host}:{port} (webhook path /strava/webhook/<token>, /healthz)")
    uvicorn.Server(config).run(sockets=[sock])


webhook_app = typer.Typer(help="The app's one Strava push subscription.", no_args_is_help=True)
app.add_typer(webhook_app, name="webhook")


@webhook_app.command("subscribe")
def webhook_subscribe(dry_run: DryRunOpt = False) -> None:
    """Create the subscription (serve must already answer at public_url)."""
    from strava_rehab.services import subscription as webhooks

    ctx = context()
    url = webhooks.callback_url(ctx)
    if dry_run:
        say(f"Would ask Strava to POST events to {ctx.settings.public_url}/strava/webhook/...")
        return
    _, verify = webhooks.webhook_secrets(ctx)
    subscription_id = ctx.app().create_subscription(url, verify)
    webhooks.save_subscription(ctx, {"id": subscription_id, "callback_url": url})
    say(
        f"Subscribed (id {subscription_id}); Strava will POST events to {ctx.settings.public_url}"
        "/strava/webhook/..."
    )


@webhook_app.command("status")
def webhook_status(as_json: JsonOpt = False) -> None:
    """Show the subscription at Strava and the one stored here."""
    from strava_rehab.services import subscription as webhooks

    ctx = context()
    # The callback URL carries the path token that authenticates Strava: never print it.
    remote = [mask_subscription(sub) or {} for sub in ctx.app().list_subscriptions()]
    stored = mask_subscription(webhooks.stored_subscription(ctx))
    if as_json:
        emit_json({"strava": remote, "stored": stored})
        return
    if not remote:
        say("No subscription at Strava. Run: strava-rehab webhook subscribe")
    for sub in remote:
        ours = stored is not None and int(stored["id"]) == int(sub["id"])
        say(f"subscription {sub['id']}{' (ours)' if ours else ''} created {sub.get('created_at')}")


@webhook_app.command("unsubscribe")
def webhook_unsubscribe(dry_run: DryRunOpt = False) -> None:
    """Delete the app's subscription at Strava."""
    from strava_rehab.services import subscription as webhooks

    ctx = context()
    remote = ctx.app().list_subscriptions()
    if dry_run:
        for sub in remote:
            say(f"Would delete subscription {sub['id']}.")
        return
    for sub in remote:
        ctx.app().delete_subscription(int(sub["id"]))
        say(f"Deleted subscription {sub['id']}.")
    webhooks.save_subscription(ctx, None)
    if not remote:
        say("There was no subscription.")


MAX_MODE_LINES = 20


@app.command()
def status(as_json: JsonOpt = False) -> None:
    """The install at a glance: athletes, Strava rate budget, inbox, outbox, worker health."""
    from strava_rehab.services import reports
    from strava_rehab.worker import health_path

    ctx = context()
    data = reports.install_status(ctx)
    athlete_states: dict[str, int] = data["athletes"]
    budget = {name: (b["used"], b["limit"]) for name, b in data["rate_budget"].items()}
    inbox_pending, outbox, health = data["inbox_pending"], data["outbox"], data["worker_health"]
    health_file = health_path(ctx)
    queue = None
    if ctx.settings.runner == "procrastinate":
        from strava_rehab.distributed.status import queue_status

        data["queue"] = queue = queue_status(ctx, ctx.clock())
    # Without notify.urls a "sent" message only reached the log, never the runner.
    logged_only = not ctx.settings.notify.urls
    if as_json:
        emit_json({**data, "notify": "logged only" if logged_only else "apprise"})
        return
    say(
        f"athletes: {sum(athlete_states.values())} of {ctx.settings.max_athletes} "
        f"({', '.join(f'{n} {s}' for s, n in athlete_states.items()) or 'none'})"
    )
    say(
        "Strava budget (this window / today): "
        f"reads {budget['read_15m'][0]}/{budget['read_15m'][1]} · "
        f"{budget['read_day'][0]}/{budget['read_day'][1]}, "
        f"all {budget['overall_15m'][0]}/{budget['overall_15m'][1]} · "
        f"{budget['overall_day'][0]}/{budget['overall_day'][1]}"
    )
    say(f"webhook inbox: {inbox_pending} pending; subscription: {data['subscription'] or 'none'}")
    said = {"sent": "logged only (no notify.urls)"} if logged_only else {}
    say(f"outbox: {', '.join(f'{n} {said.get(s, s)}' for s, n in outbox.items()) or 'empty'}")
    if health is None:
        say(f"worker: no health file yet ({health_file})")
    else:
        outcome = "ok" if health["ok"] else "failed"
        # In the install's own zone (worker.timezone, the one its cron schedules are read in).
        at = local_time(health["time"], ZoneInfo(ctx.settings.worker.timezone))
        say(f"worker: last job {health['job']} at {at} ({outcome})")
    if queue is not None:
        from strava_rehab.distributed.status import format_queue

        for line in format_queue(queue):
            say(line)
    modes = data["sync_modes"]
    if modes:
        say(f"sync modes ({len(modes)} athletes):")
        for entry in modes[:MAX_MODE_LINES]:
            due = entry["next_listing_at"]
            when = f"next {due:%Y-%m-%d %H:%M} UTC" if due is not None else "not scheduled"
            say(f"  {entry['athlete_id']}: {entry['mode']}, {when}: {entry['reason']}")
        if len(modes) > MAX_MODE_LINES:
            counts = Counter(entry["mode"] for entry in modes[MAX_MODE_LINES:])
            rest = ", ".join(f"{n} {mode}" for mode, n in sorted(counts.items()))
            say(f"  ... and {len(modes) - MAX_MODE_LINES} more ({rest}); --json lists all")
    ignored = data["webhook_ignored"]
    if ignored["unknown_athlete"] or ignored["other_subscription"]:
        say(
            f"webhook events ignored: {ignored['unknown_athlete']} for athletes not connected "
            f"here, {ignored['other_subscription']} for another subscription "
            f"(last {ignored['last_at']})"
        )
