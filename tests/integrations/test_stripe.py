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

from aitickets.errors import Conflict
from aitickets.settings import Settings
from integrations.payments import PaymentUnavailable, StripeGateway
from persistence.db import Database
from persistence.models import (
    Checkout,
    Customer,
    DomainEvent,
    Order,
    PaymentEvent,
    PromoCode,
    PromoRedemption,
    Refund,
    Ticket,
    TicketTier,
)
from tests.conftest import ACTORS, NOW
from tests.factories import make_customer, make_event, make_ticket, make_tier
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
            # one buyer holds every seat of small tiers here; the quotas on anonymous holds
            # (tools/hold_quotas.py) are tested in tests/security/test_seat_holds.py
            "hold_share": 1.0,
            "holds_per_client": 1000,
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
    assert await _count(db, Ticket) == 0 and await _count(db, PromoRedemption) == 0
    # The pending order was committed before Stripe was called; it is left failed, not paid.
    async with db.sessions() as s:
        order = await s.scalar(select(Order))
        checkout = await s.scalar(select(Checkout))
        promo = await s.scalar(select(PromoCode))
        kinds = (await s.scalars(select(DomainEvent.kind).order_by(DomainEvent.id))).all()
    assert order is not None and checkout is not None
    assert (order.status, checkout.status) == ("failed", "failed")
    assert promo is not None and promo.uses == 0
    assert list(kinds) == ["promo.created", "customer.registered", "order.failed"]
    assert await _count(db, Customer) == 1


def test_stripe_down_is_a_502_over_rest(client: TestClient, settings, show, api) -> None:
    api.post("/v1/checkout/sessions").mock(side_effect=httpx.ReadTimeout("slow"))
    body = {"tier_id": show[1], "quantity": 1, "customer": BUYER}
    response = client.post(f"/api/tickets/events/{show[0]}/purchase", json=body)
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "payment_unavailable"


async def test_a_stripe_checkout_cannot_be_paid_through_the_demo_page(call, db, show, api) -> None:
    out = await _buy(call, show)
    from aitickets.errors import Forbidden

    with pytest.raises(Forbidden):  # with Stripe configured, the demo checkout is off
        await call(
            "complete_demo_checkout",
            as_="public",
            session_id="cs_test_1",
            access_token=out.access_token,
        )


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
    with pytest.raises(PaymentUnavailable, match="try the refund again"):
        await call("refund_order", as_="staff", order_id=order.id)
    # Only the intents remain, marked failed; no money counted as refunded.
    assert await _count(db, Refund) == await _count(db, Refund, Refund.status == "failed") == 3
    assert await _count(db, Ticket, Ticket.status == "valid") == 2
    assert (await _tier(db, show[1])).sold == 2
    async with db.sessions() as s:
        stored = await s.get(Order, order.id)
    assert stored is not None and (stored.status, stored.refunded_cents) == ("paid", 0)


async def test_a_retried_refund_sends_the_same_key_and_applies_once(
    runner: ToolRunner, call, db, show, api
) -> None:
    order = await _paid_order(runner, call, show)
    refunds = api.post("/v1/refunds")
    refunds.side_effect = [
        httpx.Response(503, text="unavailable"),
        httpx.Response(200, json={"id": "re_9", "object": "refund", "status": "succeeded"}),
    ]
    with pytest.raises(PaymentUnavailable):
        await call("refund_order", as_="staff", order_id=order.id)
    out = await call("refund_order", as_="staff", order_id=order.id)
    assert (out.tickets_refunded, out.refunded_cents) == (2, 5000)
    keys = [c.request.headers["idempotency-key"] for c in refunds.calls]
    assert len(keys) == 2 and keys[0] == keys[1]
    async with db.sessions() as s:
        rows = (await s.scalars(select(Refund))).all()
        stored = await s.get(Order, order.id)
    assert [(r.status, r.provider_ref) for r in rows] == [("succeeded", "re_9")] * 2
    assert stored is not None and (stored.status, stored.refunded_cents) == ("refunded", 5000)
    assert (await _tier(db, show[1])).sold == 0
    with pytest.raises(Conflict):
        await call("refund_order", as_="staff", order_id=order.id)
    assert refunds.call_count == 2


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


# --- no transaction open while Stripe is called ------------------------------------------------


async def _door_check_in(runner: ToolRunner, db: Database, ticket_id: int) -> str:
    """A check-in through the runner on the same Database, while "Stripe" is answering: with
    SQLite's one connection it can only finish if the purchase or refund is not holding it."""
    assert db.engine.pool.checkedout() == 0, "a connection is held during the gateway call"
    ticket = await runner.call("get_ticket", {"ticket_id": ticket_id}, ACTORS["staff"])
    done = await asyncio.wait_for(
        runner.call("check_in_ticket", {"qr_token": ticket.qr_token}, ACTORS["staff"]), 2
    )
    return done.status


