"""The commands. Each one is a thin shell over a service that the worker and web app share."""

from __future__ import annotations

import logging
import re
import webbrowser
from datetime import date
from typing import Annotated, Any

import typer
from sqlalchemy import select

from strava_rehab import athletes
from strava_rehab.cli import UserError, app, context, log_level, secrets_of, settings
from strava_rehab.cli.output import emit_json, is_terminal, out, say, setup_logging, table
from strava_rehab.db.engine import Database, current_revision, downgrade, head_revision, upgrade
from strava_rehab.db.models import Activity, Athlete, SyncState
from strava_rehab.sync import sync_athlete

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]
AthleteOpt = Annotated[
    int | None, typer.Option("--athlete", help="Strava athlete id (default: every connected one).")
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Show what would be written; change nothing.")
]

db_app = typer.Typer(help="Database schema: migrations.", no_args_is_help=True)
config_app = typer.Typer(help="Check and show the settings.", no_args_is_help=True)
keys_app = typer.Typer(help="The key that encrypts Strava tokens at rest.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(keys_app, name="keys")


# --- db ------------------------------------------------------------------------------------------


def _database() -> Database:
    s = settings()
    setup_logging(log_level(logging.INFO), secrets_of(s))
    return Database(s.resolved_database_url)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the migrations (the embedded default also does this on every command)."""
    db = _database()
    try:
        upgrade(db.engine, revision)
        say(f"database at revision {current_revision(db.engine)}")
    finally:
        db.dispose()


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision.")]) -> None:
    """Revert the migrations down to REVISION ('base' empties the database)."""
    db = _database()
    try:
        downgrade(db.engine, revision)
        say(f"database at revision {current_revision(db.engine) or 'base'}")
    finally:
        db.dispose()


@db_app.command("current")
def db_current(as_json: JsonOpt = False) -> None:
    """Show the applied and the newest revision."""
    db = _database()
    try:
        data = {"current": current_revision(db.engine), "head": head_revision(db.engine)}
    finally:
        db.dispose()
    if as_json:
        emit_json(data)
    else:
        say(f"current: {data['current'] or 'base (empty)'}; newest: {data['head']}")


# --- config --------------------------------------------------------------------------------------


@config_app.command("check")
def config_check() -> None:
    """Validate the settings file and environment; exit 1 naming any bad key."""
    s = settings()
    say(f"configuration ok; database: {s.resolved_database_url.split('@')[-1]}")


@config_app.command("show")
def config_show(as_json: JsonOpt = False) -> None:
    """Show the effective settings, with secrets masked."""
    data = settings().model_dump(mode="json")
    if as_json:
        emit_json(data)
        return
    for key, value in data.items():
        print(f"{key} = {value}")


# --- keys ----------------------------------------------------------------------------------------


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every stored token under the newest key (list it first in secret_key)."""
    ctx = context()
    with ctx.db.transaction() as session:
        rows = list(session.scalars(select(Athlete)))
        for row in rows:
            row.access_token = ctx.vault.rotate(row.access_token)
            row.refresh_token = ctx.vault.rotate(row.refresh_token)
    say(f"re-encrypted the tokens of {len(rows)} athlete(s)")


# --- connecting ----------------------------------------------------------------------------------


def _report_connect(result: athletes.ConnectResult) -> None:
    verb = "Reconnected" if result.reconnected else "Connected"
    say(f"{verb} {result.name} (athlete {result.athlete_id}).")
    say(f"Granted scopes: {', '.join(result.granted) or 'none'}")
    for scope, effect in result.missing.items():
        say(f"  missing {scope}: {effect}. Reconnect and tick it to enable.")


@app.command()
def connect(
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the authorize URL instead of opening it.")
    ] = False,
    code: Annotated[
        str | None,
        typer.Option(
            "--code",
            help="Exchange a code pasted by hand (headless servers): the code, or better the whole "
            "URL Strava sent you back to, which also tells the granted scopes.",
        ),
    ] = None,
    port: Annotated[int, typer.Option(help="Loopback callback port (0 = any free port).")] = 0,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the browser.")] = 300.0,
) -> None:
    """Connect a Strava account (scopes read, activity:read_all, activity:write)."""
    ctx = context()
    if code is not None:
        bare, scope = athletes.parse_pasted_code(code)
        if scope is None:
            say("The granted scopes are unknown from a bare code; assuming those requested.")
        result = athletes.complete_connect(ctx, bare, scope or ctx.settings.scopes, None)
    else:

        def open_url(url: str) -> None:
            if no_browser or not webbrowser.open(url):
                say("Open this URL in a browser and authorize strava-rehab:")
                print(url, flush=True)
            else:
                say("Opened Strava in your browser; waiting for you to authorize...")

        result = athletes.connect_with_loopback(ctx, open_url, port=port, timeout_s=timeout)
    _report_connect(result)


