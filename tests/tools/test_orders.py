"""Selling tickets: online and box-office purchases, the checks before a sale, promo codes, and
the guarantee that concurrent buyers never get more seats than there are."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from aitickets.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    SoldOut,
)
from persistence.db import Database
from persistence.models import (
    Customer,
    DomainEvent,
    Event,
    Order,
    PromoCode,
    PromoRedemption,
    Ticket,
    TicketTier,
)
from tests.conftest import ACTORS, NOW
from tests.factories import make_event, make_tier
from tools.runner import ToolRunner

BUYER = {"name": "John Smith", "email": "john@example.com"}


# --- helpers ---------------------------------------------------------------------------------


async def _set(db: Database, model: type, ident: int, **values: Any) -> None:
    async with db.unit_of_work() as s:
        row = await s.get(model, ident)
        assert row is not None
        for key, value in values.items():
            setattr(row, key, value)


async def _count(db: Database, model: type) -> int:
    async with db.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def _tier(db: Database, tier_id: int) -> TicketTier:
    async with db.sessions() as s:
        tier = await s.get(TicketTier, tier_id)
        assert tier is not None
        return tier


async def _events(db: Database, kind: str | None = None) -> list[DomainEvent]:
    query = select(DomainEvent).order_by(DomainEvent.id)
    if kind is not None:
        query = query.where(DomainEvent.kind == kind)
    async with db.sessions() as s:
        return list((await s.scalars(query)).all())


async def _promo(db: Database, code: str) -> PromoCode:
    async with db.sessions() as s:
        promo = await s.scalar(select(PromoCode).where(PromoCode.code == code))
        assert promo is not None
        return promo


async def _nothing_sold(db: Database, tier_id: int, sold: int = 0) -> None:
    """The sale left no trace: seats, orders, tickets, customers and the outbox unchanged."""
    assert (await _tier(db, tier_id)).sold == sold
    assert await _count(db, Order) == 0
    assert await _count(db, Ticket) == 0
    assert await _count(db, Customer) == 0
    assert await _events(db) == []


async def _buy(call, event_id: int, tier_id: int, as_: str = "staff", **extra: Any) -> Any:
    arguments: dict[str, Any] = {"quantity": 1, "customer": BUYER, **extra}
    return await call("purchase_tickets", as_=as_, event_id=event_id, tier_id=tier_id, **arguments)


@pytest.fixture
async def show(db: Database) -> tuple[int, int]:
    """A scheduled public event with a $25, 100-seat tier."""
    event_id = await make_event(db)
    return event_id, await make_tier(db, event_id, price_cents=2500, capacity=100)


# --- issuing tickets -------------------------------------------------------------------------


async def test_free_tier_online_issues_valid_tickets_with_unguessable_codes(call, db) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, "Free entry", price_cents=0)
    out = await _buy(call, event_id, tier_id, as_="public", quantity=3)
    assert (out.status, out.payment_method, out.total_cents, out.quantity) == ("paid", "free", 0, 3)
    assert [t.status for t in out.tickets] == ["valid"] * 3
    tokens = [t.qr_token for t in out.tickets]
    assert len(set(tokens)) == 3 and all(len(t) >= 24 for t in tokens)
    assert out.access_token not in tokens and len(out.access_token) >= 24
    assert (await _tier(db, tier_id)).sold == 3
    async with db.sessions() as s:
        order = await s.get(Order, out.order_id)
        stored = (await s.scalars(select(Ticket.qr_token).order_by(Ticket.id))).all()
    assert order is not None and order.sold_by == "online"
    assert list(stored) == tokens


@pytest.mark.parametrize("payment", [None, "card"])
async def test_paid_tier_online_is_a_pending_checkout_holding_seats(
    call, db, show, payment
) -> None:
    out = await _buy(call, *show, as_="public", quantity=2, payment=payment)
    assert (out.status, out.payment_method, out.total_cents, out.tickets) == (
        "pending",
        "card",
        5000,
        [],
    )
    assert out.checkout_url and "/checkout/demo/" in out.checkout_url
    tier = await _tier(db, show[1])
    assert (tier.sold, tier.held) == (0, 2)
    assert await _count(db, Ticket) == 0
    assert [e.kind for e in await _events(db)] == ["customer.registered", "order.pending"]


async def test_box_office_cash_sale_charges_price_times_quantity(call, db, show) -> None:
    out = await _buy(call, *show, quantity=4, payment="cash")
    assert (out.subtotal_cents, out.discount_cents, out.total_cents) == (10_000, 0, 10_000)
    assert out.payment_method == "cash" and len(out.tickets) == 4
    async with db.sessions() as s:
        order = await s.get(Order, out.order_id)
        prices = (await s.scalars(select(Ticket.price_cents))).all()
    assert order is not None and order.sold_by == "door"
    assert list(prices) == [2500] * 4
    assert (await _tier(db, show[1])).sold == 4


async def test_comp_issues_tickets_for_nothing(call, db, show) -> None:
    out = await _buy(call, *show, quantity=2, payment="comp")
    assert (out.subtotal_cents, out.total_cents, out.payment_method) == (5000, 0, "comp")
    async with db.sessions() as s:
        assert list((await s.scalars(select(Ticket.price_cents))).all()) == [0, 0]
    assert (await _tier(db, show[1])).sold == 2


@pytest.mark.parametrize("role", ["public", "agent"])
@pytest.mark.parametrize("payment", ["cash", "comp"])
async def test_only_staff_sell_for_cash_or_comp(call, db, show, role, payment) -> None:
    with pytest.raises(Forbidden):
        await _buy(call, *show, as_=role, payment=payment)
    await _nothing_sold(db, show[1])


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [0, -1, 51, 10**9, "two", None, 2.5])
async def test_bad_quantity_is_refused_and_changes_nothing(call, db, show, quantity) -> None:
    with pytest.raises(InvalidInput, match="quantity"):
        await _buy(call, *show, quantity=quantity, payment="cash")
    await _nothing_sold(db, show[1])


async def test_quantity_is_capped_by_the_tiers_max_per_order(call, db, show) -> None:
    await _set(db, TicketTier, show[1], max_per_order=4)
    with pytest.raises(InvalidInput, match="At most 4"):
        await _buy(call, *show, quantity=5, payment="cash")
    await _nothing_sold(db, show[1])
    assert len((await _buy(call, *show, quantity=4, payment="cash")).tickets) == 4


@pytest.mark.parametrize(
    "customer",
    [
        {"name": "John", "email": "not-an-email"},
        {"name": "John", "phone": "12"},
        {"name": "", "email": "john@example.com"},
        {"email": "john@example.com"},
        {"name": "John", "email": "john@example.com", "age": 40},
    ],
)
async def test_bad_buyer_details_are_refused(call, db, show, customer) -> None:
    with pytest.raises(InvalidInput):
        await _buy(call, *show, customer=customer, payment="cash")
    await _nothing_sold(db, show[1])


async def test_online_buyers_must_leave_an_email_or_phone_but_the_box_office_need_not(
    call, db
) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, price_cents=0)
    with pytest.raises(InvalidInput, match="email"):
        await _buy(call, event_id, tier_id, as_="public", customer={"name": "Walk In"})
    await _nothing_sold(db, tier_id)
    out = await _buy(call, event_id, tier_id, customer={"name": "Walk In"}, payment="cash")
    assert out.total_cents == 0 and len(out.tickets) == 1


async def test_unknown_fields_are_refused(call, db, show) -> None:
    with pytest.raises(InvalidInput, match="quantty"):
        await _buy(call, *show, quantty=2, payment="cash")


# --- what can be sold ------------------------------------------------------------------------


async def test_paused_tier_is_refused(call, db, show) -> None:
    await _set(db, TicketTier, show[1], status="paused")
    with pytest.raises(Conflict) as err:
        await _buy(call, *show, payment="cash")
    assert err.value.code == "tier_paused"
    await _nothing_sold(db, show[1])


async def test_cancelled_event_is_refused(call, db) -> None:
    event_id = await make_event(db, status="cancelled")
    tier_id = await make_tier(db, event_id)
    with pytest.raises(Conflict) as err:
        await _buy(call, event_id, tier_id, payment="cash")
    assert err.value.code == "event_cancelled"
    await _nothing_sold(db, tier_id)


async def test_tier_of_another_event_is_refused(call, db, show) -> None:
    other = await make_event(db, "Comedy Night")
    with pytest.raises(InvalidInput, match="another event"):
        await _buy(call, other, show[1], payment="cash")
    await _nothing_sold(db, show[1])


async def test_unknown_tier_is_not_found(call, db, show) -> None:
    with pytest.raises(NotFound):
        await _buy(call, show[0], 9999, payment="cash")


async def test_draft_event_is_invisible_to_the_public_but_staff_can_sell(call, db) -> None:
    event_id = await make_event(db, visibility="draft")
    tier_id = await make_tier(db, event_id, price_cents=0)
    with pytest.raises(NotFound):
        await _buy(call, event_id, tier_id, as_="public")
    await _nothing_sold(db, tier_id)
    assert len((await _buy(call, event_id, tier_id, payment="comp")).tickets) == 1


@pytest.mark.parametrize(
    ("window", "code"),
    [
        ({"sales_start_at": NOW + timedelta(days=1)}, "sales_not_started"),
        ({"sales_end_at": NOW - timedelta(minutes=1)}, "sales_ended"),
        ({"ends_at": NOW - timedelta(hours=1)}, "event_over"),
    ],
)
async def test_sales_window_binds_the_public_not_the_box_office(call, db, window, code) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, price_cents=0)
    await _set(db, Event, event_id, **window)
    with pytest.raises(Conflict) as err:
        await _buy(call, event_id, tier_id, as_="public")
    assert err.value.code == code
    await _nothing_sold(db, tier_id)
    assert (await _buy(call, event_id, tier_id, payment="cash")).status == "paid"


async def test_an_event_without_an_end_is_over_some_hours_after_it_starts(call, db) -> None:
    last_week = await make_event(db, "Old Show", starts_at=NOW - timedelta(days=7))
    tier_id = await make_tier(db, last_week, price_cents=0)
    with pytest.raises(Conflict) as err:
        await _buy(call, last_week, tier_id, as_="public")
    assert err.value.code == "event_over"
    await _nothing_sold(db, tier_id)
    # A show that started an hour ago still sells to latecomers.
    running = await make_event(db, "Running Show", starts_at=NOW - timedelta(hours=1))
    running_tier = await make_tier(db, running, price_cents=0)
    assert (await _buy(call, running, running_tier, as_="public")).status == "paid"


async def test_sales_open_inside_the_window(call, db, clock) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, price_cents=0)
    await _set(db, Event, event_id, sales_start_at=NOW + timedelta(hours=1))
    with pytest.raises(Conflict):
        await _buy(call, event_id, tier_id, as_="public")
    clock.advance(hours=1)
    assert (await _buy(call, event_id, tier_id, as_="public")).status == "paid"


# --- sold out --------------------------------------------------------------------------------


async def test_sold_out_says_how_many_are_left_and_writes_nothing(call, db) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, capacity=5, sold=3)
    with pytest.raises(SoldOut) as err:
        await _buy(call, event_id, tier_id, quantity=3, payment="cash")
    assert err.value.code == "sold_out" and err.value.details == {"remaining": 2}
    assert "2" in err.value.message
    await _nothing_sold(db, tier_id, sold=3)
    await _buy(call, event_id, tier_id, quantity=2, payment="cash")
    with pytest.raises(SoldOut) as err:
        await _buy(call, event_id, tier_id, payment="cash")
    assert err.value.details == {"remaining": 0} and "sold out" in err.value.message
    assert (await _tier(db, tier_id)).sold == 5


async def test_held_seats_are_not_for_sale(call, db) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, capacity=5)
    await _set(db, TicketTier, tier_id, held=2)
    with pytest.raises(SoldOut) as err:
        await _buy(call, event_id, tier_id, quantity=4, payment="cash")
    assert err.value.details == {"remaining": 3}
    await _buy(call, event_id, tier_id, quantity=3, payment="cash")
    assert (await _tier(db, tier_id)).sold == 3


# --- promo codes -----------------------------------------------------------------------------


async def test_percent_promo_discounts_and_records_the_redemption(call, db, show) -> None:
    await call("create_promo_code", code="JAZZ20", kind="percent", amount=20, event_id=show[0])
    out = await _buy(call, *show, quantity=2, payment="cash", promo_code="jazz20")
    assert (out.subtotal_cents, out.discount_cents, out.total_cents) == (5000, 1000, 4000)
    promo = await _promo(db, "JAZZ20")
    assert promo.uses == 1
    async with db.sessions() as s:
        order = await s.get(Order, out.order_id)
        [redemption] = (await s.scalars(select(PromoRedemption))).all()
        prices = (await s.scalars(select(Ticket.price_cents))).all()
    assert order is not None and order.promo_code_id == promo.id
    assert (redemption.order_id, redemption.discount_cents) == (out.order_id, 1000)
    assert list(prices) == [2000, 2000]


async def test_fixed_promo_is_split_over_tickets_to_the_cent(call, db, show) -> None:
    await call("create_promo_code", code="LESS7", kind="fixed", amount=700)
    out = await _buy(call, *show, quantity=3, payment="cash", promo_code="LESS7")
    assert (out.subtotal_cents, out.discount_cents, out.total_cents) == (7500, 700, 6800)
    async with db.sessions() as s:
        prices = list((await s.scalars(select(Ticket.price_cents).order_by(Ticket.id))).all())
    assert prices == [2267, 2267, 2266] and sum(prices) == out.total_cents


async def test_exhausted_promo_rolls_back_the_whole_purchase(call, db, show) -> None:
    await call("create_promo_code", code="ONCE", kind="fixed", amount=500, max_uses=1)
    first = await _buy(call, *show, payment="cash", promo_code="ONCE")
    with pytest.raises(Conflict) as err:
        await _buy(
            call,
            *show,
            payment="cash",
            promo_code="ONCE",
            customer={"name": "Mary Jones", "email": "mary@example.com"},
        )
    assert err.value.code == "promo_exhausted"
    assert (await _tier(db, show[1])).sold == 1
    assert await _count(db, Order) == 1 and await _count(db, Ticket) == 1
    assert await _count(db, Customer) == 1 and await _count(db, PromoRedemption) == 1
    assert (await _promo(db, "ONCE")).uses == 1
    assert [e.payload["order_id"] for e in await _events(db, "ticket.purchased")] == [
        first.order_id
    ]


async def test_a_sold_out_purchase_gives_the_promo_use_back(call, db) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, capacity=1, sold=1)
    await call("create_promo_code", code="RUSH", kind="percent", amount=10, max_uses=5)
    with pytest.raises(SoldOut):
        await _buy(call, event_id, tier_id, payment="cash", promo_code="RUSH")
    assert (await _promo(db, "RUSH")).uses == 0
    assert await _count(db, PromoRedemption) == 0


async def test_unknown_promo_is_refused_and_nothing_is_sold(call, db, show) -> None:
    with pytest.raises(InvalidInput) as err:
        await _buy(call, *show, payment="cash", promo_code="NOPE")
    assert err.value.code == "promo_unknown"
    await _nothing_sold(db, show[1])


async def test_comp_ignores_the_promo_code(call, db, show) -> None:
    await call("create_promo_code", code="HALF", kind="percent", amount=50, max_uses=3)
    out = await _buy(call, *show, payment="comp", promo_code="HALF")
    assert (out.discount_cents, out.total_cents) == (0, 0)
    assert (await _promo(db, "HALF")).uses == 0
    assert await _count(db, PromoRedemption) == 0


async def test_a_full_discount_lets_an_online_buyer_through_without_checkout(
    call, db, show
) -> None:
    await call("create_promo_code", code="GUEST", kind="percent", amount=100)
    out = await _buy(call, *show, as_="public", quantity=2, promo_code="GUEST")
    assert (out.total_cents, out.payment_method, out.status) == (0, "free", "paid")


# --- customers and domain events -------------------------------------------------------------


async def test_the_same_email_is_the_same_customer(call, db, show) -> None:
    first = await _buy(call, *show, payment="cash")
    second = await _buy(
        call,
        *show,
        payment="cash",
        customer={"name": "Johnny S", "email": "  JOHN@Example.com "},
    )
    assert first.customer_id == second.customer_id
    assert await _count(db, Customer) == 1
    async with db.sessions() as s:
        customer = await s.get(Customer, first.customer_id)
    assert customer is not None and customer.name == "John Smith"
    assert len(await _events(db, "customer.registered")) == 1


async def test_purchase_records_domain_events_without_qr_tokens(call, db, show) -> None:
    out = await _buy(call, *show, quantity=2, payment="cash")
    [registered] = await _events(db, "customer.registered")
    assert registered.payload == {
        "customer_id": out.customer_id,
        "vip": False,
        "source": "purchase",
    }
    [purchased] = await _events(db, "ticket.purchased")
    assert purchased.event_id == show[0] and purchased.actor == "door"
    assert purchased.payload["order_id"] == out.order_id
    assert purchased.payload["quantity"] == 2 and purchased.payload["total_cents"] == 5000
    assert purchased.payload["ticket_ids"] == [t.id for t in out.tickets]
    text = str([e.payload for e in await _events(db)])
    assert all(t.qr_token not in text for t in out.tickets)
    assert out.access_token not in text


# --- orders ----------------------------------------------------------------------------------


async def test_get_and_list_orders_are_for_staff(call, db, show) -> None:
    out = await _buy(call, *show, quantity=2, payment="cash")
    other_event = await make_event(db, "Comedy Night")
    other_tier = await make_tier(db, other_event)
    await _buy(call, other_event, other_tier, payment="cash")
    order = await call("get_order", as_="staff", order_id=out.order_id)
    assert order.total_cents == 5000 and [t.id for t in order.tickets] == [
        t.id for t in out.tickets
    ]
    listed = await call("list_orders", as_="staff", event_id=show[0])
    assert [o.id for o in listed.orders] == [out.order_id]
    assert len((await call("list_orders", as_="staff")).orders) == 2
    with pytest.raises(NotFound):
        await call("get_order", as_="staff", order_id=999)
    for role in ("public", "agent"):
        with pytest.raises(Forbidden):
            await call("get_order", as_=role, order_id=out.order_id)


# --- concurrency -----------------------------------------------------------------------------


async def test_200_concurrent_buyers_of_50_seats_get_exactly_50(runner: ToolRunner, db) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, capacity=50)

    async def attempt(i: int) -> Any:
        arguments = {
            "event_id": event_id,
            "tier_id": tier_id,
            "quantity": 1,
            "payment": "cash",
            "customer": {"name": f"Buyer {i}", "email": f"buyer{i}@example.com"},
        }
        return await runner.call("purchase_tickets", arguments, ACTORS["staff"])

    results = await asyncio.gather(*(attempt(i) for i in range(200)), return_exceptions=True)
    sold = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(sold) == 50 and len(refused) == 150
    assert all(isinstance(e, SoldOut) for e in refused), {type(e) for e in refused}
    assert (await _tier(db, tier_id)).sold == 50
    assert await _count(db, Ticket) == 50 and await _count(db, Order) == 50
    assert len({r.tickets[0].qr_token for r in sold}) == 50
