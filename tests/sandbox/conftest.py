"""Fixtures: a started sandbox on a free port, a real HTTP session, a tiny webhook receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest
import requests

from strava_rehab.sandbox import Sandbox

from .support import CallbackReceiver, fast_config, receiver_handler


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(fast_config()) as sb:
        yield sb


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False  # loopback only, never through a proxy
        yield session


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    state = CallbackReceiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), receiver_handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/strava/webhook"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
