"""The web side: Strava's webhook, the browser connect flow, and a health check.

The webhook only stores the event and answers (Strava wants a 200 within 2 s); the embedded
worker is woken to process it. No page shows any athlete's Strava data: the agreement allows
showing data only to its own athlete, and the product's output lives in their own activity and
notifications.
"""

from __future__ import annotations

import html
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from strava_rehab.context import AppContext
from strava_rehab.db import gateway
from strava_rehab.services import connect as athletes
from strava_rehab.services import inbox as webhooks
from strava_rehab.worker import Worker, health_path

log = logging.getLogger(__name__)

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>strava-rehab</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;
line-height:1.5}}a.button{{background:#FC4C02;color:#fff;padding:.7rem 1.2rem;border-radius:4px;
text-decoration:none;font-weight:600}}small{{color:#555}}</style></head><body>{body}
<p><small>Powered by Strava. Education, not diagnosis.</small></p></body></html>"""


def page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(PAGE.format(body=body), status_code=status)


def create_app(ctx: AppContext, worker: Worker | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.shutdown()

    app = FastAPI(title="strava-rehab", docs_url=None, redoc_url=None, lifespan=lifespan)
    path_token, verify_token = webhooks.webhook_secrets(ctx)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        database = gateway.ping(ctx.db)
        worker_state: dict[str, Any] = {"embedded": worker is not None}
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
        if not webhooks.verify_token_matches(path_token, token):
            return JSONResponse({"error": "not found"}, status_code=404)
        params = request.query_params
        if params.get("hub.mode") != "subscribe" or "hub.challenge" not in params:
            return JSONResponse({"error": "expected hub.mode=subscribe and hub.challenge"}, 400)
        if not webhooks.verify_token_matches(verify_token, params.get("hub.verify_token")):
            return JSONResponse({"error": "verify token mismatch"}, status_code=403)
        return JSONResponse({"hub.challenge": params["hub.challenge"]})

    @app.post("/strava/webhook/{token}")
    async def webhook_event(token: str, request: Request) -> Response:
        if not webhooks.verify_token_matches(path_token, token):
            return JSONResponse({"error": "not found"}, status_code=404)
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        try:
            event = webhooks.parse_event(body)
        except webhooks.InvalidEvent as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        from starlette.concurrency import run_in_threadpool

        stored = await run_in_threadpool(webhooks.record_event, ctx, event)
        if stored and worker is not None:
            worker.wake("inbox")
        return JSONResponse({"ok": True, "duplicate": not stored})

    @app.get("/")
    def home() -> HTMLResponse:
        return page(
            "<h1>strava-rehab</h1><p>Finds risky mileage spikes in your runs, reads the pain you "
            "log, and writes evidence-based rehab and prevention suggestions back to your own "
            "activity.</p><p><a class='button' href='/connect'>Connect with Strava</a></p>"
        )

    def redirect_uri() -> str:
        return ctx.settings.public_url.rstrip("/") + "/connect/callback"

    @app.get("/connect")
    def connect_start() -> Response:
        state = athletes.new_state(ctx, redirect_uri())
        return RedirectResponse(
            ctx.app().authorize_url(redirect_uri(), ctx.settings.scopes, state, "force"), 302
        )

    @app.get("/connect/callback")
    def connect_callback(
        code: str | None = None,
        scope: str = "",
        state: str | None = None,
        error: str | None = None,
    ) -> HTMLResponse:
        if error or not code or not state:
            reason = html.escape(error or "no code or state in the answer")
            return page(
                f"<h1>Not connected</h1><p>Strava said: {reason}.</p>"
                "<p><a href='/connect'>Try again</a></p>",
                400,
            )
        try:
            result = athletes.complete_connect(ctx, code, scope, state)
        except athletes.ConnectError as exc:
            return page(f"<h1>Not connected</h1><p>{html.escape(str(exc))}</p>", 400)
        missing = "".join(
            f"<li>Without <code>{html.escape(s)}</code>: {html.escape(e)}.</li>"
            for s, e in result.missing.items()
        )
        if worker is not None:
            worker.wake("sync")
        return page(
            f"<h1>Connected, {html.escape(result.name)}</h1><p>Granted: "
            f"{html.escape(', '.join(result.granted))}.</p>"
            + (
                f"<ul>{missing}</ul><p><a href='/connect'>Reconnect</a> to enable.</p>"
                if missing
                else ""
            )
            + "<p>Your runs will be checked after each upload. Add <code>#norehab</code> to a run "
            "to skip it.</p>"
        )

    app.state.health_file = str(health_path(ctx))
    return app
