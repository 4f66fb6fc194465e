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
``POST /_sandbox/athletes/{id}/code``       ``{"scope"?}`` → 201 ``{"code", "scope",
                                            "expires_at"}``: an OAuth code for the product's
                                            callback, no browser
``POST /_sandbox/population``               seed runners: a ``PopulationSpec`` as JSON (all
                                            optional: ``athletes`` 10, ``seed`` 1,
                                            ``history_days`` 42, ``schedule_days`` 1,
                                            ``runs_per_day`` 2, ``pain_rate`` 0.1,
                                            ``late_note_rate``, ``title_update_rate``,
                                            ``delete_rate``, ``deauth_rate`` 0, ``spike_rate``
                                            0.25, ``authorize`` true, ``scope``,
                                            ``long_history_years`` 0, ``timezones``,
                                            ``first_athlete_id`` 100001) → 201 population (below)
``GET /_sandbox/population``                ``{"spec", "seeded_at", "schedule_until",
                                            "activities", "scheduled", "athletes": [{
                                            "athlete_id", "firstname", "lastname", "timezone",
                                            "habits", "token"}]}``; ``token`` is the athlete's
                                            *current* token response (+ ``scope``) or null;
                                            ``?tokens=false`` leaves it out
``GET /_sandbox/schedule``                  ``{"pending", "pending_by_kind", "next_due", "fired",
                                            "fired_by_kind"}``; ``?pending=true`` adds ``items``,
                                            ``?fired=true`` adds ``fired_log`` (``seq``, ``kind``,
                                            ``athlete_id``, ``due``, ``fired_at``,
                                            ``activity_id``, ``skipped``)
``POST /_sandbox/schedule``                 ``{"days": n}`` plans the population n days further →
                                            ``{"added", ...summary}``; or one event ``{"kind":
                                            "upload"|"note"|"title"|"delete"|"deauth",
                                            "athlete_id", "at", "fields"?, "activity_id"?}`` → 201
``DELETE /_sandbox/schedule``               drop pending events → ``{"dropped": n}``
``POST /_sandbox/schedule/advance``         ``{"advance_s": n}`` or ``{"until": iso}``: like
                                            ``/clock``, → ``{"now", "fired", "pending",
                                            "next_due"}``
``GET /_sandbox/traffic``                   ``TrafficReport.as_json()``: calls by class (list,
                                            detail, put, athlete, token_refresh, other), by
                                            athlete, by 15-min window and UTC day; 429s; refresh
                                            concurrency; detail GETs, PUTs and the first 200
                                            PUT's time by activity; ``DELETE`` resets it → 204
==========================================  =====================================================

``/_sandbox/config`` also takes ``"quota_tier"`` (``standard`` 200/2,000 overall and 100/1,000
read, ``reviewed`` 600/6,000 and 300/3,000, ``extended`` 6,000/60,000 and 3,000/30,000: an
assumption, Strava publishes no Extended figures), ``"latency_s"`` (simulated time per API/OAuth
request) and ``"refresh_latency_s"`` (extra per token refresh, to make overlaps observable);
``/_sandbox/clock`` also takes ``{"until": iso}``. Scheduled events fire at their own due time
as the clock passes them (``advance_time``, ``/clock``, ``/schedule/advance``, or any request
once a real-time clock reaches them).

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