@pytest.fixture
async def door_ticket(db: Database, show) -> int:
    customer = await make_customer(db, name="Ada Door", email="ada@example.com")
    return await make_ticket(db, show[0], show[1], customer)


async def test_checkout_creation_holds_no_transaction_so_the_door_keeps_working(
    runner: ToolRunner, call, db, show, api, door_ticket
) -> None:
    seen: list[str] = []

    async def stripe_answers(request: httpx.Request) -> httpx.Response:
        seen.append(await _door_check_in(runner, db, door_ticket))
        return httpx.Response(200, json=SESSION)

    api.post("/v1/checkout/sessions").mock(side_effect=stripe_answers)
    out = await _buy(call, show)
    assert seen == ["checked_in"]
    assert (out.status, out.checkout_url) == ("pending", SESSION["url"])
    async with db.sessions() as s:
        checkout = await s.scalar(select(Checkout))
    assert checkout is not None and (checkout.status, checkout.session_id) == ("open", "cs_test_1")
    assert (await _tier(db, show[1])).held == 2


async def test_a_refund_holds_no_transaction_so_the_door_keeps_working(
    runner: ToolRunner, call, db, show, api, door_ticket
) -> None:
    order = await _paid_order(runner, call, show)
    seen: list[str] = []

    async def stripe_answers(request: httpx.Request) -> httpx.Response:
        seen.append(await _door_check_in(runner, db, door_ticket))
        return httpx.Response(200, json={"id": "re_1", "object": "refund", "status": "succeeded"})

    api.post("/v1/refunds").mock(side_effect=stripe_answers)
    out = await call("refund_order", as_="staff", order_id=order.id)
    assert seen == ["checked_in"] and out.refunded_cents == 5000


async def test_cancelling_an_event_refunds_card_orders_outside_the_transaction(
    runner: ToolRunner, call, db, show, api, door_ticket
) -> None:
    await _paid_order(runner, call, show)
    seen: list[str] = []

    async def stripe_answers(request: httpx.Request) -> httpx.Response:
        seen.append(str(db.engine.pool.checkedout()))
        return httpx.Response(200, json={"id": "re_1", "object": "refund", "status": "succeeded"})

    api.post("/v1/refunds").mock(side_effect=stripe_answers)
    out = await call("cancel_event", as_="staff", event_id=show[0])
    assert seen == ["0"] and (out.tickets_refunded, out.refunded_cents) == (3, 5000 + 2500)
    assert await _count(db, Ticket, Ticket.status == "refunded") == 3
    assert (await _tier(db, show[1])).sold == 0


async def test_a_failed_refund_while_cancelling_keeps_the_cancellation_and_says_what_to_redo(
    runner: ToolRunner, call, db, show, api
) -> None:
    order = await _paid_order(runner, call, show)
    api.post("/v1/refunds").respond(503, text="unavailable")
    with pytest.raises(PaymentUnavailable, match=f"order {order.id}"):
        await call("cancel_event", as_="staff", event_id=show[0])
    async with db.sessions() as s:
        kinds = (await s.scalars(select(DomainEvent.kind))).all()
    assert "event.updated" in kinds and "ticket.refunded" not in kinds
    assert await _count(db, Ticket, Ticket.status == "valid") == 2
    api.post("/v1/refunds").respond(
        200, json={"id": "re_2", "object": "refund", "status": "succeeded"}
    )
    out = await call("refund_order", as_="staff", order_id=order.id)
    assert out.refunded_cents == 5000 and (await _tier(db, show[1])).sold == 0


async def test_a_failed_checkout_frees_the_last_seats_and_the_promo_for_the_next_buyer(
    call, db, api
) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, price_cents=2500, capacity=2)
    await call("create_promo_code", code="ONCE", kind="fixed", amount=500, max_uses=1)
    route = api.post("/v1/checkout/sessions")
    route.mock(side_effect=httpx.ConnectTimeout("timed out"))
    with pytest.raises(PaymentUnavailable):
        await _buy(call, (event_id, tier_id), promo_code="ONCE")
    route.mock(return_value=httpx.Response(200, json=SESSION))
    out = await _buy(call, (event_id, tier_id), promo_code="ONCE")
    assert (out.status, out.discount_cents) == ("pending", 500)
    assert (await _tier(db, tier_id)).held == 2


