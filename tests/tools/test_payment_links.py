"""The demo gateway's payment links from the buyer's side: what a link sells, and paying it
through the one sale path (seats held, the TEST MODE checkout, tickets once), never past the
tier's capacity; unknown, switched-off and expired links are not found."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from aitickets.errors import NotFound, SoldOut
from aitickets.settings import Settings
from persistence.db import Database
from persistence.models import Checkout, Order, PaymentLink, Ticket, TicketTier
from tests.conftest import NOW, Call
from tests.factories import make_event, make_tier

BUYER = {"name": "Ada Lovelace", "email": "ada@example.com"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """These tests drive the checkout machinery on tiers of a few seats, held by one buyer; the
    quotas that keep anonymous holds under a share of a tier (tools/hold_quotas.py) are off here
    and are tested in tests/security/test_seat_holds.py."""
    return settings.model_copy(update={"hold_share": 1.0, "holds_per_client": 1000})


@pytest.fixture
async def link(call: Call, db: Database) -> tuple[str, int, int]:
    event = await make_event(db, "Moonlight Sonata")
    tier = await make_tier(db, event, "Balcony", price_cents=3000, capacity=5)
    made = await call("create_payment_link", as_="staff", tier_id=tier, quantity=2)
    return made.url.rsplit("/", 1)[1], event, tier


async def _seats(db: Database, tier_id: int) -> tuple[int, int]:
    async with db.sessions() as s:
        tier = await s.get(TicketTier, tier_id)
        assert tier is not None
        return tier.sold, tier.held


async def test_a_link_says_what_it_sells(call: Call, link) -> None:
    link_id, event, tier = link
    assert link_id.startswith("demo_plink_")
    page = await call("get_payment_link", as_="public", link_id=link_id)
    assert (page.event_id, page.event_name, page.tier_id, page.tier_name) == (
        event,
        "Moonlight Sonata",
        tier,
        "Balcony",
    )
    assert (page.quantity, page.price_cents, page.total_cents, page.currency) == (
        2,
        3000,
        6000,
        "USD",
    )
    assert (page.seats_left, page.on_sale, page.test_mode) == (5, True, True)
    assert page.timezone == "America/New_York" and page.venue_name


async def test_paying_a_link_is_the_demo_checkout_and_issues_tickets_once(
    call: Call, db: Database, link
) -> None:
    link_id, _event, tier = link
    sale = await call("buy_with_payment_link", as_="public", link_id=link_id, customer=BUYER)
    assert (sale.status, sale.quantity, sale.total_cents, sale.tickets) == ("pending", 2, 6000, [])
    assert "/checkout/demo/" in str(sale.checkout_url)
    assert await _seats(db, tier) == (0, 2)
    async with db.sessions() as s:
        checkout = await s.scalar(select(Checkout).where(Checkout.order_id == sale.order_id))
        made = await s.scalar(select(PaymentLink))
    assert checkout is not None and made is not None and checkout.payment_link_id == made.id
    session_id = str(sale.checkout_url).rsplit("/", 1)[1].split("?")[0]
    for _ in range(2):  # a double click pays once
        paid = await call(
            "complete_demo_checkout",
            as_="public",
            session_id=session_id,
            access_token=sale.access_token,
        )
    assert paid.status == "paid"
    assert await _seats(db, tier) == (2, 0)
    async with db.sessions() as s:
        tickets = await s.scalar(
            select(func.count(Ticket.id)).where(Ticket.order_id == sale.order_id)
        )
    assert tickets == 2


async def test_concurrent_buyers_never_oversell(call: Call, db: Database, link) -> None:
    link_id, _event, tier = link  # 5 seats, 2 a link: two buyers get seats, one seat stays
    buyers = [
        call(
            "buy_with_payment_link",
            as_="public",
            link_id=link_id,
            customer={"name": f"Buyer {i}", "email": f"b{i}@example.com"},
        )
        for i in range(12)
    ]
    results = await asyncio.gather(*buyers, return_exceptions=True)
    sold = [r for r in results if not isinstance(r, BaseException)]
    assert len(sold) == 2
    assert all(isinstance(r, SoldOut) for r in results if isinstance(r, BaseException))
    assert await _seats(db, tier) == (0, 4)
    page = await call("get_payment_link", as_="public", link_id=link_id)
    assert (page.seats_left, page.on_sale) == (1, False)


async def test_unknown_switched_off_and_expired_links_are_not_found(
    call: Call, db: Database, link, clock
) -> None:
    link_id, _event, tier = link
    with pytest.raises(NotFound, match="No payment link matches"):
        await call("get_payment_link", as_="public", link_id="demo_plink_nothere")
    async with db.unit_of_work() as s:
        await s.execute(update(PaymentLink).values(active=False))
    for tool, extra in (("get_payment_link", {}), ("buy_with_payment_link", {"customer": BUYER})):
        with pytest.raises(NotFound, match="switched off"):
            await call(tool, as_="public", link_id=link_id, **extra)
    async with db.unit_of_work() as s:
        await s.execute(update(PaymentLink).values(active=True))
        await s.execute(update(TicketTier).where(TicketTier.id == tier).values(price_cents=3500))
    with pytest.raises(NotFound, match="price of Balcony has changed"):
        await call("get_payment_link", as_="public", link_id=link_id)
    async with db.unit_of_work() as s:
        await s.execute(update(TicketTier).where(TicketTier.id == tier).values(price_cents=3000))
    clock.advance(hours=20)  # the show started 8 hours after NOW and is long over
    with pytest.raises(NotFound, match="expired: Moonlight Sonata is over"):
        await call("buy_with_payment_link", as_="public", link_id=link_id, customer=BUYER)
    async with db.sessions() as s:
        assert await s.scalar(select(func.count(Order.id))) == 0


async def test_a_cancelled_event_expires_its_links(call: Call, db: Database, link) -> None:
    link_id, event, _tier = link
    await call("cancel_event", as_="staff", event_id=event)
    with pytest.raises(NotFound, match="Moonlight Sonata was cancelled"):
        await call("get_payment_link", as_="public", link_id=link_id)


async def test_stripe_links_are_paid_at_stripe_not_here(call: Call, db: Database) -> None:
    event = await make_event(db, starts_at=NOW + timedelta(days=1))
    tier = await make_tier(db, event, price_cents=1000)
    async with db.unit_of_work() as s:
        s.add(
            PaymentLink(
                provider="stripe",
                link_id="plink_123",
                url="https://buy.stripe.com/x",
                event_id=event,
                tier_id=tier,
                quantity=1,
                price_cents=1000,
                currency="USD",
                created_at=NOW,
            )
        )
    with pytest.raises(NotFound):
        await call("get_payment_link", as_="public", link_id="plink_123")
