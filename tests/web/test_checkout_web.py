"""The demo gateway end to end through the REST routes and the TEST MODE checkout page: buy,
see the page, pay or cancel with CSRF protection, land on the return page, fetch the documents."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from aitickets.settings import Settings
from persistence.db import Database
from persistence.models import TicketTier
from tests.factories import make_event, make_tier

BUYER = {"name": "Ada Lovelace", "email": "ada@example.com"}


def _run(settings: Settings, build: Any) -> Any:
    async def run() -> Any:
        db = Database(settings.resolved_database_url)
        try:
            return await build(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """These tests drive the checkout machinery on tiers of a few seats, held by one buyer; the
    quotas that keep anonymous holds under a share of a tier (tools/hold_quotas.py) are off here
    and are tested in tests/security/test_seat_holds.py."""
    return settings.model_copy(update={"hold_share": 1.0, "holds_per_client": 1000})


@pytest.fixture
def show(settings: Settings) -> tuple[int, int]:
    async def build(db: Database) -> tuple[int, int]:
        event = await make_event(db, "Moonlight Sonata")
        return event, await make_tier(db, event, "Balcony", price_cents=3000, capacity=4)

    return _run(settings, build)


def _seats(settings: Settings, tier_id: int) -> tuple[int, int]:
    async def read(db: Database) -> tuple[int, int]:
        async with db.sessions() as s:
            tier = await s.get(TicketTier, tier_id)
            assert tier is not None
            return tier.sold, tier.held

    return _run(settings, read)


def _buy(client: TestClient, show, quantity: int = 2) -> dict[str, Any]:
    body = {"tier_id": show[1], "quantity": quantity, "customer": BUYER}
    response = client.post(f"/api/tickets/events/{show[0]}/purchase", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _open_page(client: TestClient, order: dict[str, Any]) -> tuple[str, str]:
    path = order["checkout_url"].removeprefix("http://127.0.0.1:8000")
    page = client.get(path)
    assert page.status_code == 200
    total = f"{order['total_cents'] / 100:.2f}"
    assert "TEST MODE" in page.text and "Moonlight Sonata" in page.text and total in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    assert f'name="access_token" value="{order["access_token"]}"' in page.text
    return path.split("?", 1)[0], csrf.group(1)


def _form(order: dict[str, Any], csrf: str) -> dict[str, str]:
    """What the page's Pay and Cancel forms send."""
    return {"csrf_token": csrf, "access_token": order["access_token"]}


def test_demo_checkout_pay_issues_tickets_and_returns_to_the_order(client, settings, show) -> None:
    order = _buy(client, show)
    assert (order["status"], order["tickets"]) == ("pending", [])
    assert _seats(settings, show[1]) == (0, 2)
    path, csrf = _open_page(client, order)
    paid = client.post(f"{path}/pay", data=_form(order, csrf), follow_redirects=False)
    assert paid.status_code == 303
    assert paid.headers["location"] == f"/checkout/return/{order['access_token']}?result=success"
    landing = client.get(paid.headers["location"])
    assert "Payment received" in landing.text and "TEST MODE" in landing.text
    assert f"/my-tickets/{order['access_token']}" in landing.text
    assert _seats(settings, show[1]) == (2, 0)
    status = client.get("/api/checkout/status", params={"access_token": order["access_token"]})
    assert status.json()["status"] == "paid"
    tickets = client.get(f"/api/orders/{order['order_id']}", headers=_staff(client))
    assert len(tickets.json()["tickets"]) == 2


def _staff(client: TestClient) -> dict[str, str]:
    from tests.conftest import auth

    return auth()


def test_demo_checkout_cancel_releases_the_seats(client, settings, show) -> None:
    order = _buy(client, show, quantity=4)
    path, csrf = _open_page(client, order)
    gone = _buy_status(client, show)
    assert gone == 409
    cancelled = client.post(f"{path}/cancel", data=_form(order, csrf), follow_redirects=False)
    assert cancelled.status_code == 303
    landing = client.get(cancelled.headers["location"])
    assert "Nothing was charged" in landing.text
    assert _seats(settings, show[1]) == (0, 0)
    assert _buy_status(client, show) == 201


def _buy_status(client: TestClient, show) -> int:
    body = {"tier_id": show[1], "quantity": 1, "customer": BUYER}
    return client.post(f"/api/tickets/events/{show[0]}/purchase", json=body).status_code


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_pay_without_the_csrf_token_is_refused(client, settings, show, token) -> None:
    order = _buy(client, show)
    path, _ = _open_page(client, order)
    data = {"access_token": order["access_token"]}
    if token is not None:
        data["csrf_token"] = token
    response = client.post(f"{path}/pay", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert _seats(settings, show[1]) == (0, 2)


def test_pay_from_another_site_without_the_cookie_is_refused(client, settings, show) -> None:
    order = _buy(client, show)
    path, csrf = _open_page(client, order)
    client.cookies.clear()
    response = client.post(f"{path}/pay", data=_form(order, csrf), follow_redirects=False)
    assert response.status_code == 403
    assert _seats(settings, show[1]) == (0, 2)


def test_unknown_checkout_pages_are_404(client) -> None:
    assert client.get("/checkout/demo/demo_cs_nope").status_code == 404
    assert client.get("/checkout/return/" + "x" * 32).status_code == 404


def test_status_and_cancel_routes_validate_input(client) -> None:
    response = client.get("/api/checkout/status")
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_input"
    response = client.post("/api/checkout/cancel", json={"access_token": "y" * 32})
    assert response.status_code == 404


def test_buyer_documents_after_paying(client, settings, show) -> None:
    order = _buy(client, show)
    path, csrf = _open_page(client, order)
    client.post(f"{path}/pay", data=_form(order, csrf))
    detail = client.get(f"/api/orders/{order['order_id']}", headers=_staff(client)).json()
    ticket_id = detail["tickets"][0]["id"]
    base = f"/my-tickets/{order['access_token']}/tickets/{ticket_id}"
    pdf = client.get(f"{base}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    wallet = client.get(f"{base}.pkpass")
    assert wallet.headers["content-type"] == "application/vnd.apple.pkpass"
    assert wallet.content.startswith(b"PK")
    assert client.get(f"{base}/qr.png").content.startswith(b"\x89PNG")
    other = _buy(client, show, quantity=1)
    foreign = f"/my-tickets/{other['access_token']}/tickets/{ticket_id}.pdf"
    assert client.get(foreign).status_code == 404
    assert client.get(f"/my-tickets/{'z' * 32}/tickets/{ticket_id}.pdf").status_code == 404
