"""The card-payment state machine with the demo gateway: pending orders hold seats, paying
issues tickets once, expiry and cancellation give seats and promo uses back, card refunds."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from aitickets.errors import Conflict, Forbidden, InvalidInput, NotFound, SoldOut
from aitickets.settings import Settings
from persistence.db import Database
from persistence.models import (
    Checkout,
    DomainEvent,
    Order,
    PromoCode,
    PromoRedemption,
    Refund,
    Ticket,
    TicketTier,
)
from tests.conftest import FixedClock
from tests.factories import make_event, make_tier
from tools.fulfilment import handle_stripe_webhook, release_expired_holds
from tools.runner import ToolRunner

BUYER = {"name": "Ada Lovelace", "email": "ada@example.com"}


async def _tier(db: Database, tier_id: int) -> TicketTier:
    async with db.sessions() as s:
        tier = await s.get(TicketTier, tier_id)
        assert tier is not None
        return tier


async def _count(db: Database, model: type, *where: Any) -> int:
    async with db.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def _kinds(db: Database) -> list[str]:
    async with db.sessions() as s:
        return list((await s.scalars(select(DomainEvent.kind).order_by(DomainEvent.id))).all())


async def _session_id(db: Database, order_id: int) -> str:
    async with db.sessions() as s:
        checkout = await s.scalar(select(Checkout).where(Checkout.order_id == order_id))
        assert checkout is not None
        return checkout.session_id


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """These tests drive the checkout machinery on tiers of a few seats, held by one buyer; the
    quotas that keep anonymous holds under a share of a tier (tools/hold_quotas.py) are off here
    and are tested in tests/security/test_seat_holds.py."""
    return settings.model_copy(update={"hold_share": 1.0, "holds_per_client": 1000})


@pytest.fixture
async def show(db: Database) -> tuple[int, int]:
    event_id = await make_event(db)
    return event_id, await make_tier(db, event_id, price_cents=2500, capacity=5)


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


async def test_paying_the_demo_checkout_moves_the_hold_to_sold_and_issues_tickets_once(
    call, db, show
) -> None:
    out = await _buy(call, show)
    session_id = await _session_id(db, out.order_id)
    paid = await call(
        "complete_demo_checkout",
        as_="public",
        session_id=session_id,
        access_token=out.access_token,
    )
    assert (paid.status, paid.checkout_status, paid.checkout_url) == ("paid", "complete", None)
    tier = await _tier(db, show[1])
    assert (tier.sold, tier.held) == (2, 0)
    assert await _count(db, Ticket, Ticket.order_id == out.order_id) == 2
    again = await call(
        "complete_demo_checkout",
        as_="public",
        session_id=session_id,
        access_token=out.access_token,
    )
    assert again.status == "paid"
    assert await _count(db, Ticket) == 2
    assert (await _kinds(db)).count("ticket.purchased") == 1
    async with db.sessions() as s:
        order = await s.get(Order, out.order_id)
        prices = (await s.scalars(select(Ticket.price_cents))).all()
    assert order is not None and order.payment_ref == f"demo_pi_{1}" and order.expires_at is None
    assert sorted(prices) == [2500, 2500]


async def test_held_seats_are_not_sold_to_anyone_else(call, db, show) -> None:
    await _buy(call, show, quantity=4)
    with pytest.raises(SoldOut) as err:
        await _buy(call, show, quantity=2)
    assert err.value.details["remaining"] == 1
    with pytest.raises(SoldOut):
        await call(
            "purchase_tickets",
            as_="staff",
            event_id=show[0],
            tier_id=show[1],
            quantity=2,
            customer=BUYER,
            payment="cash",
        )
    assert (await _tier(db, show[1])).held == 4


async def test_a_sold_out_paid_tier_is_409_before_any_checkout(call, db) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, price_cents=2500, capacity=3, sold=3)
    with pytest.raises(SoldOut):
        await _buy(call, (event_id, tier_id), quantity=1)
    assert await _count(db, Order) == 0 and await _count(db, Checkout) == 0


async def test_a_lapsed_hold_is_released_by_the_next_sale(call, db, show, clock) -> None:
    first = await _buy(call, show, quantity=5)
    clock.advance(minutes=14)
    with pytest.raises(SoldOut):
        await _buy(call, show, quantity=1)
    clock.advance(minutes=2)
    second = await _buy(call, show, quantity=3)
    assert second.status == "pending"
    tier = await _tier(db, show[1])
    assert (tier.sold, tier.held) == (0, 3)
    async with db.sessions() as s:
        expired = await s.get(Order, first.order_id)
    assert expired is not None and expired.status == "expired"
    assert "order.expired" in await _kinds(db)


async def test_release_expired_holds_for_the_periodic_job(call, db, show, clock) -> None:
    await _buy(call, show, quantity=2)
    await _buy(call, show, quantity=1)
    async with db.unit_of_work() as s:
        assert await release_expired_holds(s, clock()) == 0
    clock.advance(minutes=15)
    async with db.unit_of_work() as s:
        assert await release_expired_holds(s, clock()) == 2
    async with db.unit_of_work() as s:
        assert await release_expired_holds(s, clock()) == 0
    tier = await _tier(db, show[1])
    assert (tier.sold, tier.held) == (0, 0)
    out = await call("expire_checkouts", as_="admin")
    assert out.expired == 0
    with pytest.raises(Forbidden):
        await call("expire_checkouts", as_="staff")


async def test_paying_after_the_hold_lapsed_is_refused_by_the_demo(call, db, show, clock) -> None:
    out = await _buy(call, show)
    clock.advance(minutes=16)
    with pytest.raises(Conflict) as err:
        await call(
            "complete_demo_checkout",
            as_="public",
            session_id=await _session_id(db, out.order_id),
            access_token=out.access_token,
        )
    assert err.value.code == "expired"
    status = await call("get_checkout_status", as_="public", access_token=out.access_token)
    assert (status.status, status.checkout_url) == ("expired", None)
    assert (await _tier(db, show[1])).held == 0
    assert await _count(db, Ticket) == 0


async def test_cancel_releases_seats_and_the_promo_use(call, db, show) -> None:
    await call("create_promo_code", code="TENOFF", kind="fixed", amount=1000, max_uses=1)
    out = await _buy(call, show, promo_code="tenoff")
    assert (out.subtotal_cents, out.discount_cents, out.total_cents) == (5000, 1000, 4000)
    async with db.sessions() as s:
        promo = await s.scalar(select(PromoCode).where(PromoCode.code == "TENOFF"))
    assert promo is not None and promo.uses == 1
    cancelled = await call("cancel_checkout", as_="public", access_token=out.access_token)
    assert cancelled.status == "cancelled"
    async with db.sessions() as s:
        promo = await s.scalar(select(PromoCode).where(PromoCode.code == "TENOFF"))
    assert promo is not None and promo.uses == 0
    assert await _count(db, PromoRedemption) == 0
    assert (await _tier(db, show[1])).held == 0
    again = await call("cancel_checkout", as_="public", access_token=out.access_token)
    assert again.status == "cancelled"
    assert (await _kinds(db)).count("order.cancelled") == 1


async def test_a_paid_checkout_cannot_be_cancelled(call, db, show) -> None:
    out = await _buy(call, show)
    await call(
        "complete_demo_checkout",
        session_id=await _session_id(db, out.order_id),
        access_token=out.access_token,
    )
    with pytest.raises(Conflict):
        await call("cancel_checkout", as_="public", access_token=out.access_token)
    assert (await _tier(db, show[1])).sold == 2


@pytest.mark.parametrize("ref", [{}, {"access_token": "short"}])
async def test_checkout_lookups_need_a_good_reference(call, ref) -> None:
    with pytest.raises(InvalidInput):
        await call("get_checkout_status", as_="public", **ref)


async def test_both_references_must_name_the_same_checkout(call, db, show) -> None:
    mine, other = await _buy(call, show, quantity=1), await _buy(call, show, quantity=1)
    session_id = await _session_id(db, mine.order_id)
    both = await call(
        "get_checkout_status", as_="public", session_id=session_id, access_token=mine.access_token
    )
    assert both.order_id == mine.order_id
    with pytest.raises(NotFound):
        await call(
            "get_checkout_status",
            as_="public",
            session_id=session_id,
            access_token=other.access_token,
        )


async def test_unknown_checkouts_are_not_found(call) -> None:
    with pytest.raises(NotFound):
        await call("get_checkout_status", as_="public", access_token="n" * 32)
    with pytest.raises(NotFound):
        await call(
            "complete_demo_checkout",
            as_="public",
            session_id="demo_cs_nothing",
            access_token="x" * 32,
        )


async def test_a_full_promo_discount_skips_checkout(call, db, show) -> None:
    await call("create_promo_code", code="FREEBIE", kind="percent", amount=100)
    out = await _buy(call, show, promo_code="FREEBIE")
    assert (out.status, out.checkout_url, len(out.tickets)) == ("paid", None, 2)


async def test_card_refunds_of_demo_orders_go_through_the_gateway(call, db, show) -> None:
    out = await _buy(call, show, quantity=2)
    await call(
        "complete_demo_checkout",
        session_id=await _session_id(db, out.order_id),
        access_token=out.access_token,
    )
    order = await call("get_order", as_="staff", order_id=out.order_id)
    first, _ = (t.id for t in order.tickets)
    part = await call("refund_ticket", as_="staff", ticket_id=first, amount_cents=500)
    assert part.refunded_cents == 500
    full = await call("refund_order", as_="staff", order_id=out.order_id)
    assert (full.tickets_refunded, full.refunded_cents) == (2, 2000 + 2500)
    async with db.sessions() as s:
        refunds = (await s.scalars(select(Refund).order_by(Refund.id))).all()
    assert [r.status for r in refunds] == ["succeeded"] * 3
    assert all(r.provider_ref and r.provider_ref.startswith("demo_re_") for r in refunds)
    assert refunds[1].provider_ref == refunds[2].provider_ref  # one gateway refund per order
    assert (await _tier(db, show[1])).sold == 0


def _event(event_id: str, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "type": kind, "data": {"object": obj}}


async def test_a_payment_after_expiry_still_issues_tickets_when_seats_remain(
    runner: ToolRunner, call, db, show, clock: FixedClock
) -> None:
    out = await _buy(call, show, quantity=2)
    session_id = await _session_id(db, out.order_id)
    clock.advance(minutes=20)
    await call("expire_checkouts")
    paid = {"id": session_id, "payment_status": "paid", "payment_intent": "pi_late"}
    event = _event("evt_late", "checkout.session.completed", paid)
    assert await handle_stripe_webhook(runner, event) == "fulfilled_late"
    tier = await _tier(db, show[1])
    assert (tier.sold, tier.held) == (2, 0)
    assert await handle_stripe_webhook(runner, event) == "duplicate"


async def test_a_late_payment_for_seats_since_sold_is_marked_for_refund(
    runner: ToolRunner, call, db, show, clock: FixedClock
) -> None:
    out = await _buy(call, show, quantity=5)
    session_id = await _session_id(db, out.order_id)
    clock.advance(minutes=20)
    await _buy(call, show, quantity=5)  # releases the lapsed hold, holds all five again
    paid = {"id": session_id, "payment_status": "paid", "payment_intent": "pi_late"}
    outcome = await handle_stripe_webhook(
        runner, _event("evt_1", "checkout.session.completed", paid)
    )
    assert outcome == "refund_due"
    assert await _count(db, Ticket) == 0
    assert (await _tier(db, show[1])).held == 5
    refunded = await call("refund_order", as_="staff", order_id=out.order_id)
    assert (refunded.tickets_refunded, refunded.refunded_cents) == (0, 5 * 2500)
    async with db.sessions() as s:
        order = await s.get(Order, out.order_id)
    assert order is not None and order.status == "refunded"
