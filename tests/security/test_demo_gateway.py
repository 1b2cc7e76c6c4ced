"""The demo (TEST MODE) gateway: paying needs the order's access token, not just the checkout
session id that travels in URLs; it is impossible once a real gateway is configured; and the
checkout status route never hands out an order's access token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from aitickets.errors import Forbidden, InvalidInput, NotFound
from persistence.models import Checkout
from tests.conftest import NOW
from tests.factories import make_event, make_tier

BUYER = {"name": "Ada Lovelace", "email": "ada@example.com"}


@pytest.fixture
async def order(db, call):  # type: ignore[no-untyped-def]
    event = await make_event(db, starts_at=NOW + timedelta(days=5))
    tier = await make_tier(db, event, "Balcony", price_cents=3000, capacity=4)
    return await call(
        "purchase_tickets", as_="public", event_id=event, tier_id=tier, quantity=2, customer=BUYER
    )


async def _session(db, order_id: int) -> str:  # type: ignore[no-untyped-def]
    async with db.sessions() as s:
        return str(await s.scalar(select(Checkout.session_id).where(Checkout.order_id == order_id)))


async def test_the_session_id_alone_pays_nothing(db, call, order) -> None:  # type: ignore[no-untyped-def]
    session_id = await _session(db, order.order_id)
    with pytest.raises(InvalidInput):  # the access token is required
        await call("complete_demo_checkout", as_="public", session_id=session_id)
    with pytest.raises(NotFound):  # and must be this order's
        await call(
            "complete_demo_checkout",
            as_="public",
            session_id=session_id,
            access_token="z" * 32,
        )
    paid = await call(
        "complete_demo_checkout",
        as_="public",
        session_id=session_id,
        access_token=order.access_token,
    )
    assert paid.status == "paid"


async def test_no_demo_payment_once_a_real_gateway_is_configured(db, call, order, settings) -> None:  # type: ignore[no-untyped-def]
    session_id = await _session(db, order.order_id)
    settings.stripe_secret_key = "sk_test_configured_later"
    with pytest.raises(Forbidden):
        await call(
            "complete_demo_checkout",
            as_="public",
            session_id=session_id,
            access_token=order.access_token,
        )
    settings.stripe_secret_key = ""
    status = await call("get_checkout_status", as_="public", access_token=order.access_token)
    assert status.status == "pending"


async def test_the_status_route_never_returns_the_access_token(db, call, order) -> None:  # type: ignore[no-untyped-def]
    session_id = await _session(db, order.order_id)
    by_session = await call("get_checkout_status", as_="public", session_id=session_id)
    dumped = by_session.model_dump_json()
    assert order.access_token not in dumped
    assert by_session.checkout_url and order.access_token not in by_session.checkout_url


def test_the_demo_page_needs_the_token_too(client: TestClient, db, call) -> None:  # type: ignore[no-untyped-def]
    async def build():  # type: ignore[no-untyped-def]
        event = await make_event(db, starts_at=NOW + timedelta(days=5))
        tier = await make_tier(db, event, "Balcony", price_cents=3000, capacity=4)
        return event, tier

    event, tier = client.portal.call(build)
    bought = client.post(
        f"/api/tickets/events/{event}/purchase",
        json={"tier_id": tier, "quantity": 1, "customer": BUYER},
    ).json()
    url = bought["checkout_url"].removeprefix("http://127.0.0.1:8000")
    path = url.split("?", 1)[0]
    assert client.get(path).status_code == 404  # the session id alone shows nothing
    assert client.get(url).status_code == 200
    status = client.get("/api/checkout/status", params={"session_id": path.rsplit("/", 1)[1]})
    assert status.status_code == 200 and bought["access_token"] not in status.text