async def test_a_crash_while_stripe_is_called_leaves_a_hold_the_expiry_gives_back(
    call, db, show, api, clock, monkeypatch
) -> None:
    class Crash(BaseException):
        """The process dying mid-call: nothing after the gateway call runs."""

    async def die(self: Any, request: Any) -> None:
        raise Crash

    monkeypatch.setattr(StripeGateway, "create_checkout", die)
    await call("create_promo_code", code="TENOFF", kind="fixed", amount=1000)
    with pytest.raises(Crash):
        await _buy(call, show, promo_code="TENOFF")
    async with db.sessions() as s:
        checkout = await s.scalar(select(Checkout))
        order = await s.scalar(select(Order))
    assert checkout is not None and order is not None
    assert (checkout.status, order.status, checkout.url) == ("creating", "pending", "")
    assert (await _tier(db, show[1])).held == 2
    status = await call("get_checkout_status", as_="public", access_token=order.access_token)
    assert (status.status, status.checkout_url) == ("pending", None)
    clock.advance(minutes=31)
    assert (await call("expire_checkouts")).expired == 1
    assert (await _tier(db, show[1])).held == 0
    async with db.sessions() as s:
        promo = await s.scalar(select(PromoCode))
        stored = await s.get(Order, order.id)
    assert promo is not None and promo.uses == 0
    assert stored is not None and stored.status == "expired"


async def test_sold_out_is_answered_before_stripe_is_called(call, db, show, api) -> None:
    from aitickets.errors import SoldOut

    await _buy(call, show, quantity=10)
    with pytest.raises(SoldOut):
        await _buy(call, show, quantity=1)
    assert [c.request.url.path for c in api.calls] == ["/v1/checkout/sessions"]
    assert await _count(db, Order) == 1


async def test_payment_links_and_cancelled_checkouts_call_stripe_outside_a_transaction(
    call, db, show, api
) -> None:
    held: list[int] = []

    def answer(body: dict[str, Any]) -> Any:
        def effect(request: httpx.Request) -> httpx.Response:
            held.append(db.engine.pool.checkedout())
            return httpx.Response(200, json=body)

        return effect

    api.post("/v1/prices").mock(side_effect=answer({"id": "price_1", "object": "price"}))
    link = {"id": "plink_1", "object": "payment_link", "url": "https://buy.stripe.com/t1"}
    api.post("/v1/payment_links").mock(side_effect=answer(link))
    api.post("/v1/checkout/sessions/cs_test_1/expire").mock(
        side_effect=answer({**SESSION, "status": "expired"})
    )
    await call("create_payment_link", as_="staff", tier_id=show[1])
    out = await _buy(call, show)
    await call("cancel_checkout", as_="public", access_token=out.access_token)
    assert held == [0, 0, 0]
    assert (await _tier(db, show[1])).held == 0


async def test_a_second_refund_of_an_order_waits_while_the_first_is_at_stripe(
    runner: ToolRunner, call, db, show, api, clock
) -> None:
    order = await _paid_order(runner, call, show)
    first, second = (t.id for t in order.tickets)
    refused: list[str] = []

    async def stripe_answers(request: httpx.Request) -> httpx.Response:
        try:
            args = {"ticket_id": second, "amount_cents": 500}
            await runner.call("refund_ticket", args, ACTORS["staff"])
        except Conflict as exc:
            refused.append(exc.code)
        return httpx.Response(200, json={"id": "re_1", "object": "refund", "status": "succeeded"})

    refunds = api.post("/v1/refunds").mock(side_effect=stripe_answers)
    await call("refund_ticket", as_="staff", ticket_id=first)
    assert refused == ["refund_in_progress"] and refunds.call_count == 1
    async with db.sessions() as s:
        rows = (await s.scalars(select(Refund))).all()
    assert [(r.ticket_id, r.amount_cents, r.status) for r in rows] == [(first, 2500, "succeeded")]


async def test_a_crash_during_a_refund_leaves_an_intent_a_later_retry_completes(
    runner: ToolRunner, call, db, show, api, clock, monkeypatch
) -> None:
    order = await _paid_order(runner, call, show)

    class Crash(BaseException):
        pass

    async def die(self: Any, **kwargs: Any) -> None:
        raise Crash

    working = StripeGateway.refund
    monkeypatch.setattr(StripeGateway, "refund", die)
    with pytest.raises(Crash):
        await call("refund_order", as_="staff", order_id=order.id)
    assert await _count(db, Refund, Refund.status == "requested") == 2
    assert await _count(db, Ticket, Ticket.status == "valid") == 2
    monkeypatch.setattr(StripeGateway, "refund", working)
    with pytest.raises(Conflict):  # it might still be at Stripe
        await call("refund_order", as_="staff", order_id=order.id)
    clock.advance(minutes=3)
    refunds = api.post("/v1/refunds").respond(
        200, json={"id": "re_1", "object": "refund", "status": "succeeded"}
    )
    out = await call("refund_order", as_="staff", order_id=order.id)
    assert out.refunded_cents == 5000 and refunds.call_count == 1
    assert refunds.calls[0].request.headers["idempotency-key"].startswith("aitickets-order-")
    assert await _count(db, Refund) == await _count(db, Refund, Refund.status == "succeeded") == 2
