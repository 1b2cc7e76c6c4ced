"""`/checkout/link/{id}`, the demo gateway's payment-link page: it shows what the link sells,
starts the same checkout as the event page (CSRF-protected), the buyer pays on the TEST MODE
checkout page and gets tickets; sold-out links offer nothing to pay, and unknown, switched-off
or expired links are a 404 page that says which."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from aitickets.settings import Settings
from persistence.db import Database
from persistence.models import PaymentLink, TicketTier
from tests.conftest import auth
from tests.factories import make_event, make_tier

BASE = "http://127.0.0.1:8000"
BUYER = {"name": "Ada Lovelace", "email": "ada@example.com"}


def _run(settings: Settings, work: Any) -> Any:
    async def run() -> Any:
        db = Database(settings.resolved_database_url)
        try:
            return await work(db)
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
def tier(settings: Settings) -> int:
    async def build(db: Database) -> int:
        event = await make_event(db, "Moonlight <b>Sonata</b> & Friends")
        return await make_tier(db, event, "Balcony", price_cents=3000, capacity=3)

    return int(_run(settings, build))


def _link(client: TestClient, tier_id: int, quantity: int = 2) -> str:
    made = client.post(
        f"/api/tiers/{tier_id}/payment-link", json={"quantity": quantity}, headers=auth()
    )
    assert made.status_code == 201, made.text
    url = str(made.json()["url"])
    assert url.startswith(f"{BASE}/checkout/link/demo_plink_")
    return url.removeprefix(BASE)


def _seats(settings: Settings, tier_id: int) -> tuple[int, int]:
    async def read(db: Database) -> tuple[int, int]:
        async with db.sessions() as s:
            row = await s.get(TicketTier, tier_id)
            assert row is not None
            return row.sold, row.held

    return tuple(_run(settings, read))  # type: ignore[return-value]


def _csrf(text: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert found is not None
    return found.group(1)


def test_the_page_shows_what_the_link_sells_escaped(client: TestClient, tier: int) -> None:
    page = client.get(_link(client, tier))
    assert page.status_code == 200
    assert "TEST MODE" in page.text and "Balcony" in page.text
    assert "2 × Balcony" in page.text and "$30.00" in page.text and "$60.00" in page.text
    assert "Moonlight &lt;b&gt;Sonata&lt;/b&gt; &amp; Friends" in page.text
    assert "<b>Sonata</b>" not in page.text
    assert page.headers["cache-control"] == "no-store"


def test_paying_a_link_ends_in_issued_tickets(
    client: TestClient, settings: Settings, tier: int
) -> None:
    path = _link(client, tier)
    csrf = _csrf(client.get(path).text)
    started = client.post(path, data={**BUYER, "csrf_token": csrf}, follow_redirects=False)
    assert started.status_code == 303
    checkout = started.headers["location"].removeprefix(BASE)
    assert checkout.startswith("/checkout/demo/demo_cs_")
    assert _seats(settings, tier) == (0, 2)
    demo = client.get(checkout)
    assert demo.status_code == 200 and "$60.00" in demo.text  # one money format
    page, _, query = checkout.partition("?access_token=")
    form = {"csrf_token": _csrf(demo.text), "access_token": query}
    paid = client.post(f"{page}/pay", data=form, follow_redirects=False)
    assert paid.status_code == 303
    landing = client.get(paid.headers["location"])
    assert "Payment received" in landing.text
    token = paid.headers["location"].split("/checkout/return/")[1].split("?")[0]
    mine = client.get(f"/my-tickets/{token}")
    assert mine.status_code == 200 and mine.text.count("Balcony") >= 2
    assert _seats(settings, tier) == (2, 0)


def test_a_link_for_more_seats_than_are_left_offers_nothing_to_pay(
    client: TestClient, settings: Settings, tier: int
) -> None:
    path = _link(client, tier)  # 3 seats, 2 a link: one buyer, then one seat is left
    csrf = _csrf(client.get(path).text)
    assert (
        client.post(path, data={**BUYER, "csrf_token": csrf}, follow_redirects=False).status_code
        == 303
    )
    page = client.get(path)
    assert page.status_code == 200
    assert "Sold out: only 1 left" in page.text and "Continue to payment" not in page.text
    late = client.post(path, data={**BUYER, "csrf_token": csrf}, follow_redirects=False)
    assert late.status_code == 409 and "Only 1 Balcony tickets are left." in late.text
    assert _seats(settings, tier) == (0, 2)


def test_bad_forms_change_nothing(client: TestClient, settings: Settings, tier: int) -> None:
    path = _link(client, tier)
    forged = client.post(path, data={**BUYER, "csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    csrf = _csrf(client.get(path).text)
    no_email = client.post(path, data={"name": "Ada", "csrf_token": csrf}, follow_redirects=False)
    assert no_email.status_code == 422 and "email" in no_email.text.lower()
    assert 'value="Ada"' in no_email.text  # what was typed is kept
    assert _seats(settings, tier) == (0, 0)


def test_unknown_switched_off_and_expired_links_are_404_pages(
    client: TestClient, settings: Settings, tier: int
) -> None:
    unknown = client.get("/checkout/link/demo_plink_nothere")
    assert unknown.status_code == 404 and "No payment link matches that address" in unknown.text
    path = _link(client, tier)

    async def switch_off(db: Database) -> None:
        async with db.unit_of_work() as s:
            await s.execute(update(PaymentLink).values(active=False))

    _run(settings, switch_off)
    off = client.get(path)
    assert off.status_code == 404 and "switched off" in off.text
    csrf = _csrf(client.get(_link(client, tier)).text)
    assert client.post(path, data={**BUYER, "csrf_token": csrf}).status_code == 404
    fresh = _link(client, tier)

    async def event_of(db: Database) -> int:
        async with db.sessions() as s:
            row = await s.get(TicketTier, tier)
            assert row is not None
            return row.event_id

    cancelled = client.post(
        f"/api/events/{_run(settings, event_of)}/cancel", json={}, headers=auth()
    )
    assert cancelled.status_code == 200, cancelled.text
    expired = client.get(fresh)
    assert expired.status_code == 404 and "This payment link has expired" in expired.text
    assert "was cancelled" in expired.text


def test_the_same_over_rest(client: TestClient, settings: Settings, tier: int) -> None:
    link_id = _link(client, tier).rsplit("/", 1)[1]
    shown = client.get(f"/api/payment-links/{link_id}")
    assert shown.status_code == 200 and shown.json()["total_cents"] == 6000
    started = client.post(f"/api/payment-links/{link_id}/checkout", json={"customer": BUYER})
    assert started.status_code == 201, started.text
    assert (
        started.json()["status"] == "pending"
        and "/checkout/demo/" in started.json()["checkout_url"]
    )
    assert _seats(settings, tier) == (0, 2)
    missing = client.post("/api/payment-links/demo_plink_gone/checkout", json={"customer": BUYER})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    junk = client.post(f"/api/payment-links/{link_id}/checkout", json={"customer": {"name": ""}})
    assert junk.status_code == 422 and _seats(settings, tier) == (0, 2)
