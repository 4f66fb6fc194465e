"""The runner's own pages: /me (dashboard), settings, export, delete, undo, sign-out.

Strava's agreement: an athlete's data is shown only to that athlete. So every route here first
reads the session (``web.session``); without one it answers 401 with the sign-in page, which
shows no data. The athlete is always the session's own, never one named in the request: an id
in a URL (an activity to undo) that is not theirs gets 404, exactly as one that does not exist.
Every POST checks the form's CSRF token (403 without it) before doing anything.

Every page is written in the language ``web.language`` picks for the request (``?lang=``, the
switch's cookie, Accept-Language, the install default) and carries the language switch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from strava_rehab.context import AppContext
from strava_rehab.dashboard.locale import PageLocale
from strava_rehab.dashboard.templates import (
    N_,
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
from strava_rehab.text.units import UnitSystem
from strava_rehab.web.language import language_switch, page_locale, remember
from strava_rehab.web.session import CSRF_FIELD, Sessions, SignedIn

log = logging.getLogger(__name__)

CONNECT_URL = "/connect"
MAX_FORM_BYTES = 16_384
# Personal data: not kept by the browser's or any shared cache.
PRIVATE = {"Cache-Control": "no-store"}
UNDO_NOTICES = {
    "removed": N_(
        "Removed our text from run %(run)s; everything else in its description is as it was."
    ),
    "absent": N_("Run %(run)s carried no text of ours any more; nothing was changed."),
    "gone": N_("Run %(run)s is no longer on Strava; nothing was changed."),
}
# Words used inside f-strings, where the extractor cannot see a call: marked here.
NOT_FOUND = N_("Not found")
REFUSED = N_("Refused")
Page = SignedOutPage | MePage | SettingsPage | DeletePage


def _units(ctx: AppContext, athlete_id: int | None) -> UnitSystem:
    """The athlete's unit system, the one argument the page's view model takes for it.

    Metric until the athlete's ``measurement_preference`` is stored (read from Strava by the
    units work); then this one place asks the gateway for it (``gateway.runner_locale``).
    """
    return "metric"


def _not_found(loc: PageLocale) -> Response:
    head = (
        "<!doctype html><title>Not found</title>"
        if loc.language == "en"  # as it always was
        else f"<!doctype html><html lang='{loc.language}'><title>{loc._(NOT_FOUND)}</title>"
    )
    message = loc._("Not found. <a href='/me'>Your page</a>")
    return HTMLResponse(f"{head}<p>{message}</p>", status_code=404, headers=PRIVATE)


def _refused(loc: PageLocale) -> Response:
    message = loc._(
        "This form has expired or did not come from your page (no valid CSRF token). Go back "
        "to <a href='/me'>your page</a>, reload it and try again."
    )
    head = (
        "<!doctype html><title>Refused</title>"
        if loc.language == "en"
        else f"<!doctype html><html lang='{loc.language}'><title>{loc._(REFUSED)}</title>"
    )
    return HTMLResponse(f"{head}<p>{message}</p>", status_code=403, headers=PRIVATE)


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
        self._secure = ctx.settings.public_url.startswith("https://")
        self._routes()

    def locale(self, request: Request, athlete_id: int | None = None) -> PageLocale:
        return page_locale(request, self.ctx.settings, _units(self.ctx, athlete_id))

    def html(self, request: Request, page: Page, loc: PageLocale, status: int = 200) -> Response:
        body = render(page, loc, language_switch(request, loc.language))
        response = HTMLResponse(body, status_code=status, headers=PRIVATE)
        return remember(request, response, secure=self._secure)

    def signed_out(self, request: Request, status: int = 401) -> Response:
        return self.html(
            request, SignedOutPage(connect_url=CONNECT_URL), self.locale(request), status
        )

    def _name(self, athlete_id: int) -> str:
        found = runner.profile(self.ctx, athlete_id)
        return found.name if found is not None else f"Athlete {athlete_id}"

    def me_page(
        self, request: Request, me: SignedIn, notice: str | None = None, status: int = 200
    ) -> Response:
        loc = self.locale(request, me.athlete_id)
        choices = runner.choices(self.ctx, me.athlete_id)
        page = MePage(
            athlete_name=self._name(me.athlete_id),
            csrf_token=me.csrf_token,
            dashboard=runner.dashboard(self.ctx, me.athlete_id, loc=loc),
            write_back_paused=choices.write_back_paused,
            notice=notice,
        )
        return self.html(request, page, loc, status)

    def settings_page(
        self,
        request: Request,
        me: SignedIn,
        *,
        saved: bool = False,
        error: str | None = None,
        status: int = 200,
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
        return self.html(request, page, self.locale(request, me.athlete_id), status)

    def delete_page(
        self, request: Request, me: SignedIn, error: str | None = None, status: int = 200
    ) -> Response:
        summary = runner.delete_summary(self.ctx, me.athlete_id)
        page = DeletePage(
            athlete_name=self._name(me.athlete_id),
            csrf_token=me.csrf_token,
            counts=summary.counts,
            blocks_on_strava=summary.blocks_on_strava,
            error=error,
        )
        return self.html(request, page, self.locale(request, me.athlete_id), status)

    async def _post(
        self, request: Request, action: Callable[[Request, SignedIn, dict[str, str]], Response]
    ) -> Response:
        """Session first (401), then the CSRF token (403), then the action in a thread."""
        me = await run_in_threadpool(self.sessions.current, request)
        if me is None:
            return self.signed_out(request)
        form = await _form(request)
        if form is None or not self.sessions.csrf_ok(me, form.get(CSRF_FIELD)):
            return _refused(self.locale(request))
        return await run_in_threadpool(action, request, me, form)

    def _routes(self) -> None:
        router, sessions, ctx = self.router, self.sessions, self.ctx

        @router.get("/me")
        def me_get(request: Request, undone: int | None = None, result: str = "") -> Response:
            me = sessions.current(request)
            if me is None:
                return self.signed_out(request)
            notice = None
            if undone is not None and result in UNDO_NOTICES:
                notice = self.locale(request)._(UNDO_NOTICES[result]) % {"run": undone}
            return self.me_page(request, me, notice)

        @router.get("/me/settings")
        def settings_get(request: Request, saved: int = 0) -> Response:
            me = sessions.current(request)
            if me is None:
                return self.signed_out(request)
            return self.settings_page(request, me, saved=bool(saved))

        def save_settings(request: Request, me: SignedIn, form: dict[str, str]) -> Response:
            write_back = form.get("write_back", "on")
            if write_back not in ("on", "paused"):
                error = self.locale(request)._("writing to your runs must be on or paused")
                return self.settings_page(request, me, error=error, status=400)
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
                return self.settings_page(request, me, error=str(exc), status=400)
            return RedirectResponse("/me/settings?saved=1", status_code=303, headers=PRIVATE)

        @router.post("/me/settings")
        async def settings_post(request: Request) -> Response:
            return await self._post(request, save_settings)

        @router.get("/me/export")
        def export_get(request: Request) -> Response:
            me = sessions.current(request)
            if me is None:
                return self.signed_out(request)
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
                return self.signed_out(request)
            return self.delete_page(request, me)

        def delete_all(request: Request, me: SignedIn, form: dict[str, str]) -> Response:
            loc = self.locale(request)
            if form.get("confirm") != "delete":
                error = loc._("Tick the box to confirm that all your data should go.")
                return self.delete_page(request, me, error=error, status=400)
            report = runner.disconnect(ctx, me.athlete_id, remove_blocks=True)
            log.info(
                "athlete %s deleted their data (%d blocks removed, %d kept)",
                me.athlete_id,
                len(report.blocks.removed),
                len(report.blocks.kept),
            )
            response = self.html(
                request,
                SignedOutPage(
                    connect_url=CONNECT_URL,
                    deleted=True,
                    kept_blocks=sorted(report.blocks.kept),
                    note=report.note or None,
                ),
                loc,
            )
            sessions.end(response, me)
            return response

        @router.post("/me/delete")
        async def delete_post(request: Request) -> Response:
            return await self._post(request, delete_all)

        def undo(activity_id: int) -> Callable[[Request, SignedIn, dict[str, str]], Response]:
            def run(request: Request, me: SignedIn, form: dict[str, str]) -> Response:
                if not 0 < activity_id < 2**63:  # no such id can exist (nor be stored)
                    return _not_found(self.locale(request))
                # The CLI's own service, limited to the session's athlete: not theirs -> [].
                try:
                    results = undo_blocks(ctx, athlete_ids=[me.athlete_id], activity_id=activity_id)
                except StravaError as exc:
                    refused = self.locale(request)._("Strava refused the undo: %(error)s")
                    return self.me_page(request, me, refused % {"error": exc}, status=502)
                if not results:
                    return _not_found(self.locale(request))
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

        def sign_out(request: Request, me: SignedIn, form: dict[str, str]) -> Response:
            response = self.signed_out(request, 200)
            sessions.end(response, me)
            return response

        @router.post("/signout")
        async def signout_post(request: Request) -> Response:
            return await self._post(request, sign_out)
