"""The one place that talks HTTP to Strava: budget, retries, and error mapping.

Every call goes to the configured ``strava_url`` (the sandbox, www.strava.com, or the host
announced for 2027). stravalib is used for its models only: its client hard-codes the host,
sleeps for hours in its rate limiter, and stops paging at the first short page.

A call that is not safe to repeat (``idempotent=False``: a token refresh, whose refresh token
Strava rotates and kills at once, or a single-use code) is retried only when the request surely
never reached Strava (the connection could not be made). After a timeout, a dropped connection
or a 5xx the answer may be lost while Strava acted on it: that raises ``AnswerLost`` at once,
and the caller decides what is safe (see ``services/connect.py``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from strava_rehab.quota.priorities import CallClass
from strava_rehab.strava.errors import (
    ApplicationInactive,
    BadRequest,
    MissingScope,
    NotFound,
    RateLimitReached,
    StravaError,
    TransientStravaError,
    Unauthorized,
)
from strava_rehab.strava.rate_budget import (
    BUCKETS,
    RateBudget,
    UnlimitedBudget,
    parse_usage_headers,
)

if TYPE_CHECKING:
    import requests

# requests (with urllib3) is imported on the first call to Strava, not with this module: every
# command builds a StravaHttp, and most of them (a `worker --once` with nothing to sync, `status`)
# never call Strava.

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], None]
Method = Literal["GET", "POST", "PUT", "DELETE"]


def utc_now() -> datetime:
    return datetime.now(UTC)


class AnswerLost(TransientStravaError):
    """The request may have reached Strava and been acted on, but its answer never arrived."""


def _surely_unsent(exc: requests.RequestException) -> bool:
    """True when the connection was never made, so Strava cannot have seen the request."""
    import requests
    from urllib3.exceptions import NewConnectionError

    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    return isinstance(reason, NewConnectionError)


def _error_fields(response: requests.Response) -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason or str(response.status_code)
    if isinstance(body, dict):
        parts = [str(body.get("message", response.reason))]
        parts += [
            f"{e.get('resource')}.{e.get('field')}: {e.get('code')}"
            for e in _error_fields(response)
        ]
        return "; ".join(parts)
    return response.reason or str(response.status_code)


def _rate_limit_resume(headers: Mapping[str, str], now: datetime) -> tuple[datetime, str]:
    usage = parse_usage_headers(headers)
    for name in ("read_day", "overall_day"):
        used, limit = usage.get(name, (0, 1))
        if used >= limit:
            return BUCKETS[name].window_end(now), f"daily limit: {used} of {limit} used"
    return BUCKETS["overall_15m"].window_end(now), "15-minute limit reached (HTTP 429)"


# Every call has a class (``quota.priorities.CallClass``): the service doing the work says which,
# for the calls it makes inside ``with call_class(...)``. A call outside any is a new run's (the
# highest class: an event's detail GET, a description PUT).
_CALL_CLASS: ContextVar[CallClass] = ContextVar("strava_call_class", default=CallClass.NEW_RUN)

# Asked before every counted call of a class below NEW_RUN; raises RateLimitReached to refuse it.
Gate = Callable[[CallClass, datetime], None]


@contextmanager
def call_class(value: CallClass) -> Iterator[None]:
    """The class of the Strava calls made inside the block (this thread or task only)."""
    token = _CALL_CLASS.set(value)
    try:
        yield
    finally:
        _CALL_CLASS.reset(token)


def current_call_class() -> CallClass:
    return _CALL_CLASS.get()


class StravaHttp:
    def __init__(
        self,
        strava_url: str,
        *,
        budget: RateBudget | None = None,
        session: requests.Session | None = None,
        timeout_s: float = 10.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        clock: Clock = utc_now,
        sleep: Sleep = time.sleep,
        max_rate_wait_s: float = 30.0,
        gate: Gate | None = None,
    ) -> None:
        self.base = strava_url.rstrip("/")
        # Lower classes never spend the headroom the next new runs need (quota.priorities).
        self.gate = gate
        self.budget: RateBudget = budget or UnlimitedBudget()
        self._session = session
        if session is not None:
            session.headers.setdefault("User-Agent", "strava-rehab")
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.clock = clock
        self.sleep = sleep
        self.max_rate_wait_s = max_rate_wait_s
        self.calls = 0

    @property
    def session(self) -> requests.Session:
        """The HTTP session, made on first use (see the imports above)."""
        if self._session is None:
            import requests

            self._session = requests.Session()
            self._session.headers.setdefault("User-Agent", "strava-rehab")
        return self._session

    def request(
        self,
        method: Method,
        path: str,
        *,
        token: str | None = None,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
        counted: bool = True,
        idempotent: bool = True,
    ) -> requests.Response:
        """Send one logical call; ``counted`` calls (the API, not OAuth) spend the rate budget.

        ``idempotent=False``: never repeat a request Strava may have acted on (``AnswerLost``).
        """
        import requests

        url = self.base + path
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        attempt = 0
        while True:
            if counted:
                klass = _CALL_CLASS.get()
                if self.gate is not None and klass is not CallClass.NEW_RUN:
                    self.gate(klass, self.clock())
                self.budget.reserve("read", self.clock())
            self.calls += 1
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    json=json,
                    headers=headers,
                    timeout=self.timeout_s,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                failure = f"{type(exc).__name__} on {method} {path}"
                if not idempotent and not _surely_unsent(exc):
                    raise AnswerLost(
                        f"Strava's answer was lost ({failure}); it may have acted on the request"
                    ) from None
                if attempt >= self.max_retries:
                    raise TransientStravaError(
                        f"Strava did not answer ({failure}) after {attempt + 1} tries"
                    ) from None
                self._backoff(attempt, failure)
                attempt += 1
                continue
            if counted:
                self.budget.observe(response.headers, self.clock())
            if response.status_code >= 500 and not idempotent:
                raise AnswerLost(
                    f"Strava failed (HTTP {response.status_code} on {method} {path}); "
                    "it may have acted on the request"
                )
            if response.status_code >= 500 and attempt < self.max_retries:
                self._backoff(attempt, f"HTTP {response.status_code} on {method} {path}")
                attempt += 1
                continue
            if response.status_code == 429 and attempt < self.max_retries:
                # Worth waiting only when the window turns over within seconds; otherwise the
                # job ends and resumes later (a retry inside the window would still count).
                resume_at, _ = _rate_limit_resume(response.headers, self.clock())
                wait = (resume_at - self.clock()).total_seconds() + 1
                if wait <= self.max_rate_wait_s:
                    log.warning(
                        "HTTP 429 on %s %s; the window resets in %.0f s", method, path, wait
                    )
                    self.sleep(max(wait, 0.0))
                    attempt += 1
                    continue
            self._raise_for(response, method, path)
            return response

    def _backoff(self, attempt: int, failure: str) -> None:
        delay = self.backoff_s * (2**attempt)
        log.warning("%s; retrying in %.1f s", failure, delay)
        self.sleep(delay)

    def _raise_for(self, response: requests.Response, method: str, path: str) -> None:
        status = response.status_code
        if status < 400:
            return
        fields = _error_fields(response)
        what = f"{method} {path}: HTTP {status}: {_message(response)}"
        if status == 429:
            resume_at, detail = _rate_limit_resume(response.headers, self.clock())
            raise RateLimitReached(resume_at, detail)
        if status >= 500:
            raise TransientStravaError(f"Strava failed ({what}); the next run retries")
        if status == 403 and any(
            e.get("resource") == "Application" and e.get("code") == "Inactive" for e in fields
        ):
            raise ApplicationInactive()
        if status in (401, 403) and any(
            "permission" in str(e.get("field", "")) and e.get("code") == "missing" for e in fields
        ):
            raise MissingScope(what)
        if status == 401:
            raise Unauthorized(what)
        if status == 404:
            raise NotFound(what)
        if status == 400:
            raise BadRequest(what)
        raise StravaError(what)
