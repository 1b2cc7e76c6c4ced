"""`add_tickets` keeps the capacity cap that creating or updating a tier enforces (100,000 seats):
repeated additions cannot grow a tier past it, and a refused addition changes nothing."""

from __future__ import annotations

import pytest

from aitickets.errors import InvalidInput
from tests.factories import make_event, make_tier
from tools.tiers import MAX_CAPACITY


async def test_adding_seats_stops_at_the_cap(db, call) -> None:  # type: ignore[no-untyped-def]
    event = await make_event(db)
    tier = await make_tier(db, event, capacity=MAX_CAPACITY - 10)
    with pytest.raises(InvalidInput):
        await call("add_tickets", as_="staff", tier_id=tier, quantity=11)
    with pytest.raises(InvalidInput):
        await call("add_tickets", as_="staff", tier_id=tier, quantity=MAX_CAPACITY)
    assert (await call("add_tickets", as_="staff", tier_id=tier, quantity=10)).capacity == (
        MAX_CAPACITY
    )
    with pytest.raises(InvalidInput):
        await call("add_tickets", as_="staff", tier_id=tier, quantity=1)
    listed = await call("get_ticket_availability", as_="staff", event_id=event)
    assert listed.capacity == MAX_CAPACITY
