"""The event dashboard's figures: sales per day, check-ins per quarter hour, per tier, and the
live check-in counter; for staff keys or a dashboard session (tools/dashboard_access.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import Field
from sqlalchemy import func, select

from persistence.models import DomainEvent, Order, Ticket, TicketTier, Venue

from .common import Out
from .context import ToolContext
from .dashboard_access import DashboardRef, authorise
from .phrasing import money
from .registry import HttpRoute, tool
from .voice import speaks

CHECKIN_BUCKET_MINUTES = 15


class DayCount(Out):
    day: date
    tickets: int
    net_cents: int


class BucketCount(Out):
    at: datetime
    checked_in: int


class TierFigures(Out):
    tier_id: int
    name: str
    price_cents: int
    capacity: int
    sold: int
    checked_in: int


class EventDashboardOut(Out):
    event_id: int
    name: str
    starts_at: datetime
    timezone: str
    status: str
    currency: str
    tickets_sold: int
    capacity: int
    checked_in: int
    net_cents: int
    sales_by_day: list[DayCount]
    checkins_by_time: list[BucketCount] = Field(description=f"{CHECKIN_BUCKET_MINUTES}-min buckets")
    tiers: list[TierFigures]
    last_change_id: int = Field(description="stream position of the event's latest change")


class LiveCountsOut(Out):
    event_id: int
    checked_in: int
    expected: int
    tickets_sold: int
    last_change_id: int


async def _last_change(ctx: ToolContext, event_id: int) -> int:
    last = await ctx.session.scalar(
        select(func.max(DomainEvent.id)).where(DomainEvent.event_id == event_id)
    )
    return last or 0


@tool(
    category="dashboard",
    role="public",
    read_only=True,
    examples=["show the dashboard for Jazz Night"],
    http=HttpRoute("GET", "/api/events/{event_id}/dashboard"),
    voice=speaks(
        say=lambda d, a, s: (
            f"{d['name']}: {d['tickets_sold']} of {d['capacity']} sold "
            f"for {money(d['net_cents'])}, "
            f"{d['checked_in']} checked in."
        )
    ),
)
async def get_event_dashboard(ctx: ToolContext, args: DashboardRef) -> EventDashboardOut:
    """An event's sales and check-ins for its dashboard: totals, tickets sold per day (venue
    time), check-ins per quarter hour, and per tier. Staff keys, or a dashboard session."""
    event = await authorise(ctx, args)
    tz_name = await ctx.session.scalar(select(Venue.timezone).where(Venue.id == event.venue_id))
    zone = ZoneInfo(tz_name or "UTC")
    tiers = list(
        await ctx.session.scalars(
            select(TicketTier)
            .where(TicketTier.event_id == event.id)
            .order_by(TicketTier.sort_order, TicketTier.id)
        )
    )
    admitted = dict(
        (
            await ctx.session.execute(
                select(Ticket.tier_id, func.count(Ticket.id))
                .where(Ticket.event_id == event.id, Ticket.status == "checked_in")
                .group_by(Ticket.tier_id)
            )
        ).all()
    )
    orders = (
        await ctx.session.execute(
            select(Order.created_at, Order.total_cents, Order.refunded_cents, Order.id).where(
                Order.event_id == event.id, Order.status.in_(("paid", "refunded"))
            )
        )
    ).all()
    per_order = dict(
        (
            await ctx.session.execute(
                select(Ticket.order_id, func.count(Ticket.id))
                .where(Ticket.event_id == event.id, Ticket.status.in_(("valid", "checked_in")))
                .group_by(Ticket.order_id)
            )
        ).all()
    )
    days: dict[date, DayCount] = {}
    for created_at, total, refunded, order_id in orders:
        day = created_at.astimezone(zone).date()
        entry = days.setdefault(day, DayCount(day=day, tickets=0, net_cents=0))
        entry.tickets += per_order.get(order_id, 0)
        entry.net_cents += total - refunded
    scans = await ctx.session.scalars(
        select(Ticket.checked_in_at).where(
            Ticket.event_id == event.id, Ticket.status == "checked_in"
        )
    )
    buckets: dict[datetime, int] = {}
    for at in scans:
        if at is None:
            continue
        start = at.replace(second=0, microsecond=0)
        start -= timedelta(minutes=start.minute % CHECKIN_BUCKET_MINUTES)
        buckets[start] = buckets.get(start, 0) + 1
    figures = [
        TierFigures(
            tier_id=t.id,
            name=t.name,
            price_cents=t.price_cents,
            capacity=t.capacity,
            sold=t.sold,
            checked_in=admitted.get(t.id, 0),
        )
        for t in tiers
    ]
    return EventDashboardOut(
        event_id=event.id,
        name=event.name,
        starts_at=event.starts_at,
        timezone=zone.key,
        status=event.status,
        currency=tiers[0].currency if tiers else ctx.settings.currency,
        tickets_sold=sum(t.sold for t in tiers),
        capacity=sum(t.capacity for t in tiers),
        checked_in=sum(admitted.values()),
        net_cents=sum(d.net_cents for d in days.values()),
        sales_by_day=[days[d] for d in sorted(days)],
        checkins_by_time=[BucketCount(at=b, checked_in=buckets[b]) for b in sorted(buckets)],
        tiers=figures,
        last_change_id=await _last_change(ctx, event.id),
    )


@tool(
    category="dashboard",
    role="public",
    read_only=True,
    examples=["how many are in now"],
    http=HttpRoute("GET", "/api/events/{event_id}/dashboard/live"),
    voice=speaks(
        say=lambda d, a, s: (
            f"{d['checked_in']} of {d['expected']} are in for {s.event_name(d.get('event_id'))}."
        )
    ),
)
async def get_live_counts(ctx: ToolContext, args: DashboardRef) -> LiveCountsOut:
    """The live check-in counter of an event's dashboard: admitted, expected, sold, and the
    stream position of the event's latest change. Staff keys, or a dashboard session."""
    event = await authorise(ctx, args)
    rows = (
        await ctx.session.execute(
            select(Ticket.status, func.count(Ticket.id))
            .where(Ticket.event_id == event.id, Ticket.status.in_(("valid", "checked_in")))
            .group_by(Ticket.status)
        )
    ).all()
    counts = dict(rows)
    sold = await ctx.session.scalar(
        select(func.coalesce(func.sum(TicketTier.sold), 0)).where(TicketTier.event_id == event.id)
    )
    return LiveCountsOut(
        event_id=event.id,
        checked_in=counts.get("checked_in", 0),
        expected=counts.get("checked_in", 0) + counts.get("valid", 0),
        tickets_sold=sold or 0,
        last_change_id=await _last_change(ctx, event.id),
    )
