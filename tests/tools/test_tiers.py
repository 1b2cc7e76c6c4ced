from typing import Any

import pytest
from sqlalchemy import select

from aitickets.errors import Conflict, Forbidden, InvalidInput, NotFound
from persistence.db import Database
from persistence.models import DomainEvent, TicketTier
from tests.factories import make_customer, make_event, make_ticket, make_tier


async def _stored(db: Database, tier_id: int) -> TicketTier | None:
    async with db.sessions() as s:
        return await s.get(TicketTier, tier_id)


async def _updates(db: Database) -> list[DomainEvent]:
    async with db.sessions() as s:
        query = select(DomainEvent).where(DomainEvent.kind == "event.updated")
        return list((await s.scalars(query.order_by(DomainEvent.id))).all())


async def test_create_tier_appends_in_order_and_emits(call, db) -> None:
    event_id = await make_event(db)
    ga = await call(
        "create_ticket_tier",
        as_="staff",
        event_id=event_id,
        name="GA",
        price_cents=2500,
        capacity=100,
    )
    assert (ga.event_id, ga.name, ga.price_cents, ga.currency) == (event_id, "GA", 2500, "USD")
    assert (ga.capacity, ga.sold, ga.held, ga.remaining, ga.status) == (100, 0, 0, 100, "on_sale")
    assert ga.max_per_order == 10
    vip = await call(
        "create_ticket_tier",
        as_="staff",
        event_id=event_id,
        name="VIP",
        price_cents=8000,
        capacity=20,
        max_per_order=4,
        status="paused",
    )
    assert vip.status == "paused"
    listed = await call("list_ticket_tiers", as_="public", event_id=event_id)
    assert [t.name for t in listed.tiers] == ["GA", "VIP"]
    assert [(await _stored(db, t.id)).sort_order for t in listed.tiers] == [0, 1]
    updates = await _updates(db)
    assert [(u.event_id, u.payload["changes"]) for u in updates] == [(event_id, ["tiers"])] * 2


@pytest.mark.parametrize(
    "fields",
    [
        {"price_cents": -1},
        {"capacity": 0},
        {"capacity": 100_001},
        {"max_per_order": 0},
        {"max_per_order": 51},
        {"name": ""},
        {"status": "sold_out"},
        {"colour": "red"},
    ],
)
async def test_create_tier_rejects_bad_input(call, db, fields: dict[str, Any]) -> None:
    event_id = await make_event(db)
    base = {"event_id": event_id, "name": "GA", "capacity": 10}
    with pytest.raises(InvalidInput):
        await call("create_ticket_tier", as_="staff", **(base | fields))


async def test_create_tier_refused_for_cancelled_or_unknown_events(call, db) -> None:
    cancelled = await make_event(db, status="cancelled")
    with pytest.raises(Conflict, match="cancelled"):
        await call("create_ticket_tier", as_="staff", event_id=cancelled, name="GA", capacity=10)
    with pytest.raises(NotFound):
        await call("create_ticket_tier", as_="staff", event_id=999, name="GA", capacity=10)
    event_id = await make_event(db)
    with pytest.raises(Forbidden):
        await call("create_ticket_tier", as_="agent", event_id=event_id, name="GA", capacity=10)
    assert (await call("list_ticket_tiers", event_id=event_id)).tiers == []


async def test_update_tier_price_and_pause(call, db) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, "GA", price_cents=2500)
    out = await call("update_ticket_tier", as_="staff", tier_id=tier_id, price_cents=3000)
    assert (out.price_cents, out.name, out.capacity) == (3000, "GA", 100)
    paused = await call("update_ticket_tier", as_="staff", tier_id=tier_id, status="paused")
    assert paused.status == "paused"
    assert (await _stored(db, tier_id)).status == "paused"
    resumed = await call("update_ticket_tier", as_="staff", tier_id=tier_id, status="on_sale")
    assert resumed.status == "on_sale"
    assert len(await _updates(db)) == 3


async def test_capacity_cannot_drop_below_sold(call, db) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, "GA", capacity=10, sold=6)
    with pytest.raises(Conflict, match="sold 6") as caught:
        await call("update_ticket_tier", as_="staff", tier_id=tier_id, capacity=5)
    assert caught.value.code == "capacity_below_sold"
    assert (await _stored(db, tier_id)).capacity == 10
    exact = await call("update_ticket_tier", as_="staff", tier_id=tier_id, capacity=6)
    assert (exact.capacity, exact.remaining, exact.status) == (6, 0, "sold_out")


async def test_update_tier_bad_input(call, db) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id)
    with pytest.raises(InvalidInput, match="Nothing to change"):
        await call("update_ticket_tier", as_="staff", tier_id=tier_id)
    with pytest.raises(InvalidInput):
        await call("update_ticket_tier", as_="staff", tier_id=tier_id, price_cents=-100)
    with pytest.raises(InvalidInput):
        await call("update_ticket_tier", as_="staff", tier_id=tier_id, status="closed")
    for field in ("name", "price_cents", "capacity", "status", "max_per_order", "description"):
        with pytest.raises(InvalidInput, match=field):
            await call("update_ticket_tier", as_="staff", tier_id=tier_id, **{field: None})
    with pytest.raises(NotFound):
        await call("update_ticket_tier", as_="staff", tier_id=999, price_cents=100)
    assert (await _stored(db, tier_id)).price_cents == 2500


