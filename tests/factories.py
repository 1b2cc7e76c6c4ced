"""Rows straight into the database, for tests that need a world to act on without going through
the tools that build it (those have tests of their own)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from persistence.db import Database
from persistence.models import Customer, Event, Order, Ticket, TicketTier, Venue
from tests.conftest import NOW
from tools.common import name_key


async def make_venue(db: Database, name: str = "Blue Room", tz: str = "America/New_York") -> int:
    async with db.unit_of_work() as s:
        venue = Venue(name=name, address="1 Main St", capacity=300, timezone=tz, created_at=NOW)
        s.add(venue)
        await s.flush()
        return venue.id


async def make_event(
    db: Database,
    name: str = "Jazz Night",
    *,
    venue_id: int | None = None,
    starts_at: datetime | None = None,
    status: str = "scheduled",
    visibility: str = "public",
) -> int:
    venue_id = venue_id or await make_venue(db)
    async with db.unit_of_work() as s:
        event = Event(
            name=name,
            venue_id=venue_id,
            starts_at=starts_at or NOW + timedelta(hours=8),
            status=status,
            visibility=visibility,
            created_at=NOW,
            updated_at=NOW,
        )
        s.add(event)
        await s.flush()
        return event.id


async def make_tier(
    db: Database,
    event_id: int,
    name: str = "General",
    *,
    price_cents: int = 2500,
    capacity: int = 100,
    sold: int = 0,
    status: str = "on_sale",
) -> int:
    async with db.unit_of_work() as s:
        tier = TicketTier(
            event_id=event_id,
            name=name,
            price_cents=price_cents,
            capacity=capacity,
            sold=sold,
            status=status,
            created_at=NOW,
        )
        s.add(tier)
        await s.flush()
        return tier.id


async def make_customer(
    db: Database,
    name: str = "John Smith",
    *,
    email: str | None = None,
    phone: str | None = None,
    vip: bool = False,
) -> int:
    async with db.unit_of_work() as s:
        customer = Customer(
            name=name,
            name_key=name_key(name),
            email=email,
            phone=phone,
            vip=vip,
            preferences={},
            created_at=NOW,
        )
        s.add(customer)
        await s.flush()
        return customer.id


async def make_ticket(
    db: Database,
    event_id: int,
    tier_id: int,
    customer_id: int,
    *,
    holder_name: str = "John Smith",
    price_cents: int = 2500,
    status: str = "valid",
) -> int:
    """An order of one paid ticket (and the seat it takes)."""
    async with db.unit_of_work() as s:
        order = Order(
            event_id=event_id,
            customer_id=customer_id,
            status="paid",
            payment_method="cash",
            subtotal_cents=price_cents,
            total_cents=price_cents,
            access_token=secrets.token_urlsafe(24),
            created_at=NOW,
        )
        s.add(order)
        await s.flush()
        tier = await s.get(TicketTier, tier_id)
        assert tier is not None
        tier.sold += 1
        ticket = Ticket(
            order_id=order.id,
            event_id=event_id,
            tier_id=tier_id,
            customer_id=customer_id,
            holder_name=holder_name,
            status=status,
            qr_token=secrets.token_urlsafe(24),
            price_cents=price_cents,
            created_at=NOW,
        )
        s.add(ticket)
        await s.flush()
        return ticket.id
