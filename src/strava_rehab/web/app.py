"""The web side: Strava's webhook, the browser connect flow, and a health check.

The webhook only stores the event and answers (Strava wants a 200 within 2 s); the embedded
worker is woken to process it. The agreement allows showing an athlete's data only to that
athlete: the only pages that do are the runner's own (``web/pages.py``), behind the session the
connect callback starts in the browser that began the connection.

Everything here faces the internet: every response gets the security headers and every body
the size cap of :mod:`strava_rehab.web.security`; webhook bodies are validated by
:mod:`strava_rehab.strava.events`; ``/connect`` is throttled per client address
(:mod:`strava_rehab.web.throttle`) and bound to the browser by a cookie
(:mod:`strava_rehab.services.web_connect`).
"""

from __future__ import annotations

import html
import logging
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.responses import JSONResponse as _StarletteJSON

from strava_rehab.context import AppContext
from strava_rehab.dashboard.locale import ENGLISH, PageLocale
from strava_rehab.dashboard.templates import N_
from strava_rehab.db import gateway
from strava_rehab.serialize import dumps
from strava_rehab.services import connect as athletes
from strava_rehab.services import inbox as webhooks
from strava_rehab.services import subscription, web_connect
from strava_rehab.strava.events import EventPayload, InvalidEvent, parse_event_body
from strava_rehab.web.language import page_locale, remember
from strava_rehab.web.pages import RunnerPages
from strava_rehab.web.security import SecurityMiddleware, security_headers
from strava_rehab.web.throttle import Throttle
from strava_rehab.worker import Worker, health_path

log = logging.getLogger(__name__)

PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>strava-rehab</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;
line-height:1.5}}.button{{background:#FC4C02;color:#fff;padding:.7rem 1.2rem;border-radius:4px;
border:0;font:inherit;text-decoration:none;font-weight:600}}small{{color:#555}}</style></head>
<body>{body}
<p><small>{footer}</small></p></body></html>"""


# Words used inside f-strings, where the extractor cannot see a call: marked here.
NOT_CONNECTED = N_("Not connected")
START_AGAIN = N_("Start again")
INVITATION_CODE = N_("Invitation code")
TRY_AGAIN = N_("Try again")
OPEN_YOUR_PAGE = N_("Open your page")

# The browser that started a connection holds this cookie (its hash is in the state's row).
CONNECT_COOKIE = "strava_rehab_connect"
CONNECT_COOKIE_PATH = "/connect"
# Longer than anything Strava sends back; a longer value is not from Strava.
MAX_CALLBACK_PARAM = 255


class JSONResponse(_StarletteJSON):
    """Every JSON answer through the one serializer: datetimes as ISO 8601 with an offset."""

    def render(self, content: Any) -> bytes:
        return dumps(content, compact=True).encode("utf-8")


def page(
    body: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    loc: PageLocale = ENGLISH,
) -> HTMLResponse:
    footer = loc._("Powered by Strava. Education, not diagnosis.")
    text = PAGE.format(body=body, lang=loc.language, footer=footer)
    return HTMLResponse(text, status_code=status, headers=headers)


def not_connected(reason: str, status: int = 400, loc: PageLocale = ENGLISH) -> HTMLResponse:
    """A refusal as a sentence (a service's message starts lower-case and has no full stop)."""
    sentence = reason[:1].upper() + reason[1:].rstrip(".") + "."
    return page(
        f"<h1>{loc._(NOT_CONNECTED)}</h1><p>{html.escape(sentence)}</p>"
        f"<p><a href='/'>{loc._(START_AGAIN)}</a></p>",
        status,
        loc=loc,
    )


class JobQueue(Protocol):
    """The distributed runner's side of the web app (``strava_rehab.distributed``)."""

    # Has the shape of ``db.inbox_store.OnStored``: called inside the event's transaction.
    def event_stored(self, session: Any, event: EventPayload) -> None: ...

    def athlete_connected(self, ctx: AppContext, athlete_id: int) -> None: ...


def create_app(
    ctx: AppContext, worker: Worker | None = None, queue: JobQueue | None = None
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.shutdown()

    app = FastAPI(
        title="strava-rehab", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    settings = ctx.settings
    app.add_middleware(
        SecurityMiddleware,
        headers=security_headers(public_url=settings.public_url, strava_url=settings.strava_url),
        max_body_bytes=settings.web_max_body_bytes,
    )
    path_token, verify_token = subscription.webhook_secrets(ctx)
    throttle = Throttle(settings.connect_attempts_per_minute, lambda: ctx.clock().timestamp())
    secure_cookie = settings.public_url.startswith("https://")
    runner_pages = RunnerPages(ctx)  # /me and the runner's other pages (web/pages.py)
    app.include_router(runner_pages.router)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        database = gateway.ping(ctx.db)
        worker_state: dict[str, Any] = {"embedded": worker is not None, "queue": queue is not None}
        if worker is not None:
            worker_state["running"] = worker.running()
            worker_state["scheduler"] = worker.scheduler_state()
            worker_state["last"] = {k: v["ok"] for k, v in worker.last.items()}
        ok = database == "ok" and (worker is None or worker.running())
        return JSONResponse(
            {"status": "ok" if ok else "degraded", "database": database, "worker": worker_state},
            status_code=200 if ok else 503,
        )

    @app.get("/strava/webhook/{token}")
    def webhook_validation(token: str, request: Request) -> Response:
        if not subscription.verify_token_matches(path_token, token):
            return JSONResponse({"error": "not found"}, status_code=404)
        params = request.query_params
        if params.get("hub.mode") != "subscribe" or "hub.challenge" not in params:
            return JSONResponse({"error": "expected hub.mode=subscribe and hub.challenge"}, 400)
        if len(params["hub.challenge"]) > MAX_CALLBACK_PARAM:
            return JSONResponse({"error": "hub.challenge is too long"}, 400)
        if not subscription.verify_token_matches(verify_token, params.get("hub.verify_token")):
            return JSONResponse({"error": "verify token mismatch"}, status_code=403)
        return JSONResponse({"hub.challenge": params["hub.challenge"]})

    @app.post("/strava/webhook/{token}")
    async def webhook_event(token: str, request: Request) -> Response:
        if not subscription.verify_token_matches(path_token, token):
            return JSONResponse({"error": "not found"}, status_code=404)
        try:
            # The body is capped by the middleware; the depth and every field are checked here.
            event = parse_event_body(await request.body())
        except InvalidEvent as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        from starlette.concurrency import run_in_threadpool

        # Distributed: the event's job is queued in the transaction that stores the event.
        on_stored = queue.event_stored if queue is not None else None
        receipt = await run_in_threadpool(webhooks.record_event, ctx, event, on_stored)
        if receipt.stored and worker is not None:
            worker.wake("inbox")
        # Ignored events get a 200 too: Strava would only retry them.
        return JSONResponse(
            {"ok": True, "duplicate": receipt.duplicate, "ignored": receipt.ignored}
        )

    def loc_of(request: Request) -> PageLocale:
        return page_locale(request, settings)

    @app.get("/")
    def home(request: Request) -> HTMLResponse:
        loc = loc_of(request)
        invite_only = settings.connect_invitation_code is not None
        button = loc._("Connect with Strava")
        connect = (
            f"<form method='get' action='/connect'><p><label>{loc._(INVITATION_CODE)} "
            "<input name='invite' autocomplete='off' required></label></p>"
            f"<p><button class='button' type='submit'>{button}</button></p></form>"
            if invite_only and not settings.connect_allowed_athletes
            else f"<p><a class='button' href='/connect'>{button}</a></p>"
        )
        about = loc._(
            "Finds risky mileage spikes in your runs, reads the pain you log, and writes "
            "evidence-based rehab and prevention suggestions back to your own activity."
        )
        response = page(f"<h1>strava-rehab</h1><p>{about}</p>{connect}", loc=loc)
        return remember(request, response, secure=secure_cookie)

    def redirect_uri() -> str:
        return settings.public_url.rstrip("/") + "/connect/callback"

    @app.get("/connect")
    def connect_start(request: Request, invite: str | None = None) -> Response:
        loc = loc_of(request)
        client = request.client.host if request.client else "unknown"
        wait = throttle.wait_s(client)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            title = loc._("Too many attempts")
            message = loc._(
                "Too many connection attempts from your address; try again in %(seconds)d s."
            ) % {"seconds": seconds}
            return page(
                f"<h1>{title}</h1><p>{message}</p>",
                429,
                {"Retry-After": str(seconds)},
                loc=loc,
            )
        if invite is not None and len(invite) > MAX_CALLBACK_PARAM:
            return not_connected(loc._("That invitation code is not valid."), 403, loc)
        try:
            started = web_connect.start(ctx, redirect_uri(), invite)
        except web_connect.NotInvited as exc:
            return not_connected(str(exc), 403, loc)
        response = RedirectResponse(started.authorize_url, 302)
        response.set_cookie(
            CONNECT_COOKIE,
            started.browser_nonce,
            max_age=settings.oauth_state_lifetime_s,
            path=CONNECT_COOKIE_PATH,
            secure=secure_cookie,
            httponly=True,
            samesite="lax",
        )
        return response

    @app.get("/connect/callback")
    def connect_callback(
        request: Request,
        code: str | None = None,
        scope: str = "",
        state: str | None = None,
        error: str | None = None,
    ) -> HTMLResponse:
        response = _callback(
            request.cookies.get(CONNECT_COOKIE), code, scope, state, error, loc_of(request)
        )
        response.delete_cookie(
            CONNECT_COOKIE,
            path=CONNECT_COOKIE_PATH,
            secure=secure_cookie,
            httponly=True,
            samesite="lax",
        )
        return response

    def _callback(
        nonce: str | None,
        code: str | None,
        scope: str,
        state: str | None,
        error: str | None,
        loc: PageLocale,
    ) -> HTMLResponse:
        if any(len(v or "") > MAX_CALLBACK_PARAM for v in (code, scope, state, error)):
            return not_connected(
                loc._("The answer from Strava is malformed (a value is too long)."), loc=loc
            )
        if error or not code or not state:
            reason = html.escape(error or loc._("no code or state in the answer"))
            said = loc._("Strava said: %(reason)s.") % {"reason": reason}
            return page(
                f"<h1>{loc._(NOT_CONNECTED)}</h1><p>{said}</p>"
                f"<p><a href='/connect'>{loc._(TRY_AGAIN)}</a></p>",
                400,
                loc=loc,
            )
        try:
            result = web_connect.finish(
                ctx,
                code=code,
                scope=scope,
                state=state,
                browser_nonce=nonce,
                redirect_uri=redirect_uri(),
            )
        except web_connect.NotAllowed as exc:
            return not_connected(str(exc), 403, loc)
        except athletes.ConnectError as exc:
            return page(
                f"<h1>{loc._(NOT_CONNECTED)}</h1><p>{html.escape(str(exc))}</p>", 400, loc=loc
            )
        missing = "".join(
            "<li>"
            + loc._("Without <code>%(scope)s</code>: %(effect)s.")
            % {"scope": html.escape(s), "effect": html.escape(e)}
            + "</li>"
            for s, e in result.missing.items()
        )
        if worker is not None:
            worker.wake("sync")
        if queue is not None:
            queue.athlete_connected(ctx, result.athlete_id)
        connected = loc._("Connected, %(name)s") % {"name": html.escape(result.name)}
        granted = loc._("Granted: %(scopes)s.") % {"scopes": html.escape(", ".join(result.granted))}
        response = page(
            f"<h1>{connected}</h1><p>{granted}</p>"
            + (
                f"<ul>{missing}</ul><p>"
                + loc._("<a href='/connect'>Reconnect</a> to enable.")
                + "</p>"
                if missing
                else ""
            )
            + "<p>"
            + loc._(
                "Your runs will be checked after each upload. Add <code>#norehab</code> to a "
                "run to skip it."
            )
            + f"</p><p><a class='button' href='/me'>{loc._(OPEN_YOUR_PAGE)}</a></p>",
            loc=loc,
        )
        # Connecting doubles as signing in, in the browser that started it: ``finish`` only
        # took the state because this browser's cookie matched it (a state begun without a
        # browser, the CLI's loopback flow, signs nobody in).
        if nonce is not None:
            runner_pages.sessions.start(response, result.athlete_id)
        return response

    app.state.health_file = str(health_path(ctx))
    return app