async def test_delete_tier_refused_once_tickets_exist(call, db) -> None:
    event_id = await make_event(db)
    sold = await make_tier(db, event_id, "GA")
    unsold = await make_tier(db, event_id, "Early Bird")
    await make_ticket(db, event_id, sold, await make_customer(db))
    with pytest.raises(Conflict, match="pause it"):
        await call("delete_ticket_tier", as_="staff", tier_id=sold)
    out = await call("delete_ticket_tier", as_="staff", tier_id=unsold)
    assert out.name == "Early Bird"
    assert await _stored(db, unsold) is None
    names = [t.name for t in (await call("list_ticket_tiers", event_id=event_id)).tiers]
    assert names == ["GA"]
    with pytest.raises(NotFound):
        await call("delete_ticket_tier", as_="staff", tier_id=unsold)
    with pytest.raises(Forbidden):
        await call("delete_ticket_tier", as_="agent", tier_id=sold)


async def test_toggle_all_tickets_pauses_and_resumes_every_tier(call, db) -> None:
    event_id = await make_event(db)
    other_event = await make_event(db, "Other")
    ids = [await make_tier(db, event_id, n) for n in ("GA", "VIP", "Balcony")]
    other = await make_tier(db, other_event, "GA")
    paused = await call("toggle_all_tickets", as_="staff", event_id=event_id, on_sale=False)
    assert paused.event_id == event_id
    assert [t.status for t in paused.tiers] == ["paused"] * 3
    assert [(await _stored(db, i)).status for i in ids] == ["paused"] * 3
    assert (await _stored(db, other)).status == "on_sale"
    resumed = await call("toggle_all_tickets", as_="staff", event_id=event_id, on_sale=True)
    assert [t.status for t in resumed.tiers] == ["on_sale"] * 3
    with pytest.raises(NotFound):
        await call("toggle_all_tickets", as_="staff", event_id=999, on_sale=False)


async def test_cancelled_event_sales_cannot_reopen(call, db) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id)
    await call("cancel_event", as_="staff", event_id=event_id)
    with pytest.raises(Conflict, match="cancelled"):
        await call("toggle_all_tickets", as_="staff", event_id=event_id, on_sale=True)
    still = await call("toggle_all_tickets", as_="staff", event_id=event_id, on_sale=False)
    assert [t.status for t in still.tiers] == ["paused"]
    assert (await _stored(db, tier_id)).status == "paused"


async def test_add_tickets_raises_capacity_and_reopens_a_sold_out_tier(call, db) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, capacity=5, sold=5)
    before = await call("get_ticket_availability", as_="public", event_id=event_id)
    assert before.tiers[0].status == "sold_out" and before.sold_out is True
    out = await call("add_tickets", as_="staff", tier_id=tier_id, quantity=20)
    assert (out.capacity, out.sold, out.remaining, out.status) == (25, 5, 20, "on_sale")
    assert (await _stored(db, tier_id)).capacity == 25
    for bad in (0, -3, 100_001):
        with pytest.raises(InvalidInput):
            await call("add_tickets", as_="staff", tier_id=tier_id, quantity=bad)
    with pytest.raises(NotFound):
        await call("add_tickets", as_="staff", tier_id=999, quantity=1)
    with pytest.raises(Forbidden):
        await call("add_tickets", as_="agent", tier_id=tier_id, quantity=1)


async def test_availability_totals_and_sold_out(call, db) -> None:
    event_id = await make_event(db, "Jazz Night")
    ga = await make_tier(db, event_id, "GA", capacity=100, sold=40)
    vip = await make_tier(db, event_id, "VIP", capacity=10, sold=10)
    out = await call("get_ticket_availability", as_="public", event_id=event_id)
    assert (out.event_name, out.capacity, out.sold, out.remaining) == ("Jazz Night", 110, 50, 60)
    assert out.sold_out is False
    assert [(t.name, t.remaining, t.status) for t in out.tiers] == [
        ("GA", 60, "on_sale"),
        ("VIP", 0, "sold_out"),
    ]
    await call("update_ticket_tier", as_="staff", tier_id=ga, capacity=40)
    full = await call("get_ticket_availability", as_="agent", event_id=event_id)
    assert (full.remaining, full.sold_out) == (0, True)
    await call("update_ticket_tier", as_="staff", tier_id=vip, status="paused")
    paused = await call("get_ticket_availability", as_="agent", event_id=event_id)
    assert [t.status for t in paused.tiers] == ["sold_out", "paused"]


async def test_availability_of_an_event_without_tiers_is_not_sold_out(call, db) -> None:
    event_id = await make_event(db)
    out = await call("get_ticket_availability", as_="public", event_id=event_id)
    assert (out.capacity, out.remaining, out.sold_out, out.tiers) == (0, 0, False, [])


async def test_draft_event_tiers_are_hidden_from_the_public(call, db) -> None:
    draft = await make_event(db, visibility="draft")
    await make_tier(db, draft)
    with pytest.raises(NotFound):
        await call("list_ticket_tiers", as_="public", event_id=draft)
    with pytest.raises(NotFound):
        await call("get_ticket_availability", as_="agent", event_id=draft)
    assert len((await call("list_ticket_tiers", as_="staff", event_id=draft)).tiers) == 1
