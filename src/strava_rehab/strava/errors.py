"""What can go wrong talking to Strava, in words a runner or an app owner can act on."""

from __future__ import annotations

from datetime import datetime

from strava_rehab.errors import UserFacingError


class StravaError(UserFacingError):
    """Base class: anything Strava refused or could not answer."""


class RateLimitReached(StravaError):
    """The app-wide budget is spent; work resumes at ``resume_at`` (never sleep for it)."""

    def __init__(self, resume_at: datetime, detail: str) -> None:
        self.resume_at = resume_at
        super().__init__(f"Strava rate limit reached ({detail}); resumes at {resume_at:%H:%M} UTC")


class TransientStravaError(StravaError):
    """A 5xx, a timeout or a dropped connection that outlived the retries; the next run retries."""


class Unauthorized(StravaError):
    """The athlete's token is no longer accepted (revoked, or refresh refused)."""


class MissingScope(StravaError):
    """The athlete did not grant the permission this call needs."""


class ApplicationInactive(StravaError):
    def __init__(self) -> None:
        super().__init__(
            "Strava says this API application is inactive. The app owner must have an active "
            "Strava subscription and an active app: check https://www.strava.com/settings/api, "
            "then run the command again (see "
            "https://support.strava.com/en-us/articles/15401526-strava-api-and-mcp-faq)."
        )


class NotFound(StravaError):
    """The activity does not exist, is not this athlete's, or is private without read_all."""


class BadRequest(StravaError):
    """Strava rejected the request itself (a bad code, a bad parameter)."""


class AthleteDisconnected(StravaError):
    """The athlete must reconnect before anything else can be done for them."""
