"""Tickets after the sale: look-ups, the guest list, transfers, refunds and cancellations."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from aitickets.errors import Conflict, Forbidden, InvalidInput, NotFound
from persistence.db import Database
from persistence.models import Customer, DomainEvent, Order, Refund, Ticket, TicketTier
from tests.conftest import NOW
from tests.factories import make_customer, make_event, make_ticket, make_tier


async def _row(db: Database, model: type, ident: int) -> Any:
    async with db.sessions() as s:
        row = await s.get(model, ident)
        assert row is not None
        return row


async def _events(db: Database, kind: str) -> list[DomainEvent]:
    async with db.sessions() as s:
        query = select(DomainEvent).where(DomainEvent.kind == kind).order_by(DomainEvent.id)
        return list((await s.scalars(query)).all())


async def _refunds(db: Database) -> list[Refund]:
    async with db.sessions() as s:
        return list((await s.scalars(select(Refund).order_by(Refund.id))).all())


@pytest.fixture
async def world(db: Database) -> dict[str, int]:
    """One event with a $25 tier and John Smith holding one ticket (one order)."""
    event = await make_event(db)
    tier = await make_tier(db, event, price_cents=2500)
    john = await make_customer(db, "John Smith", email="john@example.com")
    ticket = await make_ticket(db, event, tier, john)
    return {"event": event, "tier": tier, "john": john, "ticket": ticket}


async def _order_of(call, world: dict[str, int], quantity: int) -> Any:
    return await call(
        "purchase_tickets",
        as_="staff",
        event_id=world["event"],
        tier_id=world["tier"],
        quantity=quantity,
        payment="cash",
        customer={"name": "Sarah Lee", "email": "sarah@example.com"},
    )


# --- look-ups --------------------------------------------------------------------------------


async def test_get_ticket_and_status_by_qr(call, db, world) -> None:
    ticket = await call("get_ticket", as_="staff", ticket_id=world["ticket"])
    assert (ticket.holder_name, ticket.status, ticket.price_cents) == ("John Smith", "valid", 2500)
    assert (ticket.event_id, ticket.tier_id, ticket.customer_id) == (
        world["event"],
        world["tier"],
        world["john"],
    )
    by_qr = await call("get_ticket_status", as_="staff", qr_token=ticket.qr_token)
    assert by_qr.id == ticket.id and by_qr.checked_in_at is None
    # Looking a ticket up does not check it in.
    assert (await _row(db, Ticket, ticket.id)).status == "valid"


async def test_lookups_refuse_unknown_tickets_and_bad_tokens(call, world) -> None:
    with pytest.raises(NotFound):
        await call("get_ticket", as_="staff", ticket_id=999)
    with pytest.raises(NotFound):
        await call("get_ticket_status", as_="staff", qr_token="x" * 32)
    for bad in ("short", "x" * 65):
        with pytest.raises(InvalidInput, match="qr_token"):
            await call("get_ticket_status", as_="staff", qr_token=bad)
    with pytest.raises(InvalidInput):
        await call("get_ticket", as_="staff", ticket_id=0)


@pytest.mark.parametrize("role", ["public", "agent"])
async def test_ticket_data_is_for_staff(call, world, role) -> None:
    with pytest.raises(Forbidden):
        await call("get_ticket", as_=role, ticket_id=world["ticket"])
    with pytest.raises(Forbidden):
        await call("guest_list", as_=role, event_id=world["event"])


# --- guest list ------------------------------------------------------------------------------


async def test_guest_list_filters_by_status_and_name(call, db, world) -> None:
    mary = await make_customer(db, "Mary Jones")
    used = await make_ticket(
        db, world["event"], world["tier"], mary, holder_name="Mary Jones", status="checked_in"
    )
    await make_ticket(
        db, world["event"], world["tier"], mary, holder_name="Mary Jones", status="refunded"
    )
    other_event = await make_event(db, "Comedy Night")
    await make_ticket(db, other_event, await make_tier(db, other_event), world["john"])

    everyone = await call("guest_list", as_="staff", event_id=world["event"])
    assert everyone.total == 3 and len(everyone.guests) == 3
    assert [g.holder_name for g in everyone.guests] == ["John Smith", "Mary Jones", "Mary Jones"]
    checked = await call("guest_list", as_="staff", event_id=world["event"], status="checked_in")
    assert [g.ticket_id for g in checked.guests] == [used] and checked.total == 1
    named = await call("guest_list", as_="staff", event_id=world["event"], q="JOHN")
    assert [g.ticket_id for g in named.guests] == [world["ticket"]]
    page = await call("guest_list", as_="staff", event_id=world["event"], limit=1, offset=1)
    assert page.total == 3 and [g.holder_name for g in page.guests] == ["Mary Jones"]


async def test_guest_list_search_treats_percent_and_underscore_literally(call, db, world) -> None:
    fan = await make_customer(db, "Fan")
    for holder in ("100% Fan", "Ann_Lee", "AnnXLee"):
        await make_ticket(db, world["event"], world["tier"], fan, holder_name=holder)

    async def names(q: str) -> list[str]:
        out = await call("guest_list", as_="staff", event_id=world["event"], q=q)
        return [g.holder_name for g in out.guests]

    assert await names("%") == ["100% Fan"]
    assert await names("_") == ["Ann_Lee"]
    assert await names("n_L") == ["Ann_Lee"]
    assert await names("\\") == []


async def test_guest_list_bad_input(call, world) -> None:
    with pytest.raises(NotFound):
        await call("guest_list", as_="staff", event_id=999)
    with pytest.raises(InvalidInput):
        await call("guest_list", as_="staff", event_id=world["event"], status="lost")
    with pytest.raises(InvalidInput):
        await call("guest_list", as_="staff", event_id=world["event"], limit=1000)


# --- transfers -------------------------------------------------------------------------------


async def test_transfer_gives_the_ticket_a_new_holder_and_a_new_code(call, db, world) -> None:
    before = await call("get_ticket", as_="staff", ticket_id=world["ticket"])
    out = await call(
        "transfer_ticket",
        as_="staff",
        ticket_id=world["ticket"],
        to_name="Mary Jones",
        to_email="Mary@Example.com",
    )
    assert out.holder_name == "Mary Jones" and out.status == "valid"
    assert out.qr_token != before.qr_token and len(out.qr_token) >= 24
    mary = await _row(db, Customer, out.customer_id)
    assert mary.email == "mary@example.com" and out.customer_id != world["john"]
    # The old code no longer opens the door; the new one does.
    with pytest.raises(NotFound):
        await call("check_in_ticket", as_="staff", qr_token=before.qr_token)
    admitted = await call("check_in_ticket", as_="staff", qr_token=out.qr_token)
    assert admitted.holder_name == "Mary Jones"

    [moved] = await _events(db, "ticket.transferred")
    assert moved.payload == {
        "ticket_id": world["ticket"],
        "from_customer_id": world["john"],
        "to_customer_id": out.customer_id,
    }
    assert moved.event_id == world["event"]
    [registered] = await _events(db, "customer.registered")
    assert registered.payload == {
        "customer_id": out.customer_id,
        "vip": False,
        "source": "transfer",
    }


async def test_transfer_to_a_known_email_reuses_that_customer(call, db, world) -> None:
    mary = await make_customer(db, "Mary Jones", email="mary@example.com")
    out = await call(
        "transfer_ticket",
        as_="staff",
        ticket_id=world["ticket"],
        to_name="Mary J",
        to_email="mary@example.com",
    )
    assert out.customer_id == mary
    assert await _events(db, "customer.registered") == []


@pytest.mark.parametrize("status", ["checked_in", "refunded", "cancelled"])
async def test_only_valid_tickets_can_be_transferred(call, db, world, status) -> None:
    ticket = await make_ticket(db, world["event"], world["tier"], world["john"], status=status)
    before = await _row(db, Ticket, ticket)
    with pytest.raises(Conflict) as err:
        await call("transfer_ticket", as_="staff", ticket_id=ticket, to_name="Mary Jones")
    assert err.value.code == f"ticket_{status}"
    after = await _row(db, Ticket, ticket)
    assert (after.qr_token, after.holder_name) == (before.qr_token, "John Smith")
    assert await _events(db, "ticket.transferred") == []


async def test_transfer_refuses_the_same_holder_and_unknown_tickets(call, world) -> None:
    with pytest.raises(InvalidInput, match="already holds"):
        await call("transfer_ticket", as_="staff", ticket_id=world["ticket"], to_name="john SMITH")
    with pytest.raises(NotFound):
        await call("transfer_ticket", as_="staff", ticket_id=999, to_name="Mary")
    with pytest.raises(InvalidInput):
        await call(
            "transfer_ticket",
            as_="staff",
            ticket_id=world["ticket"],
            to_name="Mary",
            to_email="nope",
        )


# --- refunds ---------------------------------------------------------------------------------


async def test_full_refund_voids_the_ticket_and_releases_the_seat(call, db, world) -> None:
    assert (await _row(db, TicketTier, world["tier"])).sold == 1
    out = await call("refund_ticket", as_="staff", ticket_id=world["ticket"], reason="sick")
    assert (out.tickets_refunded, out.refunded_cents, out.ticket_ids) == (
        1,
        2500,
        [world["ticket"]],
    )
    ticket = await _row(db, Ticket, world["ticket"])
    assert ticket.status == "refunded"
    assert (await _row(db, TicketTier, world["tier"])).sold == 0
    order = await _row(db, Order, ticket.order_id)
    assert (order.status, order.refunded_cents) == ("refunded", 2500)
    [refund] = await _refunds(db)
    assert (refund.ticket_id, refund.amount_cents, refund.reason, refund.actor) == (
        world["ticket"],
        2500,
        "sick",
        "door",
    )
    assert refund.created_at == NOW
    [event] = await _events(db, "ticket.refunded")
    assert event.payload["full"] is True and event.payload["amount_cents"] == 2500
    assert event.event_id == world["event"]


async def test_refunding_one_ticket_of_several_keeps_the_order_paid(call, db, world) -> None:
    order = await _order_of(call, world, 2)
    first, second = (t.id for t in order.tickets)
    await call("refund_ticket", as_="staff", ticket_id=first)
    assert (await _row(db, Order, order.order_id)).status == "paid"
    await call("refund_ticket", as_="staff", ticket_id=second)
    stored = await _row(db, Order, order.order_id)
    assert (stored.status, stored.refunded_cents) == ("refunded", 5000)


async def test_partial_refunds_are_bounded_by_what_is_left(call, db, world) -> None:
    part = await call("refund_ticket", as_="staff", ticket_id=world["ticket"], amount_cents=1000)
    assert (part.tickets_refunded, part.refunded_cents) == (0, 1000)
    ticket = await _row(db, Ticket, world["ticket"])
    assert ticket.status == "valid"
    assert (await _row(db, TicketTier, world["tier"])).sold == 1
    assert (await _row(db, Order, ticket.order_id)).status == "paid"

    with pytest.raises(InvalidInput, match="1500"):
        await call("refund_ticket", as_="staff", ticket_id=world["ticket"], amount_cents=2000)
    assert [r.amount_cents for r in await _refunds(db)] == [1000]

    rest = await call("refund_ticket", as_="staff", ticket_id=world["ticket"], amount_cents=1500)
    assert (rest.tickets_refunded, rest.refunded_cents) == (1, 1500)
    assert (await _row(db, Ticket, world["ticket"])).status == "refunded"
    assert (await _row(db, Order, ticket.order_id)).refunded_cents == 2500
    assert (await _row(db, TicketTier, world["tier"])).sold == 0


@pytest.mark.parametrize("amount", [0, -5, 2501, "lots"])
async def test_refund_amount_must_be_sensible(call, db, world, amount) -> None:
    with pytest.raises(InvalidInput):
        await call("refund_ticket", as_="staff", ticket_id=world["ticket"], amount_cents=amount)
    assert await _refunds(db) == []
    assert (await _row(db, Ticket, world["ticket"])).status == "valid"


async def test_refunding_twice_is_a_conflict(call, db, world) -> None:
    await call("refund_ticket", as_="staff", ticket_id=world["ticket"])
    with pytest.raises(Conflict) as err:
        await call("refund_ticket", as_="staff", ticket_id=world["ticket"])
    assert err.value.code == "refunded"
    assert len(await _refunds(db)) == 1
    assert (await _row(db, TicketTier, world["tier"])).sold == 0


async def test_a_checked_in_ticket_can_still_be_refunded(call, db, world) -> None:
    ticket = await _row(db, Ticket, world["ticket"])
    await call("check_in_ticket", as_="staff", qr_token=ticket.qr_token)
    out = await call("refund_ticket", as_="staff", ticket_id=world["ticket"])
    assert out.tickets_refunded == 1
    assert (await _row(db, Ticket, world["ticket"])).status == "refunded"


async def test_refund_order_refunds_what_is_left(call, db, world) -> None:
    order = await _order_of(call, world, 3)
    ids = [t.id for t in order.tickets]
    await call("refund_ticket", as_="staff", ticket_id=ids[0], amount_cents=500)
    await call("cancel_ticket", as_="staff", ticket_id=ids[2])
    assert (await _row(db, TicketTier, world["tier"])).sold == 3  # John's + two of Sarah's

    out = await call("refund_order", as_="staff", order_id=order.order_id, reason="moved")
    assert (out.tickets_refunded, out.refunded_cents) == (2, 2000 + 2500)
    assert sorted(out.ticket_ids) == ids[:2]
    stored = await _row(db, Order, order.order_id)
    assert (stored.status, stored.refunded_cents) == ("refunded", 5000)
    assert (await _row(db, TicketTier, world["tier"])).sold == 1
    assert len(await _events(db, "ticket.refunded")) == 3

    with pytest.raises(Conflict) as err:
        await call("refund_order", as_="staff", order_id=order.order_id)
    assert err.value.code == "refunded"
    with pytest.raises(NotFound):
        await call("refund_order", as_="staff", order_id=999)


async def test_cancel_voids_without_money_and_frees_the_seat(call, db, world) -> None:
    out = await call("cancel_ticket", as_="staff", ticket_id=world["ticket"])
    assert out.status == "cancelled"
    assert (await _row(db, TicketTier, world["tier"])).sold == 0
    assert await _refunds(db) == []
    [event] = await _events(db, "ticket.cancelled")
    assert event.payload["ticket_id"] == world["ticket"]
    with pytest.raises(Conflict) as err:
        await call("cancel_ticket", as_="staff", ticket_id=world["ticket"])
    assert err.value.code == "cancelled"
    assert (await _row(db, TicketTier, world["tier"])).sold == 0
    with pytest.raises(NotFound):
        await call("cancel_ticket", as_="staff", ticket_id=999)


async def test_a_released_seat_can_be_sold_again(call, db) -> None:
    event = await make_event(db)
    tier = await make_tier(db, event, capacity=1)
    john = await make_customer(db, "John Smith")
    ticket = await make_ticket(db, event, tier, john)
    await call("refund_ticket", as_="staff", ticket_id=ticket)
    again = await call(
        "purchase_tickets",
        as_="staff",
        event_id=event,
        tier_id=tier,
        quantity=1,
        payment="cash",
        customer={"name": "Mary Jones"},
    )
    assert again.status == "paid"
    assert (await _row(db, TicketTier, tier)).sold == 1


@pytest.mark.parametrize("role", ["public", "agent"])
async def test_refunds_and_transfers_are_for_staff(call, db, world, role) -> None:
    for tool, extra in (
        ("refund_ticket", {}),
        ("cancel_ticket", {}),
        ("transfer_ticket", {"to_name": "Mary"}),
    ):
        with pytest.raises(Forbidden):
            await call(tool, as_=role, ticket_id=world["ticket"], **extra)
    assert (await _row(db, Ticket, world["ticket"])).status == "valid"
