"""Push subscriptions (webhooks): create with the callback handshake, list, delete."""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

import requests

from .activities import format_utc
from .api import guard_app
from .faults import StravaError, bad_request, record_not_found, strava_fault
from .messages import Request, Response
from .world import SandboxWorld, Subscription

JSON = dict[str, Any]
LOG = logging.getLogger("strava_rehab.sandbox")
_ITEM = re.compile(r"/push_subscriptions/(\d+)/?")


def _check_app(world: SandboxWorld, request: Request) -> None:
    raw_id = request.param("client_id")
    try:
        client_id = int(str(raw_id))
    except ValueError:
        client_id = -1
    if client_id != world.config.client_id:
        raise StravaError(
            401, strava_fault("Authorization Error", "Application", "client_id", "invalid")
        )
    if request.param("client_secret") != world.config.client_secret:
        raise StravaError(
            401, strava_fault("Authorization Error", "Application", "client_secret", "invalid")
        )


def _subscription_json(world: SandboxWorld, sub: Subscription) -> JSON:
    return {
        "id": sub.subscription_id,
        "resource_state": 2,
        "application_id": world.config.client_id,
        "callback_url": sub.callback_url,
        "created_at": format_utc(sub.created_at),
        "updated_at": format_utc(sub.updated_at),
    }


def _already_exists() -> StravaError:
    return StravaError(400, strava_fault("Bad Request", "PushSubscription", "", "already exists"))


def _verify_callback(world: SandboxWorld, callback_url: str, verify_token: str) -> str | None:
    """Strava's handshake: GET the callback, expect 200 + the echoed challenge. None if OK."""
    challenge = secrets.token_urlsafe(12)
    params = {"hub.mode": "subscribe", "hub.challenge": challenge, "hub.verify_token": verify_token}
    with requests.Session() as session:
        session.trust_env = False  # never route loopback callbacks through a proxy
        try:
            response = session.get(
                callback_url, params=params, timeout=world.config.verification_timeout_s
            )
        except requests.RequestException as error:
            return f"callback unreachable: {type(error).__name__}"
    if response.status_code != 200:
        return f"callback answered {response.status_code}"
    try:
        echoed = response.json()
    except ValueError:
        return "callback did not answer JSON"
    if not isinstance(echoed, dict) or echoed.get("hub.challenge") != challenge:
        return "callback did not echo hub.challenge"
    return None


def _create(world: SandboxWorld, request: Request) -> Response:
    callback_url = str(request.param("callback_url") or "")
    verify_token = str(request.param("verify_token") or "")
    parts = urlsplit(callback_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(callback_url) > 255:
        raise bad_request("PushSubscription", "callback_url")
    if not verify_token:
        raise bad_request("PushSubscription", "verify_token")
    with world.lock:
        if world.subscription is not None:
            raise _already_exists()
    # The handshake runs outside the lock: the callback may well call the sandbox meanwhile.
    problem = _verify_callback(world, callback_url, verify_token)
    if problem is not None:
        LOG.info("push subscription refused: %s (%s)", problem, callback_url)
        raise StravaError(
            400, strava_fault("Bad Request", "PushSubscription", "callback url", "not verifiable")
        )
    with world.lock:
        if world.subscription is not None:
            raise _already_exists()
        now = world.clock.now().replace(microsecond=0)
        world.subscription = Subscription(
            world.next_subscription_id, callback_url, verify_token, now, now
        )
        world.next_subscription_id += 1
        return Response(201, {"id": world.subscription.subscription_id})


def handle_push_subscriptions(world: SandboxWorld, request: Request, sub_path: str) -> Response:
    item = _ITEM.fullmatch(sub_path)
    collection = sub_path.rstrip("/") == "/push_subscriptions"
    try:
        if not (
            (collection and request.method in ("GET", "POST"))
            or (item and request.method == "DELETE")
        ):
            raise record_not_found("PushSubscription", "path")
        with world.lock:
            _check_app(world, request)
            guard_app(world, request.method, sub_path, world.clock.now())
        if collection and request.method == "POST":
            response = _create(world, request)
        elif collection:
            with world.lock:
                current = world.subscription
                listed = [] if current is None else [_subscription_json(world, current)]
            response = Response(200, listed)
        else:
            assert item is not None
            with world.lock:
                current = world.subscription
                if current is None or current.subscription_id != int(item.group(1)):
                    raise record_not_found("PushSubscription")
                world.subscription = None
            response = Response(204)
    except StravaError as error:
        response = Response(error.status, error.body)
    with world.lock:
        response.headers.update(world.limiter.headers(world.clock.now()))
    return response
