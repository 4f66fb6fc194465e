"""Where private detail goes: the runner's own channels, through apprise URLs.

The default (no URLs configured) only logs: one INFO line per message (its title and size; the
body at DEBUG), and ``status`` says "logged only". Pain scores and conditions are private, so
they go here rather than into the public description.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

log = logging.getLogger(__name__)

ATTRIBUTION = "Powered by Strava"


class NotificationFailed(Exception):
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

    def __init__(self, urls: Sequence[str]) -> None:
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
