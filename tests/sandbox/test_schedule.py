"""A day that unfolds: scheduled uploads fire as the clock moves, with their webhooks."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import requests

from strava_rehab.sandbox import Sandbox

from .support import FIXED_NOW, CallbackReceiver, fast_config, subscribe


def _when(raw: str) -> datetime:
    return datetime.fromisoformat(raw.replace("Z", "+00:00"))


def test_uploads_fire_at_their_time_with_create_events(
    http: requests.Session, receiver: CallbackReceiver
) -> None:
    with Sandbox(fast_config(seed=False)) as sb:
        body = sb.seed_population(athletes=10, history_days=3, schedule_days=1)
        before = body["activities"]
        pending = sb.schedule(include_pending=True)
        uploads = [e for e in pending["items"] if e["kind"] == "upload"]
        assert 18 <= len(uploads) <= 22 and pending["pending"] == len(uploads)
        assert all(FIXED_NOW <= _when(e["due"]) < FIXED_NOW + timedelta(days=1) for e in uploads)
        assert subscribe(sb, http, receiver.url).status_code == 201

        moved = http.post(f"{sb.url}/_sandbox/schedule/advance", json={"advance_s": 6 * 3600})
        fired_first = moved.json()["fired"]
        assert fired_first == sum(
            _when(e["due"]) <= FIXED_NOW + timedelta(hours=6) for e in uploads
        )
        assert moved.json()["now"] == (FIXED_NOW + timedelta(hours=6)).isoformat()
        sb.advance_time(18 * 3600)
        assert sb.wait_for_deliveries(10)
        summary = sb.schedule(include_fired=True)
        assert summary["pending"] == 0 and summary["fired_by_kind"] == {"upload": len(uploads)}

        created = [d["event"] for d in sb.deliveries()]
        assert len(created) == len(uploads)
        assert {e["aspect_type"] for e in created} == {"create"}
        # Each event carries its own upload time, not the end of the jump.
        due_by_activity = {f["activity_id"]: _when(f["due"]) for f in summary["fired_log"]}
        for event in created:
            assert event["event_time"] == int(due_by_activity[event["object_id"]].timestamp())
            activity = sb.activity(event["object_id"])
            assert _when(activity["start_date"]) < due_by_activity[event["object_id"]]
        total = sum(len(sb.activities(a["athlete_id"])) for a in body["athletes"])
        assert total == before + len(uploads)


def test_follow_ups_titles_deletes_notes_and_deauths(
    http: requests.Session, receiver: CallbackReceiver
) -> None:
    with Sandbox(fast_config(seed=False)) as sb:
        sb.seed_population(
            athletes=20,
            history_days=1,
            schedule_days=1,
            title_update_rate=0.3,
            delete_rate=0.2,
            late_note_rate=0.3,
            deauth_rate=0.2,
        )
        kinds = Counter(e["kind"] for e in sb.schedule(include_pending=True)["items"])
        assert all(kinds[k] > 0 for k in ("upload", "title", "delete", "note", "deauth"))
        subscribe(sb, http, receiver.url)
        sb.advance_time(86400 + 4 * 3600)
        assert sb.wait_for_deliveries(10)
        events = [d["event"] for d in sb.deliveries()]
        seen = Counter((e["object_type"], e["aspect_type"]) for e in events)
        assert seen[("athlete", "update")] == kinds["deauth"]
        assert seen[("activity", "update")] > 0 and seen[("activity", "delete")] > 0
        assert all(
            e["updates"] == {"authorized": "false"} for e in events if e["object_type"] == "athlete"
        )
        # Description edits fire nothing, but the note is there for a second look.
        fired = sb.schedule(include_fired=True)["fired_log"]
        notes = [f for f in fired if f["kind"] == "note" and not f["skipped"]]
        assert notes
        assert all(
            sb.activity(n["activity_id"])["description"]
            for n in notes
            if not any(
                f["kind"] == "delete" and f["activity_id"] == n["activity_id"] for f in fired
            )
        )
        # Deauthorized athletes still upload, but Strava tells the app nothing about it.
        deauthed = {e["owner_id"] for e in events if e["object_type"] == "athlete"}
        deauth_time = {
            e["owner_id"]: e["event_time"] for e in events if e["object_type"] == "athlete"
        }
        for event in events:
            if event["owner_id"] in deauthed and event["object_type"] == "activity":
                assert event["event_time"] <= deauth_time[event["owner_id"]]


def test_explicit_events_extension_and_errors(http: requests.Session) -> None:
    with Sandbox(fast_config()) as sb:
        base = f"{sb.url}/_sandbox/schedule"
        added = http.post(
            base,
            json={
                "kind": "upload",
                "athlete_id": 1001,
                "at": "2026-11-27T10:30:00Z",
                "fields": {"distance": 9000.0, "start_date": "2026-11-27T09:40:00Z"},
            },
        )
        assert added.status_code == 201 and added.json()["kind"] == "upload"
        assert http.get(base).json()["next_due"] == "2026-11-27T10:30:00Z"
        advanced = http.post(f"{base}/advance", json={"until": "2026-11-27T11:00:00Z"}).json()
        assert (advanced["fired"], advanced["pending"], advanced["next_due"]) == (1, 0, None)
        newest = sb.activities(1001)[-1]
        assert (newest["distance"], newest["start_date"]) == (9000.0, "2026-11-27T09:40:00Z")
        renamed = http.post(
            base,
            json={
                "kind": "title",
                "athlete_id": 1001,
                "at": "2026-11-27T11:10:00Z",
                "activity_id": newest["id"],
                "fields": {"name": "Renamed"},
            },
        )
        assert renamed.status_code == 201
        http.post(f"{sb.url}/_sandbox/clock", json={"advance_s": 900})
        assert sb.activity(newest["id"])["name"] == "Renamed"

        def refused(body: dict[str, object]) -> str:
            response = http.post(base, json=body)
            assert response.status_code == 400, response.text
            return str(response.json()["error"])

        assert "kind" in refused({"kind": "explode", "athlete_id": 1001, "at": "2026-11-28T00:00Z"})
        assert "activity_id" in refused(
            {"kind": "note", "athlete_id": 1001, "at": "2026-11-28T00:00Z"}
        )
        assert "distanse" in refused(
            {
                "kind": "upload",
                "athlete_id": 1001,
                "at": "2026-11-28T00:00Z",
                "fields": {"distanse": 1},
            }
        )
        assert "no population" in refused({"days": 1})
        assert http.delete(base).json() == {"dropped": 0}


def test_schedule_extends_day_by_day_without_duplicates() -> None:
    with Sandbox(fast_config(seed=False)) as one_go, Sandbox(fast_config(seed=False)) as stepwise:
        one_go.seed_population(athletes=5, schedule_days=3)
        stepwise.seed_population(athletes=5, schedule_days=1)
        stepwise.extend_schedule(1)
        stepwise.extend_schedule(1)

        def uploads(sb: Sandbox) -> list[tuple[int, str]]:
            items = sb.schedule(include_pending=True)["items"]
            return sorted((e["athlete_id"], e["due"]) for e in items if e["kind"] == "upload")

        assert uploads(one_go) == uploads(stepwise)
        assert len(uploads(one_go)) in range(28, 33)
