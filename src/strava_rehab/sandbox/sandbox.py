"""The ``Sandbox`` facade: starts the server and exposes the control operations to Python."""

from __future__ import annotations

import dataclasses
import http
import logging
import signal
import threading
import time
from datetime import datetime
from types import FrameType, TracebackType
from typing import Any

import requests

from .activities import detail_payload, parse_instant
from .api import API_PREFIX, handle_athlete_api, is_counted
from .athletes import check_measurement_preference
from .clock import SandboxClock
from .config import SandboxConfig
from .control import handle_control
from .deliveries import DeliveryWorker
from .faults import RATE_LIMIT_EXCEEDED, make_fault, strava_fault
from .messages import Drop, Request, Response
from .oauth import handle_oauth, token_body
from .population import PopulationSpec
from .rate_limits import tier_limits, tier_of
from .scopes import format_scopes, parse_scopes
from .server import SandboxHTTPServer
from .strava_redirect import sandbox_session
from .subscriptions import handle_push_subscriptions
from .traffic import TOKEN_REFRESH, TrafficRecorder, TrafficReport, activity_of, classify
from .world import SandboxWorld, UnknownObject

JSON = dict[str, Any]
LOG = logging.getLogger("strava_rehab.sandbox")


class Sandbox:
    """A local fake Strava. Use ``with Sandbox(cfg) as sb:`` or ``start()``/``stop()``."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self._clock = SandboxClock(self.config.now)
        self._deliveries = DeliveryWorker(
            self.config.delivery_attempts,
            self.config.delivery_timeout_s,
            self.config.delivery_backoff_s,
        )
        self._world = SandboxWorld(self.config, self._clock, self._deliveries)
        self.seed_athlete_id = self._world.load_seed(self.config.seed)
        self._traffic = TrafficRecorder(self._clock.now())
        if self.config.population is not None:
            self.seed_population(self.config.population)
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        try:
            self._server = SandboxHTTPServer((self.config.host, self.config.port), self._dispatch)
        except OSError as error:
            raise RuntimeError(
                f"cannot listen on {self.config.host}:{self.config.port} ({error.strerror}); "
                "pick another port or use port=0 for a free one"
            ) from error
        self._deliveries.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="strava-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.close_connections()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._deliveries.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.url + API_PREFIX

    def now(self) -> datetime:
        return self._clock.now()

    def requests_session(self) -> requests.Session:
        """For ``stravalib.Client(requests_session=...)``: www.strava.com → this sandbox."""
        return sandbox_session(self.url)

    # --- athletes and activities ----------------------------------------------------------

    def add_athlete(
        self, firstname: str = "Jonas", lastname: str = "Weber", **profile: Any
    ) -> JSON:
        """A second (third...) athlete with no history; keyword args: athlete_id, timezone,
        city, state, country, sex, measurement_preference ("meters" / "feet")."""
        return self._world.add_athlete(firstname, lastname, **profile).detailed_payload()

    def athlete(self, athlete_id: int) -> JSON:
        return self._world.athlete(athlete_id).detailed_payload()

    def set_measurement_preference(self, athlete_id: int, preference: str) -> None:
        """The athlete switches units in Strava's settings (GET /athlete answers it from now)."""
        check_measurement_preference(preference)
        with self._world.lock:
            self._world.athlete(athlete_id).measurement_preference = preference

    def set_current_athlete(self, athlete_id: int) -> None:
        """Who is "logged in to strava.com" when the next /oauth/authorize is approved."""
        with self._world.lock:
            self._world.athlete(athlete_id)
            self._world.current_athlete_id = athlete_id

    def add_activity(self, athlete_id: int, **fields: Any) -> JSON:
        return self._world.create_activity(athlete_id, fields)

    def add_activity_unannounced(self, athlete_id: int, **fields: Any) -> JSON:
        """Like ``add_activity``, but no ``create`` webhook is sent: the event Strava lost
        (its three delivery attempts failed), which only a listing can find."""
        return self._world.create_activity(athlete_id, fields, emit=False)

    def update_activity(self, activity_id: int, **fields: Any) -> JSON:
        return self._world.update_activity(activity_id, fields)

    def delete_activity(self, activity_id: int) -> None:
        self._world.delete_activity(activity_id)

    def activity(self, activity_id: int) -> JSON:
        with self._world.lock:
            return detail_payload(self._world.activity(activity_id))

    def activities(self, athlete_id: int, include_deleted: bool = False) -> list[JSON]:
        """Oldest first, private ones included; with include_deleted each has ``deleted``."""
        return self._world.activities_of(athlete_id, include_deleted)

    # --- populations and the schedule -----------------------------------------------------

    def seed_population(self, spec: PopulationSpec | None = None, **overrides: Any) -> JSON:
        """Seed ``spec`` (or ``PopulationSpec(**overrides)``); see ``population_json``."""
        if spec is None:
            spec = PopulationSpec(**overrides)
        elif overrides:
            spec = dataclasses.replace(spec, **overrides)
        started = time.perf_counter()
        population = self._world.seed_population(spec)
        if spec.authorize:
            for habits in population.habits:
                population.initial_tokens[habits.athlete_id] = self.authorize(
                    habits.athlete_id, spec.scope
                )
        body = self.population_json(include_tokens=True)
        body["seconds"] = round(time.perf_counter() - started, 3)
        return body

    def population_json(self, include_tokens: bool = True) -> JSON:
        """The population: spec, counts and per athlete habits and *current* tokens."""
        with self._world.lock:
            population = self._world.population
            if population is None:
                raise UnknownObject("no population seeded; POST /_sandbox/population first")
            athletes = []
            activity_count = 0
            for habits in population.habits:
                athlete_id = habits.athlete_id
                activity_count += len(self._world.records_of.get(athlete_id, {}))
                entry: JSON = {
                    "athlete_id": athlete_id,
                    "firstname": habits.firstname,
                    "lastname": habits.lastname,
                    "timezone": habits.timezone,
                    "habits": habits.as_json(),
                }
                if include_tokens:
                    entry["token"] = self._current_token(athlete_id)
                athletes.append(entry)
            return {
                "spec": population.spec.as_json(),
                "seeded_at": population.seeded_at.isoformat(),
                "schedule_until": population.schedule_until.isoformat(),
                "activities": activity_count,
                "scheduled": len(self._world.schedule),
                "athletes": athletes,
            }

    def _current_token(self, athlete_id: int) -> JSON | None:
        grant = self._world.tokens.current_grant(athlete_id)
        if grant is None:
            return None
        body = token_body(grant, self._clock.now())
        body["scope"] = format_scopes(grant.scopes)
        return body

    def schedule(self, include_pending: bool = False, include_fired: bool = False) -> JSON:
        """Counts of pending/fired events; optionally every pending event and the fired log."""
        with self._world.lock:
            body = self._world.schedule.summary()
            if include_pending:
                body["items"] = [e.as_json() for e in self._world.schedule.pending()]
            if include_fired:
                body["fired_log"] = [dict(entry) for entry in self._world.schedule.fired]
            return body

    def extend_schedule(self, days: float) -> int:
        """Plan the population's next ``days`` days of uploads; returns events added."""
        return self._world.extend_schedule(days)

    def schedule_event(
        self,
        kind: str,
        athlete_id: int,
        at: datetime | str,
        fields: dict[str, Any] | None = None,
        activity_id: int | None = None,
    ) -> JSON:
        """One future event: ``upload`` (activity fields), ``note``/``title`` (fields for an
        existing ``activity_id``), ``delete`` (``activity_id``) or ``deauth``."""
        due = parse_instant(at, "at").replace(microsecond=0)
        event = self._world.add_scheduled(kind, athlete_id, due, fields, activity_id)
        return event.as_json()

    def clear_schedule(self) -> int:
        with self._world.lock:
            return self._world.schedule.clear()

    def advance_until(self, instant: datetime | str) -> datetime:
        """Move the clock to ``instant`` (no-op if already past), firing due events."""
        target = parse_instant(instant, "until")
        ahead = (target - self._clock.now()).total_seconds()
        return self._world.advance_time(max(0.0, ahead))

    def issue_code(
        self, athlete_id: int, scope: str = "read,activity:read_all,activity:write"
    ) -> JSON:
        """An authorization code as /oauth/authorize would redirect with, without a browser:
        hand it to the product's OAuth callback, which exchanges it at /oauth/token."""
        scopes = parse_scopes(scope) | {"read"}
        with self._world.lock:
            self._world.athlete(athlete_id)
            now = self._clock.now()
            code = self._world.tokens.issue_code(athlete_id, frozenset(scopes), now)
            return {
                "code": code,
                "scope": format_scopes(scopes),
                "expires_at": int(now.timestamp()) + self.config.code_lifetime_s,
            }

    # --- authorization --------------------------------------------------------------------

    def authorize(
        self, athlete_id: int, scope: str = "read,activity:read_all,activity:write"
    ) -> JSON:
        """Skip the browser: the athlete approves ``scope``; returns the token response."""
        scopes = parse_scopes(scope) | {"read"}
        with self._world.lock:
            self._world.athlete(athlete_id)
            now = self._clock.now()
            code = self._world.tokens.issue_code(athlete_id, frozenset(scopes), now)
            grant = self._world.tokens.exchange_code(code, now)
            body = token_body(grant, now)
            body["athlete"] = self._world.athlete(athlete_id).summary_payload()
            body["scope"] = format_scopes(scopes)
            return body

    def revoke(self, athlete_id: int) -> bool:
        """The athlete removes the app on strava.com; True if they had authorized it."""
        return self._world.revoke(athlete_id)

    def set_granted_scopes(self, scopes: str | None) -> None:
        """Scopes the runner leaves ticked on the consent screen (None: whatever is asked)."""
        parsed = None if scopes is None else parse_scopes(scopes)
        with self._world.lock:
            self._world.granted_scopes_override = parsed

    def set_deny_authorization(self, deny: bool) -> None:
        """When True the runner presses "Cancel": the redirect carries error=access_denied."""
        with self._world.lock:
            self._world.deny_authorization = deny

    # --- failure modes, limits and time ---------------------------------------------------

    def inject_fault(
        self,
        kind: str,
        path_prefix: str = API_PREFIX,
        count: int = 1,
        delay_s: float = 0.0,
        status: int | None = None,
    ) -> None:
        fault = make_fault(kind, path_prefix, count, delay_s, status)
        with self._world.lock:
            self._world.faults.append(fault)

    def clear_faults(self) -> None:
        with self._world.lock:
            self._world.faults.clear()

    def faults(self) -> list[JSON]:
        with self._world.lock:
            return [f.as_json() for f in self._world.faults]

    def advance_time(self, seconds: float) -> datetime:
        return self._world.advance_time(seconds)

    def set_inactive(self, inactive: bool) -> None:
        with self._world.lock:
            self._world.inactive = inactive

    def set_limits(
        self, overall: tuple[int, int] | None = None, read: tuple[int, int] | None = None
    ) -> None:
        with self._world.lock:
            self._world.limiter.set_limits(overall, read)

    def set_latency(
        self, latency_s: float | None = None, refresh_latency_s: float | None = None
    ) -> None:
        """Simulated processing time of every API/OAuth request, and extra for refreshes."""
        for label, value in (("latency_s", latency_s), ("refresh_latency_s", refresh_latency_s)):
            if value is not None and not 0 <= value <= 30:
                raise ValueError(f"{label} must be between 0 and 30 seconds, got {value}")
        with self._world.lock:
            if latency_s is not None:
                self._world.latency_s = float(latency_s)
            if refresh_latency_s is not None:
                self._world.refresh_latency_s = float(refresh_latency_s)

    def set_quota_tier(self, tier: str) -> None:
        """Apply a preset of ``rate_limits.QUOTA_TIERS``: "standard", "reviewed" or "extended"."""
        overall, read = tier_limits(tier)
        self.set_limits(overall, read)

    def rate_limit_headers(self) -> dict[str, str]:
        with self._world.lock:
            return self._world.limiter.headers(self._clock.now())

    # --- observation ----------------------------------------------------------------------

    def calls(self) -> list[JSON]:
        with self._world.lock:
            return [dict(c) for c in self._world.calls]

    def reset_calls(self) -> None:
        with self._world.lock:
            self._world.calls.clear()

    def traffic(self) -> TrafficReport:
        """Calls by endpoint class, athlete, 15-minute window and day; 429s; refresh races."""
        return self._traffic.report(self._clock.now())

    def reset_traffic(self) -> None:
        """Start counting afresh (refreshes in flight right now are still tracked)."""
        self._traffic.reset(self._clock.now())

    def subscription(self) -> JSON | None:
        with self._world.lock:
            sub = self._world.subscription
            if sub is None:
                return None
            return {
                "id": sub.subscription_id,
                "callback_url": sub.callback_url,
                "verify_token": sub.verify_token,
            }

    def wait_for_deliveries(self, timeout: float = 5.0) -> bool:
        return self._deliveries.wait(timeout)

    def deliveries(self) -> list[JSON]:
        """Every webhook event queued so far, with the outcome of each attempt."""
        return self._deliveries.log()

    def state(self) -> JSON:
        with self._world.lock:
            return {
                "url": self.url if self._server is not None else None,
                "client_id": self.config.client_id,
                "seed_athlete_id": self.seed_athlete_id,
                "current_athlete_id": self._world.current_athlete_id,
                "athletes": sorted(self._world.athletes),
                "now": self._clock.now().isoformat(),
                "inactive": self._world.inactive,
                "granted_scopes": None
                if self._world.granted_scopes_override is None
                else format_scopes(self._world.granted_scopes_override),
                "deny_authorization": self._world.deny_authorization,
                "limits": {
                    "overall": list(self._world.limiter.overall),
                    "read": list(self._world.limiter.read),
                },
                "quota_tier": tier_of(self._world.limiter.overall, self._world.limiter.read),
                "latency_s": self._world.latency_s,
                "refresh_latency_s": self._world.refresh_latency_s,
                "faults": [f.as_json() for f in self._world.faults],
                "subscription": self.subscription(),
            }

    # --- request dispatch -----------------------------------------------------------------

    def _dispatch(self, request: Request) -> Response | Drop:
        if request.path == "/_sandbox" or request.path.startswith("/_sandbox/"):
            return handle_control(self, request)
        self._world.fire_due()  # a real-time clock may have reached scheduled uploads
        endpoint_class = classify(request)
        refreshing = endpoint_class == TOKEN_REFRESH
        refresh_token = str(request.param("refresh_token") or "") if refreshing else ""
        athlete_id = self._attribute(request, endpoint_class)
        if refreshing:
            self._traffic.refresh_started(athlete_id)
        stale = False
        try:
            with self._world.lock:
                latency = self._world.latency_s + (
                    self._world.refresh_latency_s if refreshing else 0.0
                )
            if latency > 0:
                time.sleep(latency)  # outside the lock: other requests proceed meanwhile
            outcome, status, note = self._serve(request)
            if refreshing and status == 400:
                with self._world.lock:
                    stale = self._world.tokens.is_retired(refresh_token)
            self._world.record_call(request.method, request.path, request.query, status, note)
            self._traffic.record(
                self._clock.now(),
                endpoint_class,
                athlete_id,
                status,
                counted=_counts_toward_limit(request),
                injected=note == "injected",
                activity_id=activity_of(request, endpoint_class),
            )
            return outcome
        finally:
            if refreshing:
                self._traffic.refresh_finished(athlete_id, stale=stale)

    def _attribute(self, request: Request, endpoint_class: str) -> int | None:
        """Which athlete a request is on behalf of (None: the app itself, or unknown)."""
        path = request.path.rstrip("/")
        tokens = self._world.tokens
        with self._world.lock:
            if endpoint_class == TOKEN_REFRESH:
                return tokens.athlete_of_refresh(str(request.param("refresh_token") or ""))
            if path in ("/oauth/token", API_PREFIX + "/oauth/token"):
                return tokens.athlete_of_code(str(request.param("code") or ""))
            if path == "/oauth/authorize":
                return self._world.current_athlete_id
            if path in ("/oauth/deauthorize", API_PREFIX + "/oauth/deauthorize"):
                raw = request.param("access_token") or request.bearer()
                return tokens.athlete_of_access(str(raw) if raw else None)
            return tokens.athlete_of_access(request.bearer())

    def _serve(self, request: Request) -> tuple[Response | Drop, int | None, str]:
        """(what to send, the status for the logs, a note); faults applied."""
        fault = self._world.take_fault(request.path)
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.delay_s)
        if fault is not None and fault.kind == "drop":
            return Drop(), None, "dropped"
        if fault is not None and fault.kind in ("429", "5xx"):
            response = self._fault_response(request, fault.status)
            return response, response.status, "injected"
        response = self._route(request)
        if fault is not None and fault.kind == "drop_after":
            return Drop(after=True), response.status, "dropped after"
        return response, response.status, ""

    def _fault_response(self, request: Request, status: int) -> Response:
        if status != 429:
            phrase = http.HTTPStatus(status).phrase
            return Response(status, {"message": phrase, "errors": []})
        with self._world.lock:
            now = self._clock.now()
            if request.path.startswith(API_PREFIX + "/"):
                counted, non_upload = is_counted(request.method, request.path[len(API_PREFIX) :])
                if counted:
                    self._world.limiter.count(now, non_upload=non_upload)
            return Response(429, dict(RATE_LIMIT_EXCEEDED), self._world.limiter.headers(now))

    def _route(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/oauth/"):
            return handle_oauth(self._world, request, path[len("/oauth") :])
        if path.startswith(API_PREFIX + "/oauth/"):
            return handle_oauth(self._world, request, path[len(API_PREFIX + "/oauth") :])
        if path.startswith(API_PREFIX + "/push_subscriptions"):
            return handle_push_subscriptions(self._world, request, path[len(API_PREFIX) :])
        if path.startswith(API_PREFIX + "/"):
            return handle_athlete_api(self._world, request, path[len(API_PREFIX) :])
        return Response(404, strava_fault("Record Not Found", "resource", "path", "invalid"))


def _counts_toward_limit(request: Request) -> bool:
    if not request.path.startswith(API_PREFIX + "/"):
        return False
    return is_counted(request.method, request.path[len(API_PREFIX) :])[0]


def run_sandbox(config: SandboxConfig) -> None:
    """Serve until SIGINT/SIGTERM, logging one line per request."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    LOG.setLevel(logging.INFO)
    stopping = threading.Event()
    with Sandbox(config) as sandbox:
        # The handlers go in before the "listening" line: whoever reads it may signal at once.
        def _on_signal(signum: int, frame: FrameType | None) -> None:
            stopping.set()

        previous: dict[signal.Signals, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for chosen in (signal.SIGINT, signal.SIGTERM):
                previous[chosen] = signal.signal(chosen, _on_signal)
        athlete = sandbox.athlete(sandbox.seed_athlete_id)
        history = sandbox.activities(sandbox.seed_athlete_id)
        print(f"Strava sandbox listening on {sandbox.url}", flush=True)
        print(f"  API     {sandbox.api_url}   OAuth {sandbox.url}/oauth/authorize", flush=True)
        print(f"  control {sandbox.url}/_sandbox", flush=True)
        print(
            f"  app     client_id={config.client_id} client_secret={config.client_secret}",
            flush=True,
        )
        print(
            f"  athlete {athlete['id']} {athlete['firstname']} {athlete['lastname']} "
            f"({len(history)} activities)",
            flush=True,
        )
        if config.population is not None:
            population = sandbox.population_json(include_tokens=False)
            print(
                f"  population {len(population['athletes'])} athletes, "
                f"{population['activities']} activities, {population['scheduled']} scheduled "
                f"(GET {sandbox.url}/_sandbox/population for tokens)",
                flush=True,
            )

        try:
            while not stopping.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            for chosen, handler in previous.items():
                signal.signal(chosen, handler)
        print("Strava sandbox stopped", flush=True)
