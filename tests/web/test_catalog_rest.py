"""REST routes of the promo-code, waitlist, About-page and category tools."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from starlette.testclient import TestClient

from aitickets.settings import Settings
from persistence.db import Database
from tests.conftest import auth
from tests.factories import make_event, make_tier

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


@pytest.fixture
def staff(client: TestClient) -> dict[str, str]:
    created = client.post("/api/keys", json={"name": "box office", "role": "staff"}, headers=auth())
    return auth(created.json()["key"])


@pytest.fixture
def event_id(settings: Settings) -> int:
    return seed(settings, make_event)


def assert_error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code and body["message"]
    return str(body["message"])


# --- promo codes -----------------------------------------------------------------------------


def test_promo_code_lifecycle_over_rest(client: TestClient, staff, settings, event_id) -> None:
    tier_id = seed(settings, lambda db: make_tier(db, event_id, price_cents=4000))
    created = client.post(
        "/api/promo-codes", json={"code": "vip25", "kind": "percent", "amount": 25}, headers=staff
    )
    assert created.status_code == 201 and created.json()["code"] == "VIP25"
    promo_id = created.json()["id"]

    check = client.post(
        "/api/promo-codes/validate",
        json={"code": "VIP25", "event_id": event_id, "tier_id": tier_id, "quantity": 2},
    )
    assert check.status_code == 200
    assert check.json()["valid"] is True and check.json()["discount_cents"] == 2000
    assert "uses" not in check.json()

    off = client.post(f"/api/promo-codes/{promo_id}/deactivate", headers=staff)
    assert off.status_code == 200 and off.json()["active"] is False
    again = client.post("/api/promo-codes/validate", json={"code": "VIP25", "event_id": event_id})
    assert again.json()["valid"] is False and again.json()["reason"]
    listed = client.get("/api/promo-codes?active_only=false", headers=staff).json()
    assert [p["code"] for p in listed["promo_codes"]] == ["VIP25"]

    assert_error(client.delete(f"/api/promo-codes/{promo_id}", headers=staff), 403, "forbidden")
    assert client.delete(f"/api/promo-codes/{promo_id}", headers=auth()).status_code == 200
    assert_error(client.delete(f"/api/promo-codes/{promo_id}", headers=auth()), 404, "not_found")


def test_promo_code_bad_input_and_roles_are_4xx(client: TestClient, staff) -> None:
    body = {"code": "SAVE", "kind": "fixed", "amount": 500}
    assert_error(client.post("/api/promo-codes", json=body), 403, "forbidden")
    assert_error(client.get("/api/promo-codes"), 403, "forbidden")
    bad = {"code": "SAVE", "kind": "percent", "amount": 150}
    assert "between 1 and 100" in assert_error(
        client.post("/api/promo-codes", json=bad, headers=staff), 422, "invalid_input"
    )
    assert client.post("/api/promo-codes", json=body, headers=staff).status_code == 201
    assert_error(client.post("/api/promo-codes", json=body, headers=staff), 409, "conflict")
    assert_error(client.post("/api/promo-codes/abc/activate", headers=staff), 422, "invalid_input")
    unknown = {"code": "SAVE", "event_id": 12345}
    assert_error(client.post("/api/promo-codes/validate", json=unknown), 404, "not_found")


# --- waitlist --------------------------------------------------------------------------------


def test_waitlist_over_rest(client: TestClient, staff, event_id) -> None:
    url = f"/api/events/{event_id}/waitlist"
    joined = client.post(url, json={"name": "Ann Lee", "email": "ann@example.com", "quantity": 2})
    assert joined.status_code == 201 and joined.json()["position"] == 1
    client.post(url, json={"name": "Bob Ray", "email": "bob@example.com"})

    place = client.get(f"{url}/position?email=bob@example.com")
    assert place.status_code == 200 and place.json()["position"] == 2
    assert "email" not in place.json()

    assert_error(client.get(url), 403, "forbidden")
    listing = client.get(url, headers=staff).json()
    assert [(e["name"], e["position"]) for e in listing["entries"]] == [
        ("Ann Lee", 1),
        ("Bob Ray", 2),
    ]

    removed = client.delete(f"{url}?email=ann@example.com", headers=staff)
    assert removed.status_code == 200 and removed.json()["removed"] is True
    assert client.get(f"{url}/position?email=bob@example.com").json()["position"] == 1
    bob_entry = listing["entries"][1]["id"]
    assert client.delete(f"/api/waitlist/{bob_entry}", headers=staff).json()["status"] == "removed"
    assert_error(client.get(f"{url}/position?email=bob@example.com"), 404, "not_found")


def test_waitlist_bad_input_is_422(client: TestClient, event_id) -> None:
    url = f"/api/events/{event_id}/waitlist"
    too_many = {"name": "Ann", "email": "ann@example.com", "quantity": 50}
    assert_error(client.post(url, json=too_many), 422, "invalid_input")
    assert_error(client.post(url, json={"name": "Ann", "email": "nope"}), 422, "invalid_input")
    assert_error(client.post(url, content=b"[1, 2]"), 422, "invalid_json")
    assert_error(
        client.post("/api/events/999/waitlist", json=too_many | {"quantity": 1}), 404, "not_found"
    )


# --- about page ------------------------------------------------------------------------------


def test_about_page_over_rest(client: TestClient, staff) -> None:
    assert_error(client.put("/api/about", json={"section": "hero", "body": "Hi"}), 403, "forbidden")
    message = assert_error(
        client.put("/api/about", json={"section": "bio", "body": "Hi"}, headers=staff),
        422,
        "invalid_input",
    )
    assert "mission" in message
    saved = client.put(
        "/api/about",
        json={"section": "hero", "title": "Welcome", "body": "<i>Hi</i>"},
        headers=staff,
    )
    assert saved.status_code == 200
    member = client.post(
        "/api/about/team-member", json={"name": "Maria Lopez", "title": "Booking"}, headers=staff
    )
    assert member.status_code == 201

    page = client.get("/api/about").json()
    assert page["sections"]["hero"] == {
        "title": "Welcome",
        "body": "<i>Hi</i>",
        "updated_at": page["sections"]["hero"]["updated_at"],
    }
    assert [m["name"] for m in page["team"]] == ["Maria Lopez"]
    assert client.get("/api/about/team").json()["team"][0]["title"] == "Booking"

    gone = client.delete("/api/about/team-member?name=maria%20lopez", headers=staff)
    assert gone.status_code == 200 and gone.json()["name"] == "Maria Lopez"
    assert_error(
        client.delete("/api/about/team-member?name=maria%20lopez", headers=staff), 404, "not_found"
    )
    bad_photo = {"name": "Eve", "photo_url": "javascript:alert(1)"}
    assert_error(
        client.post("/api/about/team-member", json=bad_photo, headers=staff), 422, "invalid_input"
    )


# --- categories ------------------------------------------------------------------------------


def test_categories_over_rest(client: TestClient, staff, event_id) -> None:
    jazz = client.post("/api/categories", json={"name": "Jazz", "color": "#123456"}, headers=staff)
    assert jazz.status_code == 201
    jazz_id = jazz.json()["id"]
    family_id = client.post("/api/categories", json={"name": "Family"}, headers=staff).json()["id"]
    assert_error(
        client.post("/api/categories", json={"name": "JAZZ"}, headers=staff), 409, "conflict"
    )

    tagged = client.post(
        f"/api/events/{event_id}/categories",
        json={"category_ids": [jazz_id, family_id]},
        headers=staff,
    )
    assert tagged.status_code == 200 and len(tagged.json()["categories"]) == 2
    listing = client.get("/api/categories").json()["categories"]
    assert [(c["name"], c["upcoming_count"]) for c in listing] == [("Family", 1), ("Jazz", 1)]
    events = client.get(f"/api/categories/{jazz_id}/events").json()
    assert [e["id"] for e in events["events"]] == [event_id]

    untagged = client.delete(
        f"/api/events/{event_id}/categories?category_ids={jazz_id},{family_id}", headers=staff
    )
    assert untagged.status_code == 200 and untagged.json()["categories"] == []
    assert client.get(f"/api/events/{event_id}/categories").json()["categories"] == []

    renamed = client.put(f"/api/categories/{jazz_id}", json={"name": "Jazz & Blues"}, headers=staff)
    assert renamed.json()["name"] == "Jazz & Blues"
    assert_error(client.delete(f"/api/categories/{jazz_id}", headers=staff), 403, "forbidden")
    assert client.delete(f"/api/categories/{jazz_id}", headers=auth()).status_code == 200


def test_category_in_use_needs_force_over_rest(client: TestClient, staff, event_id) -> None:
    jazz_id = client.post("/api/categories", json={"name": "Jazz"}, headers=staff).json()["id"]
    client.post(
        f"/api/events/{event_id}/categories", json={"category_ids": [jazz_id]}, headers=staff
    )
    message = assert_error(
        client.delete(f"/api/categories/{jazz_id}", headers=auth()), 409, "category_in_use"
    )
    assert "force" in message
    forced = client.delete(f"/api/categories/{jazz_id}?force=true", headers=auth())
    assert forced.status_code == 200 and forced.json()["events_untagged"] == 1
    unknown = client.post(
        f"/api/events/{event_id}/categories", json={"category_ids": [4040]}, headers=staff
    )
    assert "4040" in assert_error(unknown, 404, "not_found")
    assert_error(
        client.post("/api/categories", json={"name": "X", "color": "red"}, headers=staff),
        422,
        "invalid_input",
    )
