"""Sales and revenue reports: by period ("how much did we make last week?"), event and tier.
Revenue is money taken: order totals less refunds, in minor units."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from sqlalchemy import func, select

from aitickets.errors import NotFound
from persistence.models import Event, Order, Ticket, TicketTier

from .common import AwareDatetime, Id, In, Out
from .context import ToolContext
from .phrasing import count, money
from .registry import HttpRoute, tool
from .voice import Data, Speaks, speaks

TAKEN = ("paid", "refunded")  # orders whose money was taken (refunds are netted off)
MAX_DAYS = 366


class RevenueReportIn(In):
    from_: AwareDatetime | None = Field(
        default=None, alias="from", description="default: 7 days ago"
    )
    to: AwareDatetime | None = Field(default=None, description="default: now")
    event_id: Id | None = None

    model_config = {"populate_by_name": True}

    @model_validator(mode="after")
    def _window(self) -> RevenueReportIn:
        if self.from_ and self.to and self.to <= self.from_:
            raise ValueError("'to' must be after 'from'")
        return self


class EventRevenue(Out):
    event_id: int
    name: str
    tickets: int
    net_cents: int


class DayRevenue(Out):
    day: date
    tickets: int
    net_cents: int


class RevenueReportOut(Out):
    period_start: datetime
    period_end: datetime
    currency: str
    orders: int
    tickets_sold: int
    gross_cents: int
    discount_cents: int
    refunded_cents: int
    net_cents: int
    by_event: list[EventRevenue]
    by_day: list[DayRevenue]


class EventSalesIn(In):
    event_id: Id


class TierSales(Out):
    tier_id: int
    name: str
    price_cents: int
    capacity: int
    sold: int
    remaining: int
    net_cents: int


class EventSalesOut(Out):
    event_id: int
    name: str
    tickets_sold: int
    capacity: int
    net_cents: int
    refunded_cents: int
    sell_through_percent: float
    tiers: list[TierSales]


def _revenue(d: Data, a: Data, s: Speaks) -> str:
    top = sorted(d.get("by_event", []), key=lambda e: -e["net_cents"])
    best = f" {top[0]['name']} brought in the most." if len(top) > 1 else ""
    when = s.period(d["period_start"], d["period_end"])
    if re.search(r"\bhow many\b", s.focus.get("_text", ""), re.I):  # a count asked: it first
        sold = count(d["tickets_sold"], "ticket")
        return f"{sold} sold {when}, {money(d['net_cents'])} net.{best}"
    return (
        f"{money(d['net_cents'])} net from {count(d['tickets_sold'], 'ticket')} "
        f"{s.period(d['period_start'], d['period_end'])}.{best}"
    )


@tool(
    category="analytics",
    role="staff",
    read_only=True,
    examples=[
        "how much revenue did we make last week",
        "what were sales this month",
        "how many tickets did we sell yesterday",
    ],
    http=HttpRoute("GET", "/api/reports/revenue"),
    voice=speaks(
        "revenue|how much money|how much did we make|how much have we made|"
        "takings|earn|make last|sales report|income",
        "money total gross",
        say=_revenue,
    ),
)
async def get_revenue_report(ctx: ToolContext, args: RevenueReportIn) -> RevenueReportOut:
    """Tickets sold and money taken between two times (default: the last 7 days), overall, per
    event and per day in the venue's time zone; optionally for one event."""
    to = args.to or ctx.now()
    since = args.from_ or to - timedelta(days=7)
    if to - since > timedelta(days=MAX_DAYS):
        since = to - timedelta(days=MAX_DAYS)
    query = (
        select(Order, Event.name)
        .join(Event, Event.id == Order.event_id)
        .where(
            Order.status.in_(TAKEN),
            Order.created_at >= since,
            # A window given ends before `to`; the default one ends now and includes it.
            Order.created_at < to if args.to is not None else Order.created_at <= to,
        )
    )
    if args.event_id is not None:
        query = query.where(Order.event_id == args.event_id)
    rows = (await ctx.session.execute(query)).all()
    counts = (
        dict(
            (
                await ctx.session.execute(
                    select(Ticket.order_id, func.count(Ticket.id))
                    .where(Ticket.order_id.in_([order.id for order, _ in rows]))
                    .group_by(Ticket.order_id)
                )
            ).all()
        )
        if rows
        else {}
    )
    zone = ZoneInfo(ctx.settings.default_timezone)
    events: dict[int, EventRevenue] = {}
    days: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for order, name in rows:
        tickets, net = counts.get(order.id, 0), order.total_cents - order.refunded_cents
        entry = events.setdefault(
            order.event_id, EventRevenue(event_id=order.event_id, name=name, tickets=0, net_cents=0)
        )
        entry.tickets += tickets
        entry.net_cents += net
        day = days[order.created_at.astimezone(zone).date()]
        day[0] += tickets
        day[1] += net
    return RevenueReportOut(
        period_start=since,
        period_end=to,
        currency=ctx.settings.currency,
        orders=len(rows),
        tickets_sold=sum(counts.values()),
        gross_cents=sum(o.subtotal_cents for o, _ in rows),
        discount_cents=sum(o.discount_cents for o, _ in rows),
        refunded_cents=sum(o.refunded_cents for o, _ in rows),
        net_cents=sum(o.total_cents - o.refunded_cents for o, _ in rows),
        by_event=sorted(events.values(), key=lambda e: -e.net_cents),
        by_day=[DayRevenue(day=d, tickets=v[0], net_cents=v[1]) for d, v in sorted(days.items())],
    )


