"""Revenue reports count money taken, net of refunds, in the window asked for."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aitickets.errors import InvalidInput, NotFound
from persistence.db import Database
from tests.conftest import NOW, Call, FixedClock
from tests.factories import make_event, make_tier


async def _sell(call: Call, event: int, tier: int, qty: int, who: str) -> object:
    return await call(
        "purchase_tickets",
        as_="staff",
        event_id=event,
        tier_id=tier,
        quantity=qty,
        payment="cash",
        customer={"name": who, "email": f"{who.lower()}@example.com"},
    )


async def test_revenue_report_nets_refunds_and_respects_the_window(
    call: Call, db: Database, clock: FixedClock
) -> None:
    event = await make_event(db, "Jazz Night")
    tier = await make_tier(db, event, price_cents=2500, capacity=50)
    clock.advance(days=-10)
    await _sell(call, event, tier, 4, "Old")  # outside the last 7 days
    clock.advance(days=8)
    order = await _sell(call, event, tier, 2, "Ann")
    await _sell(call, event, tier, 1, "Bob")
    await call("refund_ticket", as_="staff", ticket_id=order.tickets[0].id)
    clock.advance(days=2)
    report = await call("get_revenue_report", as_="staff")
    assert report.tickets_sold == 3 and report.orders == 2
    assert report.gross_cents == 7500
    assert report.refunded_cents == 2500 and report.net_cents == 5000
    assert [(e.name, e.net_cents) for e in report.by_event] == [("Jazz Night", 5000)]
    assert sum(d.net_cents for d in report.by_day) == 5000
    everything = await call(
        "get_revenue_report", as_="staff", **{"from": (NOW - timedelta(days=30)).isoformat()}
    )
    assert everything.tickets_sold == 7 and everything.net_cents == 15000


async def test_revenue_report_refuses_a_backwards_window(call: Call) -> None:
    with pytest.raises(InvalidInput, match="after"):
        await call(
            "get_revenue_report",
            as_="staff",
            **{"from": NOW.isoformat(), "to": (NOW - timedelta(days=1)).isoformat()},
        )


async def test_event_sales_per_tier(call: Call, db: Database) -> None:
    event = await make_event(db)
    ga = await make_tier(db, event, "GA", price_cents=2000, capacity=10)
    vip = await make_tier(db, event, "VIP", price_cents=5000, capacity=10)
    await _sell(call, event, ga, 3, "Ann")
    await _sell(call, event, vip, 1, "Bob")
    sales = await call("get_event_sales", as_="staff", event_id=event)
    assert sales.tickets_sold == 4 and sales.capacity == 20 and sales.sell_through_percent == 20.0
    assert sales.net_cents == 11000
    assert [(t.name, t.sold, t.net_cents) for t in sales.tiers] == [
        ("GA", 3, 6000),
        ("VIP", 1, 5000),
    ]
    with pytest.raises(NotFound):
        await call("get_event_sales", as_="staff", event_id=999)


async def test_default_window_includes_a_sale_made_just_now(call: Call, db: Database) -> None:
    event = await make_event(db)
    tier = await make_tier(db, event, price_cents=1000, capacity=10)
    await _sell(call, event, tier, 2, "Now")  # stamped with the clock's "now" exactly
    report = await call("get_revenue_report", as_="staff")
    assert report.tickets_sold == 2 and report.net_cents == 2000