@app.command()
def disconnect(
    athlete: AthleteOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Deauthorize at Strava and delete everything stored about the athlete."""
    ctx = context()
    ids = athletes.resolve_athlete(ctx, athlete)
    if athlete is None and len(ids) > 1:
        raise UserError(f"{len(ids)} athletes are connected; name one with --athlete ID")
    if not ids:
        raise UserError("no athlete is connected")
    if dry_run:
        with ctx.db.read() as session:
            count = len(
                session.scalars(select(Activity.id).where(Activity.athlete_id == ids[0])).all()
            )
        say(
            f"Would deauthorize athlete {ids[0]} at Strava and delete their data "
            f"({count} activities, with their pain reports, findings and suggestions)."
        )
        return
    if not yes and not typer.confirm(f"Disconnect athlete {ids[0]} and delete all their data?"):
        raise typer.Abort()
    athletes.disconnect(ctx, ids[0])
    say(f"Disconnected athlete {ids[0]} and deleted their data.")


@app.command("athletes")
def list_athletes(as_json: JsonOpt = False) -> None:
    """List connected athletes, their scopes and sync state."""
    ctx = context()
    with ctx.db.transaction() as session:
        rows: list[dict[str, Any]] = []
        for a in session.scalars(select(Athlete).order_by(Athlete.id)):
            state = session.get(SyncState, a.id)
            rows.append(
                {
                    "athlete_id": a.id,
                    "name": f"{a.firstname} {a.lastname}".strip(),
                    "status": a.status,
                    "message": a.status_message,
                    "scopes": a.scopes.split(","),
                    "last_sync_at": state.last_sync_at if state else None,
                    "resume_at": state.resume_at if state else None,
                    "last_error": state.last_error if state else "",
                }
            )
    if as_json:
        emit_json(rows)
        return
    table(
        "Athletes",
        ["id", "name", "status", "scopes", "last sync", "note"],
        [
            [
                r["athlete_id"],
                r["name"],
                r["status"],
                ",".join(r["scopes"]),
                r["last_sync_at"] or "never",
                r["message"] or r["last_error"],
            ]
            for r in rows
        ],
    )


# --- syncing -------------------------------------------------------------------------------------


@app.command()
def sync(
    athlete: AthleteOpt = None,
    full: Annotated[
        bool, typer.Option("--full", help="Backfill history again and reconcile.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Sync runs from Strava (the first sync backfills history)."""
    ctx = context()
    ids = athletes.resolve_athlete(ctx, athlete)
    if not ids:
        raise UserError("no athlete is connected; run: strava-rehab connect")
    reports = []
    for athlete_id in ids:
        if is_terminal() and not as_json:
            with out.status(f"Syncing athlete {athlete_id} from Strava..."):
                reports.append(sync_athlete(ctx, athlete_id, full=full))
        else:
            reports.append(sync_athlete(ctx, athlete_id, full=full))
    if as_json:
        emit_json(
            [
                {
                    "athlete_id": r.athlete_id,
                    "created": r.created,
                    "updated": r.updated,
                    "deleted": r.deleted,
                    "details": r.details,
                    "api_calls": r.api_calls,
                    "complete": r.complete,
                    "resume_at": r.resume_at,
                    "error": r.error,
                }
                for r in reports
            ]
        )
    else:
        for r in reports:
            say(r.summary())
    if any(r.error and r.resume_at is None for r in reports):
        raise typer.Exit(1)


@app.command()
def activities(
    athlete: AthleteOpt = None,
    limit: Annotated[int, typer.Option(help="How many, newest first (0 = all).")] = 30,
    as_json: JsonOpt = False,
) -> None:
    """List stored activities, newest first."""
    ctx = context()
    ids = athletes.resolve_athlete(ctx, athlete)
    with ctx.db.transaction() as session:
        query = (
            select(Activity).where(Activity.athlete_id.in_(ids)).order_by(Activity.start_utc.desc())
        )
        if limit:
            query = query.limit(limit)
        rows = list(session.scalars(query))
    data: list[dict[str, Any]] = [
        {
            "activity_id": r.id,
            "athlete_id": r.athlete_id,
            "local_date": r.local_date,
            "start_utc": r.start_utc,
            "name": r.name,
            "sport_type": r.sport_type,
            "counted": r.counted,
            "distance_km": round(r.distance_m / 1000, 2),
            "moving_time_s": r.moving_time_s,
            "manual": r.manual,
            "trainer": r.trainer,
            "private": r.private,
            "has_detail": r.detail_hash is not None,
        }
        for r in rows
    ]
    if as_json:
        emit_json(data)
        return
    table(
        "Activities",
        ["id", "date", "type", "km", "name", "flags"],
        [
            [
                d["activity_id"],
                d["local_date"],
                d["sport_type"],
                f"{d['distance_km']:.2f}",
                d["name"][:40],
                " ".join(
                    f
                    for f, on in (
                        ("not-counted", not d["counted"]),
                        ("manual", d["manual"]),
                        ("treadmill", d["trainer"]),
                        ("private", d["private"]),
                    )
                    if on
                ),
            ]
            for d in data
        ],
    )


# --- sandbox -------------------------------------------------------------------------------------


@app.command()
def sandbox(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 = any free port).")] = 8765,
    client_id: Annotated[int, typer.Option(help="The app's client id.")] = 12345,
    client_secret: Annotated[
        str, typer.Option(help="The app's client secret.", envvar="STRAVA_CLIENT_SECRET")
    ] = "sandbox-secret",  # noqa: S107 - the sandbox's well-known fake secret
) -> None:
    """Run the built-in Strava sandbox: try the product without a Strava account."""
    from strava_rehab.sandbox import SandboxConfig, run_sandbox

    setup_logging(log_level(logging.INFO))
    run_sandbox(
        SandboxConfig(host=host, port=port, client_id=client_id, client_secret=client_secret)
    )


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--date {value!r}: expected YYYY-MM-DD") from None


