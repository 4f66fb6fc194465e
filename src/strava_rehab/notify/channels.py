"""Where private detail goes: the runner's own channels, through apprise URLs.

The default (no URLs configured) only logs. Pain scores and conditions are private, so they go
here rather than into the public description.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Protocol

from strava_rehab.errors import UserFacingError

log = logging.getLogger(__name__)

ATTRIBUTION = "Powered by Strava"


class NotificationFailed(UserFacingError):
    """The channel did not accept the message; the outbox retries it later."""


class Notifier(Protocol):
    def send(self, title: str, body: str) -> None: ...


class LogNotifier:
    def send(self, title: str, body: str) -> None:
        log.info("notification: %s\n%s", title, body)


class AppriseNotifier:
    def __init__(self, urls: Sequence[str]) -> None:
        with warnings.catch_warnings():
            # apprise loads the deprecated imghdr as it parses URLs: keep that off the operator's
            # terminal.
            warnings.simplefilter("ignore", DeprecationWarning)
            self._setup(urls)

    def _setup(self, urls: Sequence[str]) -> None:
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
                    f"notify.urls[{index}] is not a valid apprise URL (check its scheme)"
                )

    def send(self, title: str, body: str) -> None:
        if not self._apprise.notify(title=title, body=body):
            raise NotificationFailed("a notification channel refused the message")


def notifier_for(urls: Sequence[str]) -> Notifier:
    return AppriseNotifier(urls) if urls else LogNotifier()
