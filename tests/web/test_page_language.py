"""Which language a page is in: ?lang= (remembered in a cookie), the cookie, Accept-Language,
the install default; and the connect pages, unchanged in English, translated in German."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.requests import Request
from tests.web.connect_pages import GOLDEN, PAGES, client, fetch

from strava_rehab.settings import load_settings
from strava_rehab.web.language import LANGUAGE_COOKIE, accepted, language_switch, page_language


def request(query: str = "", cookie: str = "", accept: str = "") -> Request:
    headers = [(b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", f"{LANGUAGE_COOKIE}={cookie}".encode()))
    if accept:
        headers.append((b"accept-language", accept.encode()))
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/me",
        "query_string": query.encode(),
        "headers": headers,
    }
    return Request(scope)


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "language"),
    [
        ("", "", "", "en"),  # nothing chosen: the install default
        ("", "", "de-DE,de;q=0.9,en;q=0.8", "de"),
        ("", "", "de-AT", "de"),  # a regional variant finds its language
        ("", "", "fr-FR,fr;q=0.9,de;q=0.5", "de"),  # the best one we have
        ("", "", "fr, es", "en"),
        ("", "", "en;q=0.2, de;q=0.7", "de"),  # by quality, not by order
        ("", "de", "en", "de"),  # the switch's cookie beats the browser
        ("lang=en", "de", "de", "en"),  # and ?lang= beats the cookie
        ("lang=tlh", "", "de", "de"),  # an unknown choice is ignored
    ],
)
def test_page_language(query: str, cookie: str, accept: str, language: str, tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert page_language(request(query, cookie, accept), settings) == language


def test_accept_language_is_read_with_its_qualities() -> None:
    assert accepted("fr;q=0.5, de-CH, *;q=0.1, en;q=0") == ["de-CH", "fr"]
    assert accepted("") == [] and accepted("de;q=x") == []


def test_the_switch_keeps_the_other_query_values() -> None:
    choices = language_switch(request("undone=5&result=removed&lang=de"), "de")
    assert [(c.code, c.name, c.current) for c in choices] == [
        ("en", "English", False),
        ("de", "Deutsch", True),
    ]
    assert choices[0].href == "/me?undone=5&result=removed&lang=en"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_english_connect_pages_are_unchanged_byte_for_byte(name: str, tmp_path: Path) -> None:
    assert fetch(tmp_path, name) == (GOLDEN / f"{name}.html").read_text(encoding="utf-8")


def test_the_connect_pages_in_german(tmp_path: Path) -> None:
    home = fetch(tmp_path / "a", "home", {"accept-language": "de-DE,de;q=0.9"})
    assert '<html lang="de">' in home and "Mit Strava verbinden" in home
    assert "Information, keine Diagnose." in home
    denied = fetch(tmp_path / "b", "callback_denied", {"accept-language": "de"})
    assert "<h1>Nicht verbunden</h1><p>Strava meldet: access_denied.</p>" in denied


def test_lang_in_the_address_is_remembered_for_the_next_page(tmp_path: Path) -> None:
    with client(tmp_path) as http:
        first = http.get("/?lang=de")
        assert "Mit Strava verbinden" in first.text
        assert first.cookies.get(LANGUAGE_COOKIE) == "de"
        assert "Mit Strava verbinden" in http.get("/").text  # the cookie, no ?lang=
        assert "Connect with Strava" in http.get("/?lang=en").text
        assert "Connect with Strava" in http.get("/").text
