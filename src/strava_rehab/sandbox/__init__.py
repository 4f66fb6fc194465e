"""A local Strava look-alike for the demo and for integration tests over real HTTP.

Quick start::

    from strava_rehab.sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(port=0)) as sb:
        sb.url  # "http://127.0.0.1:PORT": API at {url}/api/v3, OAuth at {url}/oauth/...
        tokens = sb.authorize(sb.seed_athlete_id)  # or walk /oauth/authorize like a browser
        sb.add_activity(sb.seed_athlete_id, distance=12000.0, start_date_local="2026-11-27T07:00")

From a shell: ``python -m strava_rehab.sandbox --port 8765`` (see ``--help``).

stravalib hard-codes https://www.strava.com; ``Client(requests_session=sb.requests_session())``
(or ``sandbox_session(url)``) sends its calls to the sandbox instead.

Strava behaviour reproduced
---------------------------
* OAuth: ``GET /oauth/authorize`` auto-approves as the current athlete and redirects with
  ``state``, ``code`` and the granted ``scope``; ``POST /oauth/token`` (form or JSON; also under
  ``/api/v3/oauth/token``) exchanges single-use 10-minute codes and refreshes with rotating
  refresh tokens; ``POST /oauth/deauthorize`` (also ``/api/v3/oauth/deauthorize``).
* API (``Authorization: Bearer``): ``GET /api/v3/athlete``, ``GET /api/v3/athlete/activities``
  (``before``, ``after``, ``page``, ``per_page`` ≤ 200; short pages before the end), ``GET`` and
  ``PUT /api/v3/activities/{id}``, and ``/api/v3/push_subscriptions`` (create with the callback
  handshake, list, delete). Scopes, app-wide rate limits with Strava's headers, and webhook
  delivery (3 attempts) as in Strava's docs.
* Webhook events are only sent for athletes who currently authorize the app, as on Strava.

Control API (``/_sandbox``; JSON in and out; not rate limited, not faulted, not in ``calls()``)
------------------------------------------------------------------------------------------------
==========================================  =====================================================
``GET /_sandbox``                           state: url, client_id, athletes, clock, limits, faults
``POST /_sandbox/athletes``                 add an athlete ``{"firstname", "lastname", "timezone"?,
                                            "athlete_id"?, "city"?, "country"?, "sex"?}`` → 201
``GET /_sandbox/athletes/{id}``             the athlete (DetailedAthlete)
``POST /_sandbox/athletes/{id}/activities`` add an activity (fields below) → 201 DetailedActivity;
                                            fires a ``create`` webhook
``GET /_sandbox/athletes/{id}/activities``  every activity, oldest first, private ones included;
                                            ``?include_deleted=true`` adds tombstones (``deleted``)
``POST /_sandbox/athletes/{id}/revoke``     the athlete removes the app: tokens die, deauth webhook
``POST /_sandbox/athletes/{id}/tokens``     skip the browser: ``{"scope": "..."}`` → token response
``GET /_sandbox/activities/{id}``           full detail, no auth
``PUT /_sandbox/activities/{id}``           change any field; ``update`` webhook only for
                                            name/type/sport_type/private
``DELETE /_sandbox/activities/{id}``        delete (``delete`` webhook) → 204
``POST /_sandbox/faults``                   ``{"kind": "429"|"5xx"|"drop"|"drop_after"|"delay",
                                            "path_prefix": "/api/v3", "count": 1, "delay_s": 0,
                                            "status": 503}``; ``GET`` lists, ``DELETE`` clears
``POST /_sandbox/clock``                    ``{"advance_s": n}`` moves time on; ``GET`` reads it
``POST /_sandbox/config``                   any of ``{"inactive": bool, "granted_scopes": "read,..."
                                            | null, "deny_authorization": bool,
                                            "current_athlete_id": n, "limits": {"overall": [200,
                                            2000], "read": [100, 1000]}}``
``GET /_sandbox/calls``                     log of non-control calls (method, path, query, status,
                                            time); ``DELETE`` empties it
``GET /_sandbox/deliveries``                webhook events with every attempt's outcome
``POST /_sandbox/deliveries/wait``          ``{"timeout": 5}`` → ``{"done": true}`` when all ended
==========================================  =====================================================

Activity fields accepted by add/update: ``name``, ``sport_type`` (or ``type``), ``start_date``
(UTC, "…Z") or ``start_date_local`` (runner's wall clock), ``distance`` (m), ``moving_time``,
``elapsed_time``, ``total_elevation_gain``, ``description``, ``private_note``, ``private``,
``trainer``, ``commute``, ``manual``, ``workout_type``, ``perceived_exertion``, ``calories``,
``gear_id``, ``device_name``, heart-rate and count fields, ``start_latlng``. Unknown names are
refused with the list of valid ones.

Fault kinds: ``429`` (counted, with headers), ``5xx`` (default 503), ``drop`` (connection closed,
request not processed), ``drop_after`` (processed, then the connection is closed unanswered),
``delay`` (sleep ``delay_s``, then answer normally).
"""

from .config import SandboxConfig
from .population import PopulationSpec
from .rate_limits import QUOTA_TIERS
from .sandbox import Sandbox, run_sandbox
from .seed import SEED_ATHLETE_ID, SEED_TIMEZONE, seed_history
from .strava_redirect import sandbox_session
from .traffic import TrafficReport
from .world import UnknownObject

__all__ = [
    "QUOTA_TIERS",
    "SEED_ATHLETE_ID",
    "SEED_TIMEZONE",
    "PopulationSpec",
    "Sandbox",
    "SandboxConfig",
    "TrafficReport",
    "UnknownObject",
    "run_sandbox",
    "sandbox_session",
    "seed_history",
]
