"""GET /events/stream: the outbox as server-sent events; filtered, resumable, scrubbed, staff."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from aitickets.settings import Settings
from persistence.db import Database
from persistence.models import DomainEvent
from tests.conftest import ACTORS, NOW, FixedClock, auth
from tools.runner import ToolRunner
from tools.stream import scrub
from web.sse import StreamFilter, stream


@pytest.fixture
def sse(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    """A client whose streams end after a short while, so a test can read one whole."""
    from web.app import create_app

    quick = settings.model_copy(
        update={"sse_max_seconds": 0.3, "sse_poll_seconds": 0.05, "sse_heartbeat_seconds": 0.1}
    )
    with TestClient(create_app(quick, clock=clock, migrate_on_start=False)) as test_client:
        yield test_client


def _key(client: TestClient, role: str) -> str:
    created = client.post("/api/keys", json={"name": f"{role} sse", "role": role}, headers=auth())
    return str(created.json()["key"])


def _events(client: TestClient, query: str = "", **headers: str) -> list[dict[str, Any]]:
    with client.stream("GET", "/events/stream" + query, headers={**auth(), **headers}) as resp:
        assert resp.status_code == 200, resp.read()
        assert resp.headers["content-type"].startswith("text/event-stream")
        text = "".join(resp.iter_text())
    out = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "data" in fields:
            data = json.loads(fields["data"])
            out.append({"sse_id": fields.get("id"), "event": fields.get("event"), **data})
    return out


def _venue(client: TestClient) -> int:
    return int(
        client.post("/api/venues", json={"name": "Hall", "timezone": "UTC"}, headers=auth()).json()[
            "id"
        ]
    )


def _show(client: TestClient, venue_id: int, name: str) -> int:
    body = {"name": name, "venue_id": venue_id, "starts_at": "2026-12-05T20:00:00Z"}
    response = client.post("/api/events", json=body, headers=auth())
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _add(
    db: Database, kind: str, payload: dict[str, Any], event_id: int | None = None
) -> None:
    async with db.unit_of_work() as session:
        session.add(
            DomainEvent(kind=kind, event_id=event_id, payload=payload, actor="t", created_at=NOW)
        )


def test_the_stream_needs_a_staff_key(sse: TestClient) -> None:
    assert sse.get("/events/stream").status_code == 401
    assert sse.get("/events/stream", headers=auth("wrong")).status_code == 401
    assert sse.get("/events/stream", headers=auth(_key(sse, "agent"))).status_code == 403
    headers = {"Upgrade": "websocket", "Connection": "Upgrade", "Last-Event-ID": "0"}
    assert sse.get("/events/stream", headers=headers).status_code == 401


def test_staff_keys_may_follow_it(sse: TestClient) -> None:
    staff = _key(sse, "staff")
    with sse.stream("GET", "/events/stream", headers=auth(staff)) as resp:
        assert resp.status_code == 200
        assert resp.headers["cache-control"] == "no-store"


def test_resume_from_last_event_id_replays_the_outbox_as_json(sse: TestClient) -> None:
    venue = _venue(sse)
    show = _show(sse, venue, "Replay Night")
    events = _events(sse, **{"Last-Event-ID": "0"})
    created = [e for e in events if e["kind"] == "event.created"]
    assert created and created[0]["event_id"] == show
    assert created[0]["event"] == "event.created" and created[0]["sse_id"] == str(created[0]["id"])
    assert created[0]["payload"]["name"] == "Replay Night"
    later = _events(sse, **{"Last-Event-ID": created[0]["sse_id"]})
    assert all(e["id"] > created[0]["id"] for e in later)


def test_without_a_cursor_only_new_events_are_sent(sse: TestClient) -> None:
    _show(sse, _venue(sse), "Old News")
    assert _events(sse) == []


def test_the_event_id_filter(sse: TestClient) -> None:
    venue = _venue(sse)
    first, second = _show(sse, venue, "First"), _show(sse, venue, "Second")
    events = _events(sse, f"?event_id={second}", **{"Last-Event-ID": "0"})
    assert events and {e["event_id"] for e in events} == {second}
    assert first not in {e["event_id"] for e in events}


def test_the_types_filter_with_a_wildcard(sse: TestClient) -> None:
    venue = _venue(sse)
    show = _show(sse, venue, "Typed")
    sse.put(f"/api/events/{show}", json={"name": "Typed Again"}, headers=auth())
    only_updates = _events(sse, "?types=event.updated&last_event_id=0")
    assert only_updates and {e["kind"] for e in only_updates} == {"event.updated"}
    every_event = _events(sse, "?types=event.*&last_event_id=0")
    assert {e["kind"] for e in every_event} >= {"event.created", "event.updated"}


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("?event_id=abc", {}),
        ("?event_id=-1", {}),
        ("?types=DROP TABLE", {}),
        ("?types=" + ",".join(["a.b"] * 21), {}),
        ("", {"Last-Event-ID": "nope"}),
        ("", {"Last-Event-ID": "99999999999999999999999"}),
    ],
)
def test_bad_filters_are_422(sse: TestClient, query: str, headers: dict[str, str]) -> None:
    response = sse.get("/events/stream" + query, headers={**auth(), **headers})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


async def test_no_phone_token_or_link_reaches_a_listener(sse: TestClient, db: Database) -> None:
    secret = {
        "customer_id": 7,
        "name": "Ann",
        "phone": "+15550100104",
        "qr_token": "qr-secret",
        "access_token": "acc-secret",
        "contact": {"mobile": "(555) 010-0104", "note": "see https://x.test/my-tickets/acc-secret"},
        "magic_link": "https://x.test/dashboard/1/login?token=abc",
        "tickets": [{"id": 1, "qr_token": "qr-2"}],
        "starts_at": "2026-12-05",
    }
    await _add(db, "customer.registered", secret)
    await _add(db, "dashboard.magic_link_sent", {"to": "+15550100104"}, event_id=1)
    await _add(db, "auth.code_sent", {"code": "123456"})
    events = _events(sse, "?last_event_id=0")
    text = json.dumps(events)
    for leaked in ("0100104", "qr-secret", "acc-secret", "qr-2", "token=abc", "123456"):
        assert leaked not in text
    assert [e["kind"] for e in events] == ["customer.registered"]
    assert events[0]["payload"]["name"] == "Ann"
    assert events[0]["payload"]["starts_at"] == "2026-12-05"


def test_heartbeats_keep_the_stream_alive(sse: TestClient) -> None:
    with sse.stream("GET", "/events/stream", headers=auth()) as resp:
        text = "".join(resp.iter_text())
    assert ": ping" in text
    assert "retry:" in text


def test_scrub_keeps_ordinary_values() -> None:
    payload = {"amount_cents": 2500, "changes": ["name"], "status_code": 3, "when": "2026-12-05"}
    assert scrub(payload) == payload
    assert scrub({"items": [{"phone_number": "1"}, {"n": 1}]}) == {"items": [{}, {"n": 1}]}


async def test_events_from_any_surface_arrive_as_they_happen(
    db: Database, runner: ToolRunner, settings: Settings
) -> None:
    received: list[Any] = []

    async def listen() -> None:
        async for item in stream(
            runner, ACTORS["staff"], StreamFilter(), 0, poll=0.02, max_seconds=1.0
        ):
            if item.data:
                received.append(json.loads(item.data))
                return

    task = asyncio.create_task(listen())
    await asyncio.sleep(0.1)
    assert received == []
    # A tool call as the voice agent or MCP would make it: the runner, another actor.
    await runner.call("create_venue", {"name": "Live Hall", "timezone": "UTC"}, ACTORS["admin"])
    await runner.call(
        "create_event",
        {"name": "Live", "venue_id": 1, "starts_at": "2026-12-05T20:00:00Z"},
        ACTORS["staff"],
    )
    await asyncio.wait_for(task, 5)
    assert received[0]["kind"] == "event.created"
    assert received[0]["actor"] == "door"