# --- analysis ------------------------------------------------------------------------------------


def _one_athlete(ctx: Any, athlete: int | None) -> int:
    ids = athletes.resolve_athlete(ctx, athlete)
    if not ids:
        raise UserError("no athlete is connected; run: strava-rehab connect")
    if len(ids) > 1:
        raise UserError(f"{len(ids)} athletes are connected; name one with --athlete ID")
    return ids[0]


@app.command()
def analyze(
    athlete: AthleteOpt = None,
    on: Annotated[
        str | None, typer.Option("--date", help="Analyse as of this local date (YYYY-MM-DD).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Mileage-spike analysis: recent days, current figures, findings and their evidence."""
    from strava_rehab.load import analyze as run_analysis
    from strava_rehab.post_run import run_session

    ctx = context()
    athlete_id = _one_athlete(ctx, athlete)
    as_of = _parse_date(on) or ctx.clock().date()
    with ctx.db.transaction() as session:
        runs = [
            run_session(row)
            for row in session.scalars(
                select(Activity).where(
                    Activity.athlete_id == athlete_id,
                    Activity.counted.is_(True),
                    Activity.local_date <= as_of,
                )
            )
        ]
    report = run_analysis(runs, as_of=as_of, thresholds=ctx.settings.analysis)
    recent = [f for f in report.findings if (as_of - f.local_date).days < 42]
    if as_json:
        emit_json(
            {
                "athlete_id": athlete_id,
                "as_of": as_of,
                "metrics": report.metrics.model_dump(mode="json"),
                "recent_days": [d.model_dump(mode="json") for d in report.recent_days],
                "findings": [
                    {
                        "activity_id": f.activity_id,
                        "local_date": f.local_date,
                        "kind": f.kind,
                        "band": f.band,
                        "severity": f.severity,
                        "value": f.value,
                        "reference": f.reference,
                        "ratio": f.ratio,
                        "hazard_ratio": f.hazard_ratio,
                        "explanation": f.explanation,
                        "source": f.source,
                    }
                    for f in recent
                ],
            }
        )
        return
    table(
        f"Last 14 days to {as_of}",
        ["date", "km", "runs"],
        [[d.local_date, f"{d.km:.1f}", d.runs] for d in report.recent_days],
    )
    m = report.metrics

    def fmt(value: float | None, spec: str = ".2f") -> str:
        return "-" if value is None else format(value, spec)

    table(
        "Current figures",
        ["figure", "value", "note"],
        [
            ["last 7 days", f"{m.last_7d_km:.1f} km", ""],
            ["previous 7 days", f"{m.previous_7d_km:.1f} km", ""],
            ["week-on-week", fmt(m.weekly_change, "+.0%"), "notice above +30% (weak evidence)"],
            ["longest run, 30 days", fmt(m.longest_run_30d_km, ".1f") + " km", "spike reference"],
            ["ACWR uncoupled", fmt(m.acwr_uncoupled), "context only; hidden < 28 days"],
            ["ACWR EWMA", fmt(m.acwr_ewma), "context only"],
            ["monotony", fmt(m.monotony), "informational (Foster)"],
            ["strain", fmt(m.strain, ".1f"), "informational (Foster)"],
        ],
    )
    if not recent:
        say("No findings in the last 6 weeks.")
        return
    # The first sentence carries this run's numbers; the rest is the evidence, said once per kind.
    table(
        "Findings, last 6 weeks",
        ["date", "finding", "band", "what happened"],
        [
            [f.local_date, f.kind.replace("_", " "), f.band, _first_sentence(f.explanation)]
            for f in recent
        ],
    )
    latest = {(f.kind, f.band): f for f in recent}
    for (kind, band), f in latest.items():
        evidence = f.explanation[len(_first_sentence(f.explanation)) :].strip()
        say(f"[bold]{kind.replace('_', ' ')} ({band})[/bold]: {evidence}")
        say(f"  source: {f.source}")


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.!?])(\s+[A-Z]|$)", text, flags=re.DOTALL)
    return match.group(1) if match else text


# --- pain ----------------------------------------------------------------------------------------

pain_app = typer.Typer(help="Log pain by hand and list what was logged.", no_args_is_help=True)
app.add_typer(pain_app, name="pain")


@pain_app.command("log")
def pain_log(
    region: Annotated[str, typer.Argument(help="Body region, e.g. shin, heel, achilles, knee.")],
    score: Annotated[float, typer.Argument(help="Pain 0-10 (0 = none, 10 = worst imaginable).")],
    side: Annotated[str | None, typer.Option(help="left, right or both.")] = None,
    when: Annotated[
        str | None, typer.Option(help="during, after, next_morning, at_rest or at_night.")
    ] = None,
    on: Annotated[str | None, typer.Option("--date", help="Local date (default today).")] = None,
    note: Annotated[str, typer.Option(help="Free text, kept with the report.")] = "",
    athlete: AthleteOpt = None,
) -> None:
    """Log a pain report (it feeds the next suggestion for that day's run)."""
    from strava_rehab.pain_log import log_pain

    ctx = context()
    athlete_id = _one_athlete(ctx, athlete)
    report = log_pain(
        ctx,
        athlete_id,
        region,
        score,
        side=side,
        timing=when,
        day=_parse_date(on) or ctx.clock().date(),
        note=note,
    )
    say(f"Logged {report.region} {report.score:g}/10 for {_parse_date(on) or ctx.clock().date()}.")
    if report.red_flags:
        say("Red flags noted: " + ", ".join(report.red_flags) + ". Please see a clinician.")


@pain_app.command("list")
def pain_list(athlete: AthleteOpt = None, as_json: JsonOpt = False) -> None:
    """List logged pain, newest first (from notes, descriptions and by hand)."""
    from strava_rehab.db.models import PainReportRow

    ctx = context()
    ids = athletes.resolve_athlete(ctx, athlete)
    with ctx.db.transaction() as session:
        rows = list(
            session.scalars(
                select(PainReportRow)
                .where(PainReportRow.athlete_id.in_(ids))
                .order_by(PainReportRow.local_date.desc(), PainReportRow.id.desc())
            )
        )
    data: list[dict[str, Any]] = [
        {
            "athlete_id": r.athlete_id,
            "activity_id": r.activity_id,
            "local_date": r.local_date,
            "source": r.source,
            "region": r.region,
            "side": r.side,
            "score": r.score,
            "timing": r.timing,
            "negated": r.negated,
            "trend": r.trend,
            "red_flags": r.red_flags,
            "unknown_terms": r.unknown_terms,
            "text": r.text,
        }
        for r in rows
    ]
    if as_json:
        emit_json(data)
        return
    table(
        "Pain log",
        ["date", "region", "side", "score", "when", "source", "text"],
        [
            [
                d["local_date"],
                (d["region"] or "?") + (" (no pain)" if d["negated"] else ""),
                d["side"] or "",
                "" if d["score"] is None else f"{d['score']:g}",
                d["timing"] or "",
                d["source"],
                d["text"][:40],
            ]
            for d in data
        ],
    )


# --- suggestions and delivery --------------------------------------------------------------------


@app.command()
def suggestions(athlete: AthleteOpt = None, as_json: JsonOpt = False) -> None:
    """List the suggestions made, with why, the protocol and whether they were delivered."""
    from strava_rehab.db.models import SuggestionRow

    ctx = context()
    ids = athletes.resolve_athlete(ctx, athlete)
    with ctx.db.transaction() as session:
        rows = list(
            session.scalars(
                select(SuggestionRow)
                .where(SuggestionRow.athlete_id.in_(ids))
                .order_by(SuggestionRow.local_date.desc())
            )
        )
    data: list[dict[str, Any]] = [
        {
            "activity_id": r.activity_id,
            "athlete_id": r.athlete_id,
            "local_date": r.local_date,
            "kind": r.kind,
            "reason": r.reason,
            "protocol": r.protocol_id,
            "phase": r.phase,
            "exercises": r.exercises,
            "delivered": bool(r.delivered_hash),
            "text": r.public_text,
        }
        for r in rows
    ]
    if as_json:
        emit_json(data)
        return
    table(
        "Suggestions",
        ["activity", "date", "kind", "protocol", "phase", "delivered", "why"],
        [
            [
                d["activity_id"],
                d["local_date"],
                d["kind"],
                d["protocol"] or "",
                d["phase"] or "",
                "yes" if d["delivered"] else "no",
                d["reason"][:60],
            ]
            for d in data
        ],
    )


@app.command()
def undo(
    activity_id: Annotated[int | None, typer.Argument(help="The activity to clean.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every activity we wrote to.")] = False,
    athlete: AthleteOpt = None,
    dry_run: DryRunOpt = False,
) -> None:
    """Remove our blocks from descriptions, leaving everything else as it was."""
    from strava_rehab.undo import undo_blocks

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
        bool, typer.Option("--once", help="Run one cycle and exit (cron, timers).")
    ] = False,
    dry_run: DryRunOpt = False,
) -> None:
    """The background worker: sync, suggest, deliver, webhooks, notifications, digest."""
    import signal
    import threading

    from strava_rehab import jobs
    from strava_rehab.worker import Worker, write_health

    ctx = context(default_log=logging.INFO)
    if once or dry_run:
        report = jobs.sync_and_suggest(ctx, dry_run=dry_run)
        if not dry_run:
            report.inbox = jobs.drain_inbox(ctx)
            report.outbox = jobs.send_outbox(ctx)
            write_health(ctx, "cycle", True, report.summary())
        say(report.summary())
        for p in report.post_run:
            for activity_id, text in p.would_write.items():
                say(f"--- would write to activity {activity_id}:\n{text}")
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

    from strava_rehab.web import create_app
    from strava_rehab.worker import Worker

    ctx = context(default_log=logging.INFO)
    w = Worker(ctx) if embedded_worker else None
    config = uvicorn.Config(
        create_app(ctx, w),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=30,
    )
    say(f"serving on http://{host}:{port} (webhook path /strava/webhook/<token>, /healthz)")
    uvicorn.Server(config).run()


webhook_app = typer.Typer(help="The app's one Strava push subscription.", no_args_is_help=True)
app.add_typer(webhook_app, name="webhook")


@webhook_app.command("subscribe")
def webhook_subscribe(dry_run: DryRunOpt = False) -> None:
    """Create the subscription (serve must already answer at public_url)."""
    from strava_rehab import webhooks

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
    from strava_rehab import webhooks

    ctx = context()
    remote = ctx.app().list_subscriptions()
    stored = webhooks.stored_subscription(ctx)
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
    from strava_rehab import webhooks

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
