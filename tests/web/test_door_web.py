"""`/door` over HTTP: strangers are sent to /login, too weak a role gets 403; the page's calls
need the session cookie and the CSRF header, reach only the door's tools and run with the
signed-in role; the stream is the event's changes; manifest and service worker; a busy door is
never throttled as the public is."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from aitickets.settings import Settings
from persistence.db import Database
from tests.conftest import NOW, FixedClock, auth
from tests.factories import make_customer, make_event, make_ticket, make_tier, make_venue
from tests.web.test_login import sign_in

META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def _seed(settings: Settings) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        db = Database(settings.resolved_database_url)
        try:
            venue = await make_venue(db)
            event = await make_event(
                db, "Door Night", venue_id=venue, starts_at=NOW - timedelta(minutes=20)
            )
            tier = await make_tier(db, event, "GA")
            ann = await make_customer(db, "Ann Lee")
            ticket = await make_ticket(db, event, tier, ann, holder_name="Ann Lee")
            return {"event": event, "ticket": ticket}
        finally:
            await db.dispose()

    return asyncio.run(run())


@pytest.fixture
def world(client: TestClient, settings: Settings) -> dict[str, Any]:
    seeded = _seed(settings)
    token = client.get(f"/api/tickets/{seeded['ticket']}", headers=auth()).json()["qr_token"]
    return {**seeded, "qr": token}


def _door(client: TestClient) -> str:
    page = client.get("/door")
    assert page.status_code == 200, page.text
    match = META.search(page.text)
    assert match
    return match.group(1)


def _api(client: TestClient, tool: str, body: dict[str, Any], csrf: str | None) -> Any:
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    return client.post(f"/door/api/{tool}", json=body, headers=headers)


def _key(client: TestClient, role: str) -> str:
    created = client.post("/api/keys", json={"name": f"{role} web", "role": role}, headers=auth())
    return str(created.json()["key"])


def test_strangers_are_sent_to_sign_in_and_come_back(client: TestClient) -> None:
    answer = client.get("/door?event_id=1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/door%3Fevent_id%3D1"
    signed = sign_in(client, next_="/door?event_id=1")
    assert signed.headers["location"] == "/door?event_id=1"


def test_an_agent_session_may_not_open_the_door(client: TestClient) -> None:
    sign_in(client, key=_key(client, "agent"))
    page = client.get("/door")
    assert page.status_code == 403 and "staff" in page.text


def test_the_page_offers_tonights_event_and_is_installable(client: TestClient, world: dict) -> None:
    sign_in(client, key=_key(client, "staff"))
    page = client.get("/door")
    assert page.status_code == 200
    assert f'<option value="{world["event"]}" selected>Door Night' in page.text
    for junk in ("0", "999", "x", "9" * 30):  # a bad event in the address: tonight's instead
        odd = client.get(f"/door?event_id={junk}")
        assert odd.status_code == 200 and "selected>Door Night" in odd.text, junk
    assert 'rel="manifest" href="/door/manifest.webmanifest"' in page.text
    assert "/static/vendor/jsqr/jsQR.js" in page.text
    manifest = client.get("/door/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["start_url"] == "/door" and body["display"] == "standalone"
    assert {"192x192", "512x512"} <= {i["sizes"] for i in body["icons"]}
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    worker = client.get("/door/sw.js")
    assert worker.status_code == 200 and worker.headers["service-worker-allowed"] == "/door"
    assert "caches.open" in worker.text


def test_the_page_calls_door_tools_with_the_session_and_csrf(
    client: TestClient, world: dict
) -> None:
    sign_in(client, key=_key(client, "staff"))
    csrf = _door(client)
    no_header = _api(client, "check_in_ticket", {"qr_token": world["qr"]}, None)
    assert no_header.status_code == 403 and no_header.json()["error"]["code"] == "csrf"
    forged = _api(client, "check_in_ticket", {"qr_token": world["qr"]}, "0" * 64)
    assert forged.status_code == 403
    listed = _api(client, "get_door_list", {"event_id": world["event"]}, csrf)
    assert listed.status_code == 200 and listed.json()["tickets"][0]["qr_token"] == world["qr"]
    scan = {"qr_token": world["qr"], "event_id": world["event"], "method": "name"}
    admitted = _api(client, "check_in_ticket", scan, csrf)
    assert admitted.status_code == 200 and admitted.json()["holder_name"] == "Ann Lee"
    again = _api(client, "check_in_ticket", scan, csrf)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_checked_in"
    status = client.get(f"/api/tickets/{world['ticket']}", headers=auth()).json()["status"]
    assert status == "checked_in"


def test_only_door_tools_and_only_with_a_session(client: TestClient, world: dict) -> None:
    nobody = _api(client, "get_door_list", {"event_id": world["event"]}, "x")
    assert nobody.status_code == 401
    sign_in(client, key=_key(client, "staff"))
    csrf = _door(client)
    for tool in ("create_api_key", "refund_ticket", "no_such_tool"):
        refused = _api(client, tool, {}, csrf)
        assert refused.status_code == 404, tool
    junk = client.post("/door/api/get_door_list", content=b"[1, 2", headers={"X-CSRF-Token": csrf})
    assert junk.status_code == 422 and junk.json()["error"]["code"] == "invalid_json"
    bad = _api(client, "sync_door_scans", {"event_id": world["event"], "scans": "x"}, csrf)
    assert bad.status_code == 422


def test_a_revoked_key_ends_the_door_session(client: TestClient, world: dict) -> None:
    created = client.post("/api/keys", json={"name": "door", "role": "staff"}, headers=auth())
    sign_in(client, key=created.json()["key"])
    csrf = _door(client)
    client.delete(f"/api/keys/{created.json()['id']}", headers=auth())
    after = _api(client, "get_door_list", {"event_id": world["event"]}, csrf)
    assert after.status_code == 401
    assert client.get("/door", follow_redirects=False).status_code == 303


@pytest.fixture
def quick(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    """Short streams, and a public limit a door would hit at once if it counted."""
    from web.app import create_app

    fast = settings.model_copy(
        update={
            "sse_max_seconds": 0.3,
            "sse_poll_seconds": 0.05,
            "sse_heartbeat_seconds": 0.1,
            "rate_limit_public": "8/60",
        }
    )
    with TestClient(create_app(fast, clock=clock, migrate_on_start=False)) as test_client:
        yield test_client


def test_the_stream_sends_the_events_changes(quick: TestClient, settings: Settings) -> None:
    seeded = _seed(settings)
    assert quick.get(f"/door/stream?event_id={seeded['event']}").status_code == 401
    sign_in(quick)
    assert quick.get("/door/stream").status_code == 422
    qr = quick.get(f"/api/tickets/{seeded['ticket']}", headers=auth()).json()["qr_token"]
    quick.post(f"/api/tickets/validate/{qr}", headers=auth())
    with quick.stream("GET", f"/door/stream?event_id={seeded['event']}&last_event_id=0") as resp:
        assert resp.status_code == 200
        text = "".join(resp.iter_text())
    kinds = re.findall(r"^event: (\S+)", text, re.M)
    assert "ticket.checked_in" in kinds and "auth.signed_in" not in kinds
    data = [json.loads(d) for d in re.findall(r"^data: (.+)$", text, re.M)]
    assert all(d["event_id"] == seeded["event"] for d in data)
    assert qr not in text  # tokens never travel on the stream


def test_a_busy_door_is_not_throttled_like_the_public(
    quick: TestClient, settings: Settings
) -> None:
    seeded = _seed(settings)
    sign_in(quick)
    csrf = _door(quick)
    for _ in range(12):  # beyond the public limit of 8 a minute
        answer = _api(quick, "get_checkin_stats", {"event_id": seeded["event"]}, csrf)
        assert answer.status_code == 200
    quick.cookies.clear()
    limited = [quick.get("/events").status_code for _ in range(10)]
    assert 429 in limited  # the public limit itself still holds
