"""The runner's own pages: /me (dashboard), settings, export, delete, undo, sign-out.

Strava's agreement: an athlete's data is shown only to that athlete. So every route here first
reads the session (``web.session``); without one it answers 401 with the sign-in page, which
shows no data. The athlete is always the session's own, never one named in the request: an id
in a URL (an activity to undo) that is not theirs gets 404, exactly as one that does not exist.
Every POST checks the form's CSRF token (403 without it) before doing anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from strava_rehab.context import AppContext
from strava_rehab.dashboard.templates import (
    DeletePage,
    MePage,
    SettingsPage,
    SignedOutPage,
    render,
)
from strava_rehab.services import export
from strava_rehab.services import runner_page as runner
from strava_rehab.services.deliver import undo_blocks
from strava_rehab.strava.errors import StravaError
from strava_rehab.web.session import CSRF_FIELD, Sessions, SignedIn

log = logging.getLogger(__name__)

CONNECT_URL = "/connect"
MAX_FORM_BYTES = 16_384
# Personal data: not kept by the browser's or any shared cache.
PRIVATE = {"Cache-Control": "no-store"}
UNDO_NOTICES = {
    "removed": "Removed our text from run {run}; everything else in its description is as it was.",
    "absent": "Run {run} carried no text of ours any more; nothing was changed.",
    "gone": "Run {run} is no longer on Strava; nothing was changed.",
}


def _html(page: SignedOutPage | MePage | SettingsPage | DeletePage, status: int = 200) -> Response:
    return HTMLResponse(render(page), status_code=status, headers=PRIVATE)


def _signed_out(status: int = 401) -> Response:
    return _html(SignedOutPage(connect_url=CONNECT_URL), status)


def _not_found() -> Response:
    return HTMLResponse(
        "<!doctype html><title>Not found</title><p>Not found. <a href='/me'>Your page</a></p>",
        status_code=404,
        headers=PRIVATE,
    )


def _refused() -> Response:
    return HTMLResponse(
        "<!doctype html><title>Refused</title><p>This form has expired or did not come from "
        "your page (no valid CSRF token). Go back to <a href='/me'>your page</a>, reload it and "
        "try again.</p>",
        status_code=403,
        headers=PRIVATE,
    )


async def _form(request: Request) -> dict[str, str] | None:
    """The urlencoded form (the last value of each field); None if it is too big or no form."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return None
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return None
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        return None
    return {name: values[-1] for name, values in fields.items()}


