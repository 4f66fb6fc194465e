"""Where private detail goes: the runner's own channels, through apprise URLs.

The default (no URLs configured) only logs: one INFO line per message (its title and size; the
body at DEBUG), and ``status`` says "logged only". Pain scores and conditions are private, so
they go here rather than into the public description.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol
from urllib.parse import urlsplit

from strava_rehab.errors import UserFacingError

log = logging.getLogger(__name__)

ATTRIBUTION = "Powered by Strava"


class NotificationFailed(UserFacingError):
    """The channel did not accept the message; the outbox retries it later."""


class Notifier(Protocol):
    def send(self, title: str, body: str) -> None: ...


class LogNotifier:
    """No channel configured: the message goes to the log only, never to the runner."""

    logged_only = True

    def send(self, title: str, body: str) -> None:
        log.info(
            "notification logged only (no notify.urls): %s (%d lines)",
            title.replace("\n", " "),
            body.count("\n") + 1,
        )
        log.debug("notification body: %r", body)


class AppriseNotifier:
    logged_only = False

    def __init__(self, urls: Sequence[str], what: str = "notify.urls") -> None:
        with warnings.catch_warnings():
            # apprise loads the deprecated imghdr as it parses URLs: keep that off the operator's
            # terminal.
            warnings.simplefilter("ignore", DeprecationWarning)
            self._setup(urls, what)

    def _setup(self, urls: Sequence[str], what: str) -> None:
        try:
            import apprise
        except ImportError:  # pragma: no cover - depends on the install
            raise NotificationFailed(
                "notify.urls is set but apprise is not installed: "
                "pip install 'strava-rehab[notify]'"
            ) from None
        self._apprise = apprise.Apprise()
        for index, url in enumerate(urls):
            if not self._apprise.add(url):
                # Never echo the URL: it usually carries a token or a password.
                raise NotificationFailed(
                    f"{what}[{index}] is not a valid apprise URL (check its scheme)"
                )

    def send(self, title: str, body: str) -> None:
        if not self._apprise.notify(title=title, body=body):
            raise NotificationFailed("a notification channel refused the message")


def notifier_for(urls: Sequence[str]) -> Notifier:
    return AppriseNotifier(urls) if urls else LogNotifier()


@contextmanager
def _apprise_quiet() -> Iterator[None]:
    # apprise logs a rejected URL whole, secret and all.
    apprise_log = logging.getLogger("apprise")
    level = apprise_log.level
    apprise_log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        apprise_log.setLevel(level)


def validate_urls(urls: Sequence[str]) -> None:
    """NotificationFailed naming the first URL apprise does not know, by position and scheme."""
    if not urls:
        raise NotificationFailed("give at least one apprise URL (e.g. ntfy://ntfy.sh/my-topic)")
    with _apprise_quiet(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import apprise
        except ImportError:  # pragma: no cover - depends on the install
            raise NotificationFailed(
                "notification channels need apprise: pip install 'strava-rehab[notify]'"
            ) from None
        for index, url in enumerate(urls, start=1):
            if not apprise.Apprise().add(url):
                scheme = url.partition("://")[0] if "://" in url else ""
                shown = (
                    f"scheme {scheme!r}"
                    if re.fullmatch(r"[A-Za-z0-9+.-]{1,20}", scheme)
                    else ("no scheme")
                )
                raise NotificationFailed(
                    f"URL {index} ({shown}) is not a notification channel apprise knows; use one "
                    "of https://github.com/caronc/apprise/wiki#notification-services, "
                    "e.g. ntfy://ntfy.sh/my-topic"
                )


_HOSTNAME = re.compile(
    r"(localhost|\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]|([A-Za-z0-9-]+\.)+[A-Za-z]{2,})(:\d+)?"
)


def mask_channel(url: str) -> str:
    """``scheme://host/***``: the scheme and host of a channel URL, everything else masked.

    The host is shown only when it reads as a host name or address: several services put their
    token where the host goes (``tgram://BOT_TOKEN/CHAT``), and that is masked too.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "***"
    scheme = parts.scheme if re.fullmatch(r"[a-z0-9+.-]{1,20}", parts.scheme) else "?"
    host_port = parts.netloc.rpartition("@")[2]  # never the user or password
    match = _HOSTNAME.fullmatch(host_port)
    shown = match.group(1) if match else "***"
    return f"{scheme}://{shown}/***"


class ChannelRouter:
    """Each athlete's own channels, falling back to the install-wide default (``notify.urls``).

    ``lookup`` gives an athlete's own URLs or None; a notifier is built once per athlete.
    """

    def __init__(
        self, default: Sequence[str], lookup: Callable[[int], Sequence[str] | None]
    ) -> None:
        self._default = list(default)
        self._lookup = lookup
        # No install default: messages of athletes without their own channel only reach the log.
        self.logged_only = not self._default
        self._built: dict[int, Notifier] = {}

    def for_athlete(self, athlete_id: int) -> Notifier:
        if athlete_id not in self._built:
            own = self._lookup(athlete_id)
            notifier: Notifier = (
                AppriseNotifier(own, what=f"athlete {athlete_id}'s channels")
                if own
                else notifier_for(self._default)
            )
            self._built[athlete_id] = notifier
        return self._built[athlete_id]
