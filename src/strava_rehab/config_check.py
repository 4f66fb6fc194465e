"""Checks of the settings that need more than their type: run up front by ``config check``.

Loading the settings already validates every value's shape (a URL, a time zone, a cron
expression, a language); these check what only the running product would otherwise find out
later: the triggers built in their time zone, the pain vocabularies, the notification URLs.
"""

from __future__ import annotations

import logging

from strava_rehab.content.translations import CatalogueError, check_catalogues
from strava_rehab.content.vocabulary import default_vocabulary_path, load_vocabularies
from strava_rehab.notify.channels import notifier_for
from strava_rehab.pain import VocabularyError
from strava_rehab.settings import Settings
from strava_rehab.worker import cron


def check_notify(settings: Settings) -> None:
    """NotificationFailed naming the first notify URL apprise does not know (never the URL)."""
    apprise_log = logging.getLogger("apprise")
    level = apprise_log.level
    apprise_log.setLevel(logging.CRITICAL)  # apprise logs the rejected URL, secret and all
    try:
        notifier_for([url.get_secret_value() for url in settings.notify.urls])
    finally:
        apprise_log.setLevel(level)


def check_settings(settings: Settings) -> None:
    """Raise the first problem as the user error the command would meet later (exit 1)."""
    worker = settings.worker
    cron(worker.sync_cron, worker.timezone, "sync_cron")
    cron(worker.digest_cron, worker.timezone, "digest_cron")
    for index, language in enumerate(settings.pain_languages):
        try:
            default_vocabulary_path(language)  # lists the available languages if unknown
        except VocabularyError as error:
            raise VocabularyError(f"pain_languages[{index}]: {error}") from None
    load_vocabularies()  # every shipped vocabulary may join a note: each must be valid
    problems = check_catalogues()  # a broken .po fails here, not at a runner's first text
    if problems:
        raise CatalogueError(problems[0])
    check_notify(settings)
