"""REST routes of selling, tickets and the door, including 200 concurrent buyers over HTTP."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx2
import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from aitickets.settings import Settings
from persistence.db import Database
from persistence.models import Order, Ticket, TicketTier
from tests.conftest import FixedClock, auth
from tests.factories import make_customer, make_event, make_ticket, make_tier

T = TypeVar("T")


def seed(settings: Settings, build: Callable[[Database], Awaitable[T]]) -> T:
    """Run a factory (or a read) against the test database from a sync test."""

    async def run() -> T:
        db = Database(settings.resolved_database_url)
        try:
            return await build(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


async def _sold_and_orders(db: Database, tier_id: int) -> tuple[int, int, int]:
    async with db.sessions() as s:
        tier = await s.get(TicketTier, tier_id)
        assert tier is not None
        orders = await s.scalar(select(func.count()).select_from(Order))
        tickets = await s.scalar(select(func.count()).select_from(Ticket))
        return tier.sold, int(orders or 0), int(tickets or 0)


def _key(client: TestClient, role: str) -> dict[str, str]:
    created = client.post("/api/keys", json={"name": f"{role} key", "role": role}, headers=auth())
    assert created.status_code == 201, created.text
    return auth(created.json()["key"])


@pytest.fixture
def staff(client: TestClient) -> dict[str, str]:
    return _key(client, "staff")


@pytest.fixture
def agent(client: TestClient) -> dict[str, str]:
    return _key(client, "agent")


@pytest.fixture
def show(settings: Settings) -> dict[str, int]:
    """An event with a free tier and a $25 tier."""

    async def build(db: Database) -> dict[str, int]:
        event = await make_event(db)
        return {
            "event": event,
            "free": await make_tier(db, event, "Free", price_cents=0),
            "paid": await make_tier(db, event, "General", price_cents=2500),
        }

    return seed(settings, build)


def _purchase(
    client: TestClient,
    event_id: int,
    tier_id: int,
    headers: dict[str, str] | None = None,
    **body: Any,
) -> Any:
    payload = {
        "tier_id": tier_id,
        "quantity": 1,
        "customer": {"name": "John Smith", "email": "john@example.com"},
        **body,
    }
    return client.post(
        f"/api/tickets/events/{event_id}/purchase", json=payload, headers=headers or {}
    )


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code and body["message"]
    return dict(body)


# --- purchases -------------------------------------------------------------------------------


def test_public_gets_free_tickets_at_once(client: TestClient, show) -> None:
    response = _purchase(client, show["event"], show["free"], quantity=2)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["payment_method"], body["total_cents"]) == ("paid", "free", 0)
    assert [t["status"] for t in body["tickets"]] == ["valid", "valid"]
    assert all(len(t["qr_token"]) >= 24 for t in body["tickets"])


def test_paid_tier_without_a_key_is_a_pending_checkout(client, settings, show) -> None:
    response = _purchase(client, show["event"], show["paid"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["tickets"], body["payment_method"]) == ("pending", [], "card")
    assert body["checkout_url"].startswith("http") and body["expires_at"]
    assert seed(settings, lambda db: _sold_and_orders(db, show["paid"])) == (0, 1, 0)


def test_box_office_sells_for_cash_with_a_staff_key(client, staff, show) -> None:
    response = _purchase(client, show["event"], show["paid"], staff, quantity=3, payment="cash")
    assert response.status_code == 201, response.text
    assert response.json()["total_cents"] == 7500
    order = client.get(f"/api/orders/{response.json()['order_id']}", headers=staff)
    assert order.status_code == 200 and len(order.json()["tickets"]) == 3


@pytest.mark.parametrize("payment", ["cash", "comp"])
def test_cash_and_comp_need_staff(client, agent, settings, show, payment) -> None:
    assert_error(_purchase(client, show["event"], show["paid"], payment=payment), 403, "forbidden")
    response = _purchase(client, show["event"], show["paid"], agent, payment=payment)
    assert_error(response, 403, "forbidden")
    assert seed(settings, lambda db: _sold_and_orders(db, show["paid"])) == (0, 0, 0)


@pytest.mark.parametrize("quantity", [0, -1, 51, 10**9, "lots"])
def test_bad_quantity_is_422_and_changes_nothing(client, staff, settings, show, quantity) -> None:
    response = _purchase(client, show["event"], show["paid"], staff, quantity=quantity)
    assert "quantity" in assert_error(response, 422, "invalid_input")["message"]
    assert seed(settings, lambda db: _sold_and_orders(db, show["paid"])) == (0, 0, 0)


def test_bad_requests_are_4xx_with_a_reason(client, staff, settings, show) -> None:
    assert_error(_purchase(client, show["event"], 999, staff, payment="cash"), 404, "not_found")
    other = seed(settings, lambda db: make_event(db, "Comedy Night"))
    assert_error(
        _purchase(client, other, show["paid"], staff, payment="cash"), 422, "invalid_input"
    )
    assert_error(_purchase(client, "abc", show["paid"], staff), 422, "invalid_input")
    response = client.post(
        f"/api/tickets/events/{show['event']}/purchase", content=b"{nope", headers=staff
    )
    assert_error(response, 422, "invalid_json")
    bad_email = _purchase(
        client, show["event"], show["free"], customer={"name": "X", "email": "nope"}
    )
    assert "email" in assert_error(bad_email, 422, "invalid_input")["message"]


def test_sold_out_is_409_with_what_is_left(client, staff, settings, show) -> None:
    tier = seed(settings, lambda db: make_tier(db, show["event"], "Tiny", capacity=2, sold=1))
    response = _purchase(client, show["event"], tier, staff, quantity=2, payment="cash")
    assert assert_error(response, 409, "sold_out")["details"] == {"remaining": 1}
    assert seed(settings, lambda db: _sold_and_orders(db, tier)) == (1, 0, 0)


# --- the door --------------------------------------------------------------------------------


def test_validate_needs_a_staff_key(client, staff, agent, show) -> None:
    sold = _purchase(client, show["event"], show["free"]).json()
    qr = sold["tickets"][0]["qr_token"]
    url = f"/api/tickets/validate/{qr}"
    assert_error(client.post(url), 403, "forbidden")
    assert_error(client.post(url, headers=agent), 403, "forbidden")
    assert_error(client.post(url, headers=auth("wrong-key-123")), 401, "unauthorized")
    ok = client.post(url, headers=staff)
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "checked_in"
    assert ok.json()["checked_in_at"].startswith("2026-11-24T17:00:00")
    again = assert_error(client.post(url, headers=staff), 409, "already_checked_in")
    assert again["details"]["checked_in_at"].startswith("2026-11-24T17:00:00")


def test_validate_with_event_id_refuses_other_events(client, staff, settings, show) -> None:
    other = seed(settings, lambda db: make_event(db, "Comedy Night"))
    qr = _purchase(client, show["event"], show["free"]).json()["tickets"][0]["qr_token"]
    url = f"/api/tickets/validate/{qr}"
    response = client.post(url, params={"event_id": other}, headers=staff)
    assert assert_error(response, 409, "wrong_event")["details"]["ticket_event_id"] == show["event"]
    assert client.post(url, params={"event_id": show["event"]}, headers=staff).status_code == 200
    assert_error(
        client.post(f"/api/tickets/validate/{'Z' * 30}", headers=staff), 404, "unknown_ticket"
    )
    assert_error(client.post("/api/tickets/validate/short", headers=staff), 422, "invalid_input")


def test_check_in_by_name_undo_and_stats_over_rest(client, staff, show) -> None:
    _purchase(
        client, show["event"], show["free"], customer={"name": "Sarah Lee", "phone": "555 010 0104"}
    )
    admitted = client.post(
        "/api/checkin/by-name", json={"name": "sara lee", "event_id": show["event"]}, headers=staff
    )
    assert admitted.status_code == 200, admitted.text
    [ticket] = admitted.json()["checked_in"]
    stats = client.get(f"/api/events/{show['event']}/checkin-stats", headers=staff).json()
    assert (stats["checked_in"], stats["expected"], stats["percent"]) == (1, 1, 100.0)
    undo = client.post(f"/api/tickets/{ticket['id']}/undo-checkin", headers=staff)
    assert undo.status_code == 200 and undo.json()["status"] == "valid"
    response = client.post(f"/api/tickets/{ticket['id']}/undo-checkin", headers=staff)
    assert_error(response, 409, "not_checked_in")
    stats = client.get(f"/api/events/{show['event']}/checkin-stats", headers=staff).json()
    assert stats["checked_in"] == 0
    assert_error(
        client.post("/api/checkin/by-name", json={"name": ""}, headers=staff), 422, "invalid_input"
    )


# --- tickets after the sale ------------------------------------------------------------------


def test_refund_and_cancel_over_rest(client, staff, settings, show) -> None:
    order = _purchase(client, show["event"], show["paid"], staff, quantity=2, payment="cash").json()
    first, second = (t["id"] for t in order["tickets"])
    refund = client.post(f"/api/tickets/{first}/refund", json={"reason": "ill"}, headers=staff)
    assert refund.status_code == 200 and refund.json()["refunded_cents"] == 2500
    assert_error(client.post(f"/api/tickets/{first}/refund", headers=staff), 409, "refunded")
    assert client.get(f"/api/tickets/{first}", headers=staff).json()["status"] == "refunded"
    too_much = client.post(
        f"/api/tickets/{second}/refund", json={"amount_cents": 9999}, headers=staff
    )
    assert_error(too_much, 422, "invalid_input")
    whole = client.post(f"/api/orders/{order['order_id']}/refund", headers=staff)
    assert whole.status_code == 200 and whole.json()["ticket_ids"] == [second]
    assert (
        client.get(f"/api/orders/{order['order_id']}", headers=staff).json()["status"] == "refunded"
    )
    assert seed(settings, lambda db: _sold_and_orders(db, show["paid"])) == (0, 1, 2)
    assert_error(client.post(f"/api/tickets/{first}/refund"), 403, "forbidden")
    assert_error(client.post("/api/tickets/999/cancel", headers=staff), 404, "not_found")


def test_transfer_and_guest_list_over_rest(client, staff, settings, show) -> None:
    async def build(db: Database) -> int:
        fan = await make_customer(db, "Fan")
        for holder in ("100% Fan", "Ann_Lee", "AnnXLee"):
            await make_ticket(db, show["event"], show["paid"], fan, holder_name=holder)
        return await make_ticket(db, show["event"], show["paid"], fan, holder_name="John Smith")

    ticket = seed(settings, build)
    old_qr = client.get(f"/api/tickets/{ticket}", headers=staff).json()["qr_token"]
    moved = client.post(
        f"/api/tickets/{ticket}/transfer",
        json={"to_name": "Mary Jones", "to_email": "mary@example.com"},
        headers=staff,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["qr_token"] != old_qr
    assert_error(
        client.post(f"/api/tickets/validate/{old_qr}", headers=staff), 404, "unknown_ticket"
    )

    guests = f"/api/events/{show['event']}/guests"
    by_q = {
        q: [
            g["holder_name"]
            for g in client.get(guests, params={"q": q}, headers=staff).json()["guests"]
        ]
        for q in ("%", "_", "mary")
    }
    assert by_q == {"%": ["100% Fan"], "_": ["Ann_Lee"], "mary": ["Mary Jones"]}
    assert client.get(guests, params={"status": "valid"}, headers=staff).json()["total"] == 4
    assert_error(client.get(guests, params={"status": "lost"}, headers=staff), 422, "invalid_input")
    assert_error(client.get(guests), 403, "forbidden")


# --- concurrency over HTTP -------------------------------------------------------------------


async def test_200_concurrent_http_buyers_of_50_seats(
    settings: Settings, clock: FixedClock, db: Database
) -> None:
    from web.app import create_app

    event = await make_event(db)
    tier = await make_tier(db, event, "Free", price_cents=0, capacity=50)
    app = create_app(settings, clock=clock, migrate_on_start=False)
    url = f"/api/tickets/events/{event}/purchase"

    async with app.router.lifespan_context(app):
        transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as http:

            async def buy(i: int) -> httpx2.Response:
                body = {
                    "tier_id": tier,
                    "quantity": 1,
                    "customer": {"name": f"Buyer {i}", "email": f"buyer{i}@example.com"},
                }
                return await http.post(url, json=body)

            responses = await asyncio.gather(*(buy(i) for i in range(200)))

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 50, 409: 150}, statuses
    codes = {r.json()["error"]["code"] for r in responses if r.status_code == 409}
    assert codes == {"sold_out"}
    assert await _sold_and_orders(db, tier) == (50, 50, 50)
