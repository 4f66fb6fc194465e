"""Pure quota policy: how to spend Strava's read quota so one app serves hundreds of athletes.

Strava's limits belong to the application, not the athlete: by default 100 non-upload calls per
15 minutes and 1,000 per day for everyone together, where "non-upload" covers every GET and every
description PUT, and a rejected call (429) still counts toward the day. The 15-minute window
resets on the quarter hour and the daily one at midnight UTC. Push events carry ids only, fire on
create, delete and title/type/privacy edits (never on a description edit), and are the cheap way
to learn about a new run; polling is the expensive safety net.

Everything in this package is pure: no I/O, no clock, no environment. ``now``, histories, usage
and progress are inputs; decisions and reasons are outputs. The service layer gathers the facts,
calls these functions, and acts (see each module's docstring for what it must supply).

- ``settings``: ``QuotaPolicy``, every threshold with its default and bounds.
- ``timeofday``: upload histories and local time-of-day arithmetic shared by the others.
- ``polling``: subscription health and the next poll per athlete (webhooks first).
- ``priorities``: call classes, the new-run headroom estimate, grant / deny-with-retry-at.
- ``backfill``: a fair, newest-first backfill order across athletes.
- ``second_look``: which runs deserve a second detail read, and when the budget allows it.
- ``churn``: whether an earlier run's block is rewritten (only when its own decision changed).
"""
