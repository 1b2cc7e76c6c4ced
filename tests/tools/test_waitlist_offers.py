"""Waitlist offers: freed seats are held for the next person and offered by email; unclaimed
holds expire and pass on; a claim turns the hold into tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aitickets.errors import Conflict, NotFound
from persistence.models import TicketTier, WaitlistOffer
from tests.conftest import NOW
from tests.factories import make_customer, make_event, make_ticket, make_tier
from tests.integrations.helpers import drain, messages


async def _sold_out(db, call, price=0):
    event_id = await make_event(db, starts_at=NOW + timedelta(days=4))
    tier_id = await make_tier(db, event_id, price_cents=price, capacity=1)
    holder = await make_customer(db, name="First Fan", email="first@example.com")
    ticket_id = await make_ticket(db, event_id, tier_id, holder, price_cents=price)
    for name in ("Wanda Wait", "Walt Wait"):
        await call(
            "join_waitlist",
            as_="public",
            event_id=event_id,
            name=name,
            email=f"{name.split()[0].lower()}@example.com",
        )
    return event_id, tier_id, ticket_id


async def _tier(db, tier_id) -> TicketTier:
    async with db.sessions() as s:
        return await s.get(TicketTier, tier_id)


async def _offers(db) -> list[WaitlistOffer]:
    from sqlalchemy import select

    async with db.sessions() as s:
        return list((await s.scalars(select(WaitlistOffer).order_by(WaitlistOffer.id))).all())


async def test_a_refund_offers_the_seat_to_the_first_in_line(db, call, settings, clock):
    event_id, tier_id, ticket_id = await _sold_out(db, call)
    await call("refund_ticket", as_="staff", ticket_id=ticket_id)
    await drain(db, settings, clock)
    (offer,) = await _offers(db)
    assert offer.status == "offered" and offer.expires_at == NOW + timedelta(hours=1)
    tier = await _tier(db, tier_id)
    assert tier.held == 1 and tier.sold == 0
    (message,) = await messages(db, template="waitlist_offer")
    assert message.to_address == "wanda@example.com" and offer.token in message.body
    waitlist = await call("get_waitlist", as_="staff", event_id=event_id)
    assert [e.status for e in waitlist.entries] == ["offered", "waiting"]


async def test_an_expired_offer_goes_to_the_next_person(db, call, settings, clock):
    _event_id, tier_id, ticket_id = await _sold_out(db, call)
    await call("cancel_ticket", as_="staff", ticket_id=ticket_id)
    await drain(db, settings, clock)
    clock.advance(minutes=61)
    await drain(db, settings, clock)
    await drain(db, settings, clock)
    first, second = await _offers(db)
    assert first.status == "expired" and second.status == "offered"
    assert (await _tier(db, tier_id)).held == 1
    assert [m.to_address for m in await messages(db, template="waitlist_offer")] == [
        "wanda@example.com",
        "walt@example.com",
    ]


async def test_claiming_a_free_offer_issues_the_tickets(db, call, settings, clock):
    _event_id, tier_id, ticket_id = await _sold_out(db, call)
    await call("cancel_ticket", as_="staff", ticket_id=ticket_id)
    await drain(db, settings, clock)
    (offer,) = await _offers(db)
    bought = await call("claim_waitlist_offer", as_="public", token=offer.token)
    assert bought.status == "paid" and len(bought.tickets) == 1
    tier = await _tier(db, tier_id)
    assert tier.held == 0 and tier.sold == 1
    with pytest.raises(Conflict):
        await call("claim_waitlist_offer", as_="public", token=offer.token)


async def test_an_expired_or_unknown_offer_cannot_be_claimed(db, call, settings, clock):
    _event_id, _tier_id, ticket_id = await _sold_out(db, call)
    await call("cancel_ticket", as_="staff", ticket_id=ticket_id)
    await drain(db, settings, clock)
    (offer,) = await _offers(db)
    clock.advance(hours=2)
    with pytest.raises(Conflict):
        await call("claim_waitlist_offer", as_="public", token=offer.token)
    with pytest.raises(NotFound):
        await call("claim_waitlist_offer", as_="public", token="x" * 20)


async def test_a_partial_refund_frees_no_seat(db, call, settings, clock):
    _event_id, _tier_id, ticket_id = await _sold_out(db, call, price=2000)
    await call("refund_ticket", as_="staff", ticket_id=ticket_id, amount_cents=500)
    await drain(db, settings, clock)
    assert await _offers(db) == []


async def test_a_cancelled_event_offers_nothing(db, call, settings, clock):
    event_id, _tier_id, _ticket_id = await _sold_out(db, call)
    await call("cancel_event", as_="staff", event_id=event_id)
    await drain(db, settings, clock)
    assert await _offers(db) == []


async def test_notify_waitlist_by_hand(db, call):
    event_id, tier_id, _ = await _sold_out(db, call)
    assert (await call("notify_waitlist", as_="staff", event_id=event_id)).offers == []
    async with db.unit_of_work() as s:
        (await s.get(TicketTier, tier_id)).capacity = 3
    out = await call("notify_waitlist", as_="staff", event_id=event_id)
    assert len(out.offers) == 2
    with pytest.raises(NotFound):
        await call("notify_waitlist", as_="staff", event_id=999)


async def test_a_paid_claim_whose_checkout_fails_keeps_the_offer_and_its_seat(
    db, call, settings, clock, monkeypatch
):
    from integrations.payments import DemoGateway, PaymentUnavailable

    _event_id, tier_id, ticket_id = await _sold_out(db, call, price=2500)
    await call("cancel_ticket", as_="staff", ticket_id=ticket_id)
    await drain(db, settings, clock)
    (offer,) = await _offers(db)
    working = DemoGateway.create_checkout

    async def down(self, request):
        raise PaymentUnavailable("The payment provider is down.")

    monkeypatch.setattr(DemoGateway, "create_checkout", down)
    with pytest.raises(PaymentUnavailable):
        await call("claim_waitlist_offer", as_="public", token=offer.token)
    await drain(db, settings, clock)  # order.failed frees nothing the offer does not hold again
    (offer,) = await _offers(db)
    assert offer.status == "offered" and offer.order_id is None
    tier = await _tier(db, tier_id)
    assert (tier.held, tier.sold) == (1, 0)
    monkeypatch.setattr(DemoGateway, "create_checkout", working)
    bought = await call("claim_waitlist_offer", as_="public", token=offer.token)
    assert bought.status == "pending" and bought.checkout_url
    (offer,) = await _offers(db)
    assert (offer.status, offer.order_id) == ("claimed", bought.order_id)
    assert (await _tier(db, tier_id)).held == 1


async def test_an_offer_says_what_it_holds_until_it_lapses(db, call, settings, clock):
    _event_id, _tier_id, ticket_id = await _sold_out(db, call, price=1500)
    await call("refund_ticket", as_="staff", ticket_id=ticket_id)
    await drain(db, settings, clock)
    (offer,) = await _offers(db)
    shown = await call("get_waitlist_offer", as_="public", token=offer.token)
    assert (shown.status, shown.name, shown.quantity, shown.price_cents) == (
        "offered",
        "Wanda Wait",
        1,
        1500,
    )
    assert shown.expires_at == offer.expires_at and shown.timezone == "America/New_York"
    clock.advance(hours=2)
    assert (await call("get_waitlist_offer", as_="public", token=offer.token)).status == "expired"
    with pytest.raises(NotFound):
        await call("get_waitlist_offer", as_="public", token="no-such-offer-token")
