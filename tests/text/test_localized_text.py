"""The digest, the notification and the finding texts in another language or unit system."""

from __future__ import annotations

from datetime import date

from tests.text.golden_cases import digests

from strava_rehab.content.knowledge import library
from strava_rehab.content.translations import voice
from strava_rehab.text.digest import render_digest
from strava_rehab.text.findings import finding_text
from strava_rehab.text.notification import notification_text


def test_a_german_digest() -> None:
    title, body = render_digest(digests()["busy_week"], voice("de"), library("de").rules.regions)
    assert title == "strava-rehab Wochenüberblick 27 Mai - 02 Juni"
    assert body.startswith("Hallo Ana,\n\nLetzte 7 Tage: 42,4 km (7 Tage davor: 30,0 km)\n")
    assert "- 2025-05-30: Dieser Lauf über 21,0 km war 50 % länger" in body
    assert "- Schienbein: 4, 6 /10 (zunehmend)" in body
    assert "- Ferse/Fußgewölbe: 3 /10 (gleichbleibend)" in body
    assert body.endswith("ärztlich abklären.\nPowered by Strava")


def test_an_imperial_digest_has_no_kilometre_left() -> None:
    _, body = render_digest(digests()["busy_week"], voice("en", "imperial"))
    assert "Last 7 days: 26.3 mi (previous 7: 18.6 mi)" in body
    assert "This 13.0 mi run was 50% longer than your longest run of the previous 30 days" in body
    assert "(8.7 mi)" in body
    assert "km" not in body


def test_a_finding_in_km_and_english_is_the_stored_text() -> None:
    finding = digests()["busy_week"].findings[0]
    assert finding_text(finding, voice("en")) == finding.explanation


def test_a_german_notification_title() -> None:
    title, body = notification_text(
        "none", "Text", run_name="", local_date=date(2025, 6, 2), activity_id=7, voice=voice("de")
    )
    assert title == "strava-rehab: deine Notiz wurde nicht verstanden: dein Lauf (2025-06-02)"
    assert (
        body == "Text\n\nAuf Strava ansehen: https://www.strava.com/activities/7\nPowered by Strava"
    )