class RunnerPages:
    """The routes, and the sessions the connect callback starts."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.sessions = Sessions(ctx)
        self.router = APIRouter()
        self._routes()

    def _name(self, athlete_id: int) -> str:
        found = runner.profile(self.ctx, athlete_id)
        return found.name if found is not None else f"Athlete {athlete_id}"

    def me_page(self, me: SignedIn, notice: str | None = None, status: int = 200) -> Response:
        choices = runner.choices(self.ctx, me.athlete_id)
        page = MePage(
            athlete_name=self._name(me.athlete_id),
            csrf_token=me.csrf_token,
            dashboard=runner.dashboard(self.ctx, me.athlete_id),
            write_back_paused=choices.write_back_paused,
            notice=notice,
        )
        return _html(page, status)

    def settings_page(
        self, me: SignedIn, *, saved: bool = False, error: str | None = None, status: int = 200
    ) -> Response:
        choices = runner.choices(self.ctx, me.athlete_id)
        page = SettingsPage(
            athlete_name=self._name(me.athlete_id),
            csrf_token=me.csrf_token,
            write_back_paused=choices.write_back_paused,
            destination=choices.destination,
            notification_configured=choices.notification_configured,
            saved=saved,
            error=error,
        )
        return _html(page, status)

    def delete_page(self, me: SignedIn, error: str | None = None, status: int = 200) -> Response:
        summary = runner.delete_summary(self.ctx, me.athlete_id)
        page = DeletePage(
            athlete_name=self._name(me.athlete_id),
            csrf_token=me.csrf_token,
            counts=summary.counts,
            blocks_on_strava=summary.blocks_on_strava,
            error=error,
        )
        return _html(page, status)

    async def _post(
        self, request: Request, action: Callable[[SignedIn, dict[str, str]], Response]
    ) -> Response:
        """Session first (401), then the CSRF token (403), then the action in a thread."""
        me = await run_in_threadpool(self.sessions.current, request)
        if me is None:
            return _signed_out()
        form = await _form(request)
        if form is None or not self.sessions.csrf_ok(me, form.get(CSRF_FIELD)):
            return _refused()
        return await run_in_threadpool(action, me, form)

    def _routes(self) -> None:
        router, sessions, ctx = self.router, self.sessions, self.ctx

        @router.get("/me")
        def me_get(request: Request, undone: int | None = None, result: str = "") -> Response:
            me = sessions.current(request)
            if me is None:
                return _signed_out()
            notice = None
            if undone is not None and result in UNDO_NOTICES:
                notice = UNDO_NOTICES[result].format(run=undone)
            return self.me_page(me, notice)

        @router.get("/me/settings")
        def settings_get(request: Request, saved: int = 0) -> Response:
            me = sessions.current(request)
            if me is None:
                return _signed_out()
            return self.settings_page(me, saved=bool(saved))

        def save_settings(me: SignedIn, form: dict[str, str]) -> Response:
            write_back = form.get("write_back", "on")
            if write_back not in ("on", "paused"):
                return self.settings_page(
                    me, error="writing to your runs must be on or paused", status=400
                )
            try:
                runner.save_choices(
                    ctx,
                    me.athlete_id,
                    write_back_paused=write_back == "paused",
                    destination=form.get("destination", ""),
                    notification_url=form.get("notification_url") or None,
                    remove_notification=form.get("remove_notification") == "yes",
                )
            except runner.RunnerPageError as exc:
                return self.settings_page(me, error=str(exc), status=400)
            return RedirectResponse("/me/settings?saved=1", status_code=303, headers=PRIVATE)

        @router.post("/me/settings")
        async def settings_post(request: Request) -> Response:
            return await self._post(request, save_settings)

        @router.get("/me/export")
        def export_get(request: Request) -> Response:
            me = sessions.current(request)
            if me is None:
                return _signed_out()
            name = export.export_filename(ctx, me.athlete_id)
            return Response(
                export.export_zip(ctx, me.athlete_id),
                media_type="application/zip",
                headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'},
            )

        @router.get("/me/delete")
        def delete_get(request: Request) -> Response:
            me = sessions.current(request)
            if me is None:
                return _signed_out()
            return self.delete_page(me)

        def delete_all(me: SignedIn, form: dict[str, str]) -> Response:
            if form.get("confirm") != "delete":
                return self.delete_page(
                    me, error="Tick the box to confirm that all your data should go.", status=400
                )
            report = runner.disconnect(ctx, me.athlete_id, remove_blocks=True)
            log.info(
                "athlete %s deleted their data (%d blocks removed, %d kept)",
                me.athlete_id,
                len(report.blocks.removed),
                len(report.blocks.kept),
            )
            response = _html(
                SignedOutPage(
                    connect_url=CONNECT_URL,
                    deleted=True,
                    kept_blocks=sorted(report.blocks.kept),
                    note=report.note or None,
                )
            )
            sessions.end(response, me)
            return response

        @router.post("/me/delete")
        async def delete_post(request: Request) -> Response:
            return await self._post(request, delete_all)

        def undo(activity_id: int) -> Callable[[SignedIn, dict[str, str]], Response]:
            def run(me: SignedIn, form: dict[str, str]) -> Response:
                if not 0 < activity_id < 2**63:  # no such id can exist (nor be stored)
                    return _not_found()
                # The CLI's own service, limited to the session's athlete: not theirs -> [].
                try:
                    results = undo_blocks(ctx, athlete_ids=[me.athlete_id], activity_id=activity_id)
                except StravaError as exc:
                    return self.me_page(me, f"Strava refused the undo: {exc}", status=502)
                if not results:
                    return _not_found()
                outcome = results[0].outcome
                result = "removed" if outcome == "removed our block" else "absent"
                if outcome.startswith("not found"):
                    result = "gone"
                return RedirectResponse(
                    f"/me?undone={activity_id}&result={result}#history-heading",
                    status_code=303,
                    headers=PRIVATE,
                )

            return run

        @router.post("/me/suggestions/{activity_id}/undo")
        async def undo_post(request: Request, activity_id: int) -> Response:
            return await self._post(request, undo(activity_id))

        def sign_out(me: SignedIn, form: dict[str, str]) -> Response:
            response = _signed_out(200)
            sessions.end(response, me)
            return response

        @router.post("/signout")
        async def signout_post(request: Request) -> Response:
            return await self._post(request, sign_out)
