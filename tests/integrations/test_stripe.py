"""Stripe through its real SDK with the HTTP layer mocked by respx: Checkout Sessions (promo
applied as a coupon), faults that must leave nothing behind, webhooks (signature, replays,
duplicates, expiry, Payment Links) and refunds full and partial."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx
import stripe
from sqlalchemy import func, select
from starlette.testclient import TestClient

from aitickets.settings import Settings
from integrations.payments import PaymentUnavailable
from persistence.db import Database
from persistence.models import (
    Checkout,
    Customer,
    DomainEvent,
    Order,
    PaymentEvent,
    PromoCode,
    Refund,
    Ticket,
    TicketTier,
)
from tests.conftest import NOW
from tests.factories import make_event, make_tier
from tools.fulfilment import handle_stripe_webhook
from tools.runner import ToolRunner

SECRET = "whsec_test_secret"
SESSION = {
    "id": "cs_test_1",
    "object": "checkout.session",
    "url": "https://checkout.stripe.com/c/pay/cs_test_1",
    "status": "open",
    "payment_status": "unpaid",
}
BUYER = {"name": "Grace Hopper", "email": "grace@example.com"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "stripe_secret_key": "sk_test_abc",
            "stripe_webhook_secret": SECRET,
            "stripe_max_retries": 0,
            "stripe_timeout_seconds": 2,
        }
    )


@pytest.fixture
def api():
    with respx.mock(base_url="https://api.stripe.com", assert_all_called=False) as router:
        router.post("/v1/coupons").respond(200, json={"id": "co_1", "object": "coupon"})
        router.post("/v1/checkout/sessions").respond(200, json=SESSION)
        router.post("/v1/checkout/sessions/cs_test_1/expire").respond(
            200, json={**SESSION, "status": "expired"}
        )
        yield router


def _form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


async def _count(db: Database, model: type, *where: Any) -> int:
    async with db.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def _tier(db: Database, tier_id: int) -> TicketTier:
    async with db.sessions() as s:
        tier = await s.get(TicketTier, tier_id)
        assert tier is not None
        return tier


@pytest.fixture
async def show(db: Database) -> tuple[int, int]:
    event_id = await make_event(db)
    return event_id, await make_tier(db, event_id, price_cents=2500, capacity=10)


async def _buy(call, show, quantity: int = 2, **extra: Any) -> Any:
    return await call(
        "purchase_tickets",
        as_="public",
        event_id=show[0],
        tier_id=show[1],
        quantity=quantity,
        customer=BUYER,
        **extra,
    )


def _completed(event_id: str = "evt_1", **obj: Any) -> dict[str, Any]:
    session = {
        **SESSION,
        "status": "complete",
        "payment_status": "paid",
        "payment_intent": "pi_1",
        **obj,
    }
    return {"id": event_id, "type": "checkout.session.completed", "data": {"object": session}}


# --- checkout ----------------------------------------------------------------------------------


async def test_paid_purchase_opens_a_stripe_checkout_with_the_promo_as_a_coupon(
    call, db, show, api
) -> None:
    await call("create_promo_code", code="TENOFF", kind="fixed", amount=1000)
    out = await _buy(call, show, promo_code="TENOFF")
    assert (out.status, out.checkout_url, out.total_cents) == ("pending", SESSION["url"], 4000)
    coupon = _form(api.calls[0].request)
    assert (coupon["amount_off"], coupon["currency"], coupon["duration"]) == ("1000", "usd", "once")
    request = api.calls[1].request
    assert request.headers["authorization"] == "Bearer sk_test_abc"
    sent = _form(request)
    assert sent["mode"] == "payment"
    assert sent["line_items[0][price_data][unit_amount]"] == "2500"
    assert sent["line_items[0][quantity]"] == "2"
    assert sent["discounts[0][coupon]"] == "co_1"
    assert sent["client_reference_id"] == str(out.order_id)
    assert sent["customer_email"] == "grace@example.com"
    assert int(sent["expires_at"]) == int(NOW.timestamp()) + 30 * 60  # Stripe's minimum
    assert out.access_token in sent["success_url"]
    assert (await _tier(db, show[1])).held == 2


FAULTS = [
    pytest.param(httpx.ConnectTimeout("timed out"), id="timeout"),
    pytest.param(httpx.Response(500, json={"error": {"type": "api_error"}}), id="500"),
    pytest.param(httpx.Response(503, text="unavailable"), id="503"),
]


@pytest.mark.parametrize("fault", FAULTS)
async def test_stripe_failing_leaves_the_purchase_cleanly_failed(
    call, db, show, api, fault
) -> None:
    await call("create_promo_code", code="TENOFF", kind="fixed", amount=1000)
    route = api.post("/v1/checkout/sessions")
    if isinstance(fault, Exception):
        route.mock(side_effect=fault)
    else:
        route.mock(return_value=fault)
    with pytest.raises(PaymentUnavailable) as err:
        await _buy(call, show, promo_code="TENOFF")
    assert "nothing was changed" in err.value.message and err.value.http_status == 502
    tier = await _tier(db, show[1])
    assert (tier.sold, tier.held) == (0, 0)
    for model in (Order, Ticket, Checkout, Customer):
        assert await _count(db, model) == 0
    async with db.sessions() as s:
        promo = await s.scalar(select(PromoCode))
        kinds = (await s.scalars(select(DomainEvent.kind))).all()
    assert promo is not None and promo.uses == 0
    assert list(kinds) == ["promo.created"]


def test_stripe_down_is_a_502_over_rest(client: TestClient, settings, show, api) -> None:
    api.post("/v1/checkout/sessions").mock(side_effect=httpx.ReadTimeout("slow"))
    body = {"tier_id": show[1], "quantity": 1, "customer": BUYER}
    response = client.post(f"/api/tickets/events/{show[0]}/purchase", json=body)
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "payment_unavailable"


async def test_a_stripe_checkout_cannot_be_paid_through_the_demo_page(call, db, show, api) -> None:
    await _buy(call, show)
    from aitickets.errors import NotFound

    with pytest.raises(NotFound):
        await call("complete_demo_checkout", as_="public", session_id="cs_test_1")


async def test_cancelling_a_stripe_checkout_expires_it_at_stripe(call, db, show, api) -> None:
    out = await _buy(call, show)
    await call("cancel_checkout", as_="public", access_token=out.access_token)
    assert api.routes[2].call_count == 1  # /expire
    assert (await _tier(db, show[1])).held == 0


# --- webhooks ----------------------------------------------------------------------------------


def _post(client: TestClient, event: dict[str, Any], **sign: Any) -> httpx.Response:
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, SECRET, **sign)
    return client.post("/webhooks/stripe", content=payload, headers={"Stripe-Signature": header})


def _buy_rest(client: TestClient, show, quantity: int = 2) -> dict[str, Any]:
    body = {"tier_id": show[1], "quantity": quantity, "customer": BUYER}
    response = client.post(f"/api/tickets/events/{show[0]}/purchase", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _state(settings: Settings, show) -> tuple[int, int, int, int]:
    async def read() -> tuple[int, int, int, int]:
        db = Database(settings.resolved_database_url)
        try:
            tier = await _tier(db, show[1])
            purchased = await _count(db, DomainEvent, DomainEvent.kind == "ticket.purchased")
            return tier.sold, tier.held, await _count(db, Ticket), purchased
        finally:
            await db.dispose()

    return asyncio.run(read())


def test_signed_completion_issues_tickets_once_despite_replays(client, settings, show, api) -> None:
    order = _buy_rest(client, show)
    assert _state(settings, show) == (0, 2, 0, 0)
    first = _post(client, _completed())
    assert first.status_code == 200 and first.json()["outcome"] == "fulfilled"
    assert _state(settings, show) == (2, 0, 2, 1)
    replay = _post(client, _completed())
    assert replay.json()["outcome"] == "duplicate"
    other_id = _post(client, _completed("evt_2"))  # the same payment told twice
    assert other_id.json()["outcome"] == "duplicate"
    assert _state(settings, show) == (2, 0, 2, 1)
    status = client.get("/api/checkout/status", params={"access_token": order["access_token"]})
    assert status.json()["status"] == "paid"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Stripe-Signature": "t=1,v1=deadbeef"},
        {"Stripe-Signature": "garbage"},
    ],
    ids=["missing", "wrong", "malformed"],
)
def test_unsigned_or_badly_signed_webhooks_are_400(client, settings, show, api, headers) -> None:
    _buy_rest(client, show)
    response = client.post("/webhooks/stripe", content=json.dumps(_completed()), headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_signature"
    assert _state(settings, show) == (0, 2, 0, 0)


def test_a_signature_for_another_body_or_too_old_is_400(client, settings, show, api) -> None:
    _buy_rest(client, show)
    header = stripe.WebhookSignature.generate_signature_header(json.dumps(_completed()), SECRET)
    tampered = json.dumps(_completed(amount_total=1))
    response = client.post(
        "/webhooks/stripe", content=tampered, headers={"Stripe-Signature": header}
    )
    assert response.status_code == 400
    stale = _post(client, _completed(), timestamp=int(time.time()) - 600)
    assert stale.status_code == 400
    assert _state(settings, show) == (0, 2, 0, 0)


def test_expired_session_webhook_releases_the_hold(client, settings, show, api) -> None:
    order = _buy_rest(client, show, quantity=3)
    expired = {"id": "evt_x", "type": "checkout.session.expired", "data": {"object": SESSION}}
    assert _post(client, expired).json()["outcome"] == "released"
    assert _state(settings, show) == (0, 0, 0, 0)
    assert _post(client, {**expired, "id": "evt_y"}).json()["outcome"] == "already_closed"
    status = client.get("/api/checkout/status", params={"access_token": order["access_token"]})
    assert (status.json()["status"], status.json()["checkout_url"]) == ("expired", None)


def test_other_events_are_acknowledged_and_ignored(client, settings, show, api) -> None:
    event = {"id": "evt_o", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}
    response = _post(client, event)
    assert (response.status_code, response.json()["outcome"]) == (200, "ignored")


def test_webhooks_without_a_configured_secret_are_refused(client, settings, show) -> None:
    settings.stripe_webhook_secret = ""
    response = _post(client, _completed())
    assert response.status_code == 400


async def test_delayed_payment_methods_fulfil_on_async_success(
    runner: ToolRunner, call, db, show, api
) -> None:
    await _buy(call, show)
    pending = _completed(payment_status="unpaid")
    assert await handle_stripe_webhook(runner, pending) == "awaiting_payment"
    assert await _count(db, Ticket) == 0
    success = {**_completed("evt_2"), "type": "checkout.session.async_payment_succeeded"}
    assert await handle_stripe_webhook(runner, success) == "fulfilled"
    assert await _count(db, Ticket) == 2
    async with db.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(PaymentEvent)) == 2


# --- payment links -----------------------------------------------------------------------------


async def test_payment_link_is_created_at_stripe_and_fulfilled_by_its_webhook(
    runner: ToolRunner, call, db, show, api
) -> None:
    api.post("/v1/prices").respond(200, json={"id": "price_1", "object": "price"})
    api.post("/v1/payment_links").respond(
        200, json={"id": "plink_1", "object": "payment_link", "url": "https://buy.stripe.com/t1"}
    )
    link = await call("create_payment_link", as_="staff", tier_id=show[1], quantity=2)
    assert (link.url, link.provider, link.quantity) == ("https://buy.stripe.com/t1", "stripe", 2)
    price = _form(api.routes[3].calls[0].request)
    assert (price["unit_amount"], price["currency"]) == ("2500", "usd")
    sent = _form(api.routes[4].calls[0].request)
    assert (sent["line_items[0][price]"], sent["line_items[0][quantity]"]) == ("price_1", "2")

    paid = _completed(
        "evt_link",
        id="cs_link_1",
        payment_link="plink_1",
        amount_total=5000,
        amount_subtotal=5000,
        customer_details={"email": "linus@example.com", "name": "Linus T"},
    )
    assert await handle_stripe_webhook(runner, paid) == "fulfilled"
    assert await handle_stripe_webhook(runner, paid) == "duplicate"
    async with db.sessions() as s:
        order = await s.scalar(select(Order))
        holders = (await s.scalars(select(Ticket.holder_name))).all()
    assert order is not None
    assert (order.status, order.sold_by, order.total_cents) == ("paid", "payment_link", 5000)
    assert list(holders) == ["Linus T", "Linus T"]
    assert (await _tier(db, show[1])).sold == 2


async def test_payment_links_are_for_staff_and_paid_tiers(call, db, show, api) -> None:
    from aitickets.errors import Forbidden, InvalidInput

    with pytest.raises(Forbidden):
        await call("create_payment_link", as_="agent", tier_id=show[1])
    free = await make_tier(db, show[0], "Free", price_cents=0)
    with pytest.raises(InvalidInput):
        await call("create_payment_link", as_="staff", tier_id=free)


# --- refunds -----------------------------------------------------------------------------------


async def _paid_order(runner: ToolRunner, call, show) -> Any:
    out = await _buy(call, show, quantity=2)
    assert await handle_stripe_webhook(runner, _completed()) == "fulfilled"
    return await call("get_order", as_="staff", order_id=out.order_id)


async def test_partial_then_full_refunds_go_through_stripe(
    runner: ToolRunner, call, db, show, api
) -> None:
    refunds = api.post("/v1/refunds")
    refunds.side_effect = [
        httpx.Response(200, json={"id": "re_1", "object": "refund", "status": "succeeded"}),
        httpx.Response(200, json={"id": "re_2", "object": "refund", "status": "pending"}),
    ]
    order = await _paid_order(runner, call, show)
    first = order.tickets[0].id
    await call("refund_ticket", as_="staff", ticket_id=first, amount_cents=1000)
    sent = _form(refunds.calls[0].request)
    assert (sent["payment_intent"], sent["amount"]) == ("pi_1", "1000")
    assert refunds.calls[0].request.headers["idempotency-key"].startswith("aitickets-ticket-")
    out = await call("refund_order", as_="staff", order_id=order.id)
    assert (out.tickets_refunded, out.refunded_cents) == (2, 1500 + 2500)
    assert _form(refunds.calls[1].request)["amount"] == "4000"
    async with db.sessions() as s:
        rows = (await s.scalars(select(Refund).order_by(Refund.id))).all()
        stored = await s.get(Order, order.id)
    assert [(r.provider_ref, r.status) for r in rows] == [
        ("re_1", "succeeded"),
        ("re_2", "pending"),
        ("re_2", "pending"),
    ]
    assert stored is not None and (stored.status, stored.refunded_cents) == ("refunded", 5000)
    assert (await _tier(db, show[1])).sold == 0


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_failed_stripe_refund_changes_nothing_and_says_so(
    runner: ToolRunner, call, db, show, api, fault
) -> None:
    order = await _paid_order(runner, call, show)
    route = api.post("/v1/refunds")
    if isinstance(fault, Exception):
        route.mock(side_effect=fault)
    else:
        route.mock(return_value=fault)
    with pytest.raises(PaymentUnavailable, match="refunding"):
        await call("refund_ticket", as_="staff", ticket_id=order.tickets[0].id)
    with pytest.raises(PaymentUnavailable):
        await call("refund_order", as_="staff", order_id=order.id)
    assert await _count(db, Refund) == 0
    assert await _count(db, Ticket, Ticket.status == "valid") == 2
    assert (await _tier(db, show[1])).sold == 2
    async with db.sessions() as s:
        stored = await s.get(Order, order.id)
    assert stored is not None and (stored.status, stored.refunded_cents) == ("paid", 0)


async def test_cash_refunds_stay_records_without_calling_stripe(call, db, show, api) -> None:
    sale = await call(
        "purchase_tickets",
        as_="staff",
        event_id=show[0],
        tier_id=show[1],
        quantity=1,
        customer=BUYER,
        payment="cash",
    )
    await call("refund_order", as_="staff", order_id=sale.order_id)
    assert not any("/v1/refunds" in str(c.request.url) for c in api.calls)
    async with db.sessions() as s:
        refund = await s.scalar(select(Refund))
    assert refund is not None and (refund.status, refund.provider_ref) == ("recorded", None)
