"""REST contract of the venue, event and ticket-tier tools."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from starlette.testclient import TestClient

from aitickets.settings import Settings
from persistence.db import Database
from tests.conftest import auth
from tests.factories import make_customer, make_ticket, make_tier, make_venue

T = TypeVar("T")


def seed(settings: Settings, build: Callable[[Database], Awaitable[T]]) -> T:
    """Run a factory against the test database from a sync test."""

    async def run() -> T:
        db = Database(settings.resolved_database_url)
        try:
            return await build(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


def _key(client: TestClient, role: str) -> dict[str, str]:
    created = client.post("/api/keys", json={"name": f"{role} key", "role": role}, headers=auth())
    assert created.status_code == 201
    return auth(created.json()["key"])


@pytest.fixture
def staff(client: TestClient) -> dict[str, str]:
    return _key(client, "staff")


@pytest.fixture
def venue_id(settings: Settings) -> int:
    return seed(settings, make_venue)


def assert_error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code and body["message"]
    return str(body["message"])


def _new_event(client: TestClient, headers: dict[str, str], venue_id: int, **extra: Any) -> int:
    body = {"name": "Jazz Night", "venue_id": venue_id, "starts_at": "2026-12-04T20:00:00-05:00"}
    created = client.post("/api/events", json=body | extra, headers=headers)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


# --- venues ----------------------------------------------------------------------------------


def test_venue_crud_over_rest(client: TestClient) -> None:
    body = {"name": "Blue Room", "capacity": 300, "timezone": "America/New_York"}
    created = client.post("/api/venues", json=body, headers=auth())
    assert created.status_code == 201
    venue = created.json()
    assert venue["timezone"] == "America/New_York" and isinstance(venue["id"], int)
    assert client.get(f"/api/venues/{venue['id']}").json()["name"] == "Blue Room"
    changed = client.put(f"/api/venues/{venue['id']}", json={"capacity": 250}, headers=auth())
    assert changed.status_code == 200 and changed.json()["capacity"] == 250
    listing = client.get("/api/venues?limit=10").json()
    assert listing["total"] == 1 and listing["venues"][0]["capacity"] == 250
    assert client.delete(f"/api/venues/{venue['id']}", headers=auth()).status_code == 200
    assert_error(client.get(f"/api/venues/{venue['id']}"), 404, "not_found")


def test_venue_bad_input_is_422_with_an_error_body(client: TestClient) -> None:
    bad_zone = {"name": "Blue Room", "timezone": "Mars/Olympus"}
    message = assert_error(
        client.post("/api/venues", json=bad_zone, headers=auth()), 422, "invalid_input"
    )
    assert "timezone" in message and "Mars/Olympus" in message
    negative = {"name": "Blue Room", "capacity": -10}
    assert "capacity" in assert_error(
        client.post("/api/venues", json=negative, headers=auth()), 422, "invalid_input"
    )
    assert client.get("/api/venues").json()["total"] == 0


def test_venue_roles_and_conflicts(client: TestClient, staff, venue_id) -> None:
    assert_error(client.post("/api/venues", json={"name": "X"}, headers=staff), 403, "forbidden")
    assert_error(client.post("/api/venues", json={"name": "X"}), 403, "forbidden")
    _new_event(client, staff, venue_id)
    assert "events" in assert_error(
        client.delete(f"/api/venues/{venue_id}", headers=auth()), 409, "conflict"
    )
    assert_error(
        client.put("/api/venues/abc", json={"capacity": 1}, headers=auth()), 422, "invalid_input"
    )


# --- events ----------------------------------------------------------------------------------


def test_event_and_tier_lifecycle_over_rest(client: TestClient, staff, venue_id) -> None:
    event_id = _new_event(client, staff, venue_id)
    tier = client.post(
        f"/api/events/{event_id}/tiers",
        json={"name": "GA", "price_cents": 2500, "capacity": 100},
        headers=staff,
    )
    assert tier.status_code == 201
    tier_id = tier.json()["id"]

    event = client.get(f"/api/events/{event_id}")
    assert event.status_code == 200
    body = event.json()
    assert body["id"] == event_id and body["venue_id"] == venue_id
    assert body["status"] == "scheduled"
    assert body["starts_at"].startswith("2026-12-05T01:00:00")
    [shown] = body["tiers"]
    assert {
        k: shown[k]
        for k in ("id", "name", "price_cents", "capacity", "sold", "remaining", "status")
    } == {
        "id": tier_id,
        "name": "GA",
        "price_cents": 2500,
        "capacity": 100,
        "sold": 0,
        "remaining": 100,
        "status": "on_sale",
    }

    paused = client.put(f"/api/tiers/{tier_id}", json={"status": "paused"}, headers=staff)
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    assert client.get(f"/api/events/{event_id}").json()["tiers"][0]["status"] == "paused"
    resumed = client.put(f"/api/tiers/{tier_id}", json={"status": "on_sale"}, headers=staff)
    assert resumed.json()["status"] == "on_sale"
    assert_error(
        client.put(f"/api/tiers/{tier_id}", json={"status": "closed"}, headers=staff),
        422,
        "invalid_input",
    )

    renamed = client.put(f"/api/events/{event_id}", json={"name": "Jazz Live"}, headers=staff)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Jazz Live"
    assert client.get("/api/events?q=live").json()["events"][0]["id"] == event_id

    assert client.delete(f"/api/tiers/{tier_id}", headers=staff).status_code == 200
    assert client.get(f"/api/events/{event_id}").json()["tiers"] == []
    assert_error(client.delete(f"/api/tiers/{tier_id}", headers=staff), 404, "not_found")

    assert_error(client.delete(f"/api/events/{event_id}", headers=staff), 403, "forbidden")
    deleted = client.delete(f"/api/events/{event_id}", headers=auth())
    assert deleted.status_code == 200 and deleted.json()["id"] == event_id
    assert_error(client.get(f"/api/events/{event_id}"), 404, "not_found")


def test_capacity_below_sold_and_delete_with_tickets_are_409(
    client: TestClient, staff, settings, venue_id
) -> None:
    event_id = _new_event(client, staff, venue_id)

    async def sell(db: Database) -> int:
        tier_id = await make_tier(db, event_id, capacity=10)
        await make_ticket(db, event_id, tier_id, await make_customer(db))
        await make_ticket(db, event_id, tier_id, await make_customer(db, "Ann Lee"))
        return tier_id

    tier_id = seed(settings, sell)
    assert_error(
        client.put(f"/api/tiers/{tier_id}", json={"capacity": 1}, headers=staff),
        409,
        "capacity_below_sold",
    )
    assert_error(client.delete(f"/api/tiers/{tier_id}", headers=staff), 409, "conflict")
    assert_error(client.delete(f"/api/events/{event_id}", headers=auth()), 409, "conflict")
    availability = client.get(f"/api/events/{event_id}/availability").json()
    assert (availability["sold"], availability["remaining"]) == (2, 8)

    cancelled = client.post(f"/api/events/{event_id}/cancel", json={}, headers=staff)
    assert cancelled.status_code == 200
    assert cancelled.json()["tickets_refunded"] == 2
    assert cancelled.json()["event"]["tiers"][0]["sold"] == 0
    assert_error(client.post(f"/api/events/{event_id}/cancel", headers=staff), 409, "conflict")


def test_create_event_bad_input_is_4xx(client: TestClient, staff, venue_id) -> None:
    naive = {"name": "Jazz", "venue_id": venue_id, "starts_at": "2026-12-04T20:00:00"}
    assert "time zone" in assert_error(
        client.post("/api/events", json=naive, headers=staff), 422, "invalid_input"
    )
    backwards = naive | {"starts_at": "2026-12-04T20:00:00Z", "ends_at": "2026-12-04T19:00:00Z"}
    assert_error(client.post("/api/events", json=backwards, headers=staff), 422, "invalid_input")
    unknown_venue = naive | {"starts_at": "2026-12-04T20:00:00Z", "venue_id": 999}
    assert_error(client.post("/api/events", json=unknown_venue, headers=staff), 404, "not_found")
    bad_category = naive | {"starts_at": "2026-12-04T20:00:00Z", "category_ids": [42]}
    assert_error(client.post("/api/events", json=bad_category, headers=staff), 404, "not_found")
    assert_error(
        client.put(f"/api/events/{_new_event(client, staff, venue_id)}", json={}, headers=staff),
        422,
        "invalid_input",
    )


@pytest.mark.parametrize(
    "raw", [b"{not json", b'{"name": "Jazz",}', b"[1, 2]", b'"a string"', b"\xff\xfe"]
)
def test_malformed_json_is_a_4xx_error_body(client: TestClient, staff, venue_id, raw) -> None:
    response = client.post(
        "/api/events", content=raw, headers=staff | {"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    error = response.json()["error"]
    assert error["code"] and error["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/events/abc"),
        ("GET", "/api/events/1.5"),
        ("GET", "/api/events/0"),
        ("GET", "/api/events/99999999999999999999999"),
        ("PUT", "/api/events/abc"),
        ("DELETE", "/api/events/abc"),
        ("POST", "/api/events/abc/tiers"),
        ("PUT", "/api/tiers/x"),
        ("DELETE", "/api/tiers/-1"),
        ("GET", "/api/venues/abc"),
    ],
)
def test_non_integer_ids_are_422_not_500(client: TestClient, method: str, path: str) -> None:
    json_body = {"name": "X"} if method in ("PUT", "POST") else None
    response = client.request(method, path, json=json_body, headers=auth())
    assert_error(response, 422, "invalid_input")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/events/4242", None),
        ("PUT", "/api/events/4242", {"name": "Ghost"}),
        ("DELETE", "/api/events/4242", None),
        ("POST", "/api/events/4242/tiers", {"name": "GA", "capacity": 10}),
        ("PUT", "/api/tiers/4242", {"status": "paused"}),
        ("DELETE", "/api/tiers/4242", None),
        ("GET", "/api/events/4242/availability", None),
        ("POST", "/api/events/4242/postpone", {}),
    ],
)
def test_unknown_ids_are_404(client: TestClient, method: str, path: str, body) -> None:
    assert_error(client.request(method, path, json=body, headers=auth()), 404, "not_found")


def test_roles_and_keys(client: TestClient, venue_id) -> None:
    body = {"name": "Jazz", "venue_id": venue_id, "starts_at": "2026-12-04T20:00:00Z"}
    assert_error(client.post("/api/events", json=body), 403, "forbidden")
    assert_error(
        client.post("/api/events", json=body, headers=_key(client, "agent")), 403, "forbidden"
    )
    assert_error(
        client.post("/api/events", json=body, headers=auth("wrong-key")), 401, "unauthorized"
    )
    assert_error(client.get("/api/events", headers=auth("wrong-key")), 401, "unauthorized")
    assert client.get("/api/events").json()["total"] == 0


def test_list_events_query_parameters(client: TestClient, staff, venue_id) -> None:
    jazz = client.post("/api/categories", json={"name": "Jazz"}, headers=staff).json()["id"]
    for day, name in ((1, "100% Jazz"), (5, "Jazz Brunch"), (10, "Comedy")):
        _new_event(
            client,
            staff,
            venue_id,
            name=name,
            starts_at=f"2026-12-{day:02d}T20:00:00-05:00",
            category_ids=[jazz] if "Jazz" in name else [],
        )
    _new_event(client, staff, venue_id, name="Draft Jazz", visibility="draft")

    def names(query: str, headers: dict[str, str] | None = None) -> list[str]:
        response = client.get(f"/api/events?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return [e["name"] for e in response.json()["events"]]

    assert names("q=100%25") == ["100% Jazz"]
    assert names("q=jazz") == ["100% Jazz", "Jazz Brunch"]
    assert names(f"category={jazz}") == ["100% Jazz", "Jazz Brunch"]
    assert names("category=JAZZ") == ["100% Jazz", "Jazz Brunch"]
    assert names("from=2026-12-03T00:00:00Z&to=2026-12-08T00:00:00Z") == ["Jazz Brunch"]
    assert "Draft Jazz" not in names("include_hidden=true")
    assert "Draft Jazz" in names("include_hidden=true", staff)
    page = client.get("/api/events?limit=1&offset=1").json()
    assert (page["total"], page["limit"], page["offset"]) == (3, 1, 1)
    assert [e["name"] for e in page["events"]] == ["Jazz Brunch"]
    for bad in ("limit=0", "limit=abc", "from=2026-12-03T00:00:00", "include_past=maybe"):
        assert_error(client.get(f"/api/events?{bad}"), 422, "invalid_input")


def test_postpone_and_recurring_over_rest(client: TestClient, staff, venue_id) -> None:
    event_id = _new_event(client, staff, venue_id)
    postponed = client.post(
        f"/api/events/{event_id}/postpone", json={"reason": "snow"}, headers=staff
    )
    assert postponed.status_code == 200 and postponed.json()["status"] == "postponed"
    series = client.post(
        "/api/events/recurring",
        json={
            "name": "Open Mic",
            "venue_id": venue_id,
            "first_starts_at": "2027-03-04T19:00:00-05:00",
            "frequency": "weekly",
            "occurrences": 3,
            "tiers": [{"name": "GA", "price_cents": 1000, "capacity": 50}],
        },
        headers=staff,
    )
    assert series.status_code == 201, series.text
    events = series.json()["events"]
    assert [len(e["tiers"]) for e in events] == [1, 1, 1]
    updated = client.put(
        f"/api/series/{series.json()['series_id']}", json={"name": "Open Mic Live"}, headers=staff
    )
    assert updated.status_code == 200 and updated.json()["updated"] == 3
    assert_error(
        client.post(
            "/api/events/recurring",
            json={
                "name": "Once",
                "venue_id": venue_id,
                "first_starts_at": "2027-03-04T19:00:00Z",
                "frequency": "weekly",
                "occurrences": 1,
            },
            headers=staff,
        ),
        422,
        "invalid_input",
    )