def _event_sales(d: Data, a: Data, s: Speaks) -> str:
    said = s.focus.get("_text", "")
    asked = [
        t
        for t in d.get("tiers") or []
        if len(d["tiers"]) > 1 and re.search(rf"\b{re.escape(t['name'])}\b", said, re.I)
    ]
    if len(asked) == 1:  # "what's VIP pulled in for jazz": that tier's figures
        tier = asked[0]
        return (
            f"{tier['name']} for {d['name']} has sold {tier['sold']} of {tier['capacity']}, "
            f"for {money(tier['net_cents'])}."
        )
    return (
        f"{d['name']} has sold {d['tickets_sold']} of {d['capacity']} tickets, "
        f"{round(d['sell_through_percent'])} percent, for {money(d['net_cents'])}."
    )


@tool(
    category="analytics",
    role="staff",
    read_only=True,
    examples=["how are sales for Jazz Night", "how much has the comedy show made"],
    http=HttpRoute("GET", "/api/events/{event_id}/sales"),
    voice=speaks(
        "how many have we sell|how many did we sell|how many sell|sales for|"
        "how are sales|sell through|how much has|pulled in for|brought in for|how many gone|"
        "how many went",
        "sales sell",
        say=_event_sales,
    ),
)
async def get_event_sales(ctx: ToolContext, args: EventSalesIn) -> EventSalesOut:
    """One event's sales: tickets sold, sell-through, money taken and refunded, per tier."""
    event = await ctx.session.get(Event, args.event_id)
    if event is None:
        raise NotFound(f"No event with id {args.event_id}.")
    tiers = (
        await ctx.session.scalars(
            select(TicketTier)
            .where(TicketTier.event_id == event.id)
            .order_by(TicketTier.sort_order)
        )
    ).all()
    tier_net = dict(
        (
            await ctx.session.execute(
                select(Ticket.tier_id, func.sum(Ticket.price_cents))
                .where(Ticket.event_id == event.id, Ticket.status.in_(("valid", "checked_in")))
                .group_by(Ticket.tier_id)
            )
        ).all()
    )
    money = (
        await ctx.session.execute(
            select(
                func.coalesce(func.sum(Order.total_cents - Order.refunded_cents), 0),
                func.coalesce(func.sum(Order.refunded_cents), 0),
            ).where(Order.event_id == event.id, Order.status.in_(TAKEN))
        )
    ).one()
    sold = sum(t.sold for t in tiers)
    capacity = sum(t.capacity for t in tiers)
    return EventSalesOut(
        event_id=event.id,
        name=event.name,
        tickets_sold=sold,
        capacity=capacity,
        net_cents=int(money[0]),
        refunded_cents=int(money[1]),
        sell_through_percent=round(100 * sold / capacity, 1) if capacity else 0.0,
        tiers=[
            TierSales(
                tier_id=t.id,
                name=t.name,
                price_cents=t.price_cents,
                capacity=t.capacity,
                sold=t.sold,
                remaining=t.remaining,
                net_cents=int(tier_net.get(t.id) or 0),
            )
            for t in tiers
        ],
    )
