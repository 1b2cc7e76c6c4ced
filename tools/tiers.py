"""Ticket tiers: price, capacity, per-order limit and whether they are on sale."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field
from sqlalchemy import func, select, update

from aitickets.errors import Conflict, InvalidInput, NotFound
from persistence.models import Event, Ticket, TicketTier

from .catalog_views import TierOut, load_event, tier_out
from .common import Cents, Id, In, Name, Out, get_or_404, require_changes
from .context import ToolContext
from .phrasing import listing, money
from .registry import HttpRoute, tool
from .voice import Data, Speaks, speaks

TierStatus = Literal["on_sale", "paused"]


MAX_CAPACITY = 100_000  # seats in one tier, however they got there (created, updated or added)


class CreateTicketTierIn(In):
    event_id: Id
    name: Name
    price_cents: Cents = 0
    capacity: int = Field(ge=1, le=MAX_CAPACITY)
    max_per_order: int = Field(default=10, ge=1, le=50)
    description: str = Field(default="", max_length=2000)
    status: TierStatus = "on_sale"


class UpdateTicketTierIn(In):
    tier_id: Id
    name: Name | None = None
    price_cents: Cents | None = None
    capacity: int | None = Field(default=None, ge=0, le=MAX_CAPACITY)
    max_per_order: int | None = Field(default=None, ge=1, le=50)
    description: str | None = Field(default=None, max_length=2000)
    status: TierStatus | None = None


class TierRef(In):
    tier_id: Id


class EventTiersIn(In):
    event_id: Id


class ListTiersOut(Out):
    event_id: int
    tiers: list[TierOut]


class AvailabilityOut(Out):
    event_id: int
    event_name: str
    capacity: int
    sold: int
    remaining: int
    sold_out: bool
    tiers: list[TierOut]


class ToggleAllTicketsIn(In):
    event_id: Id
    on_sale: bool


class AddTicketsIn(In):
    tier_id: Id
    quantity: int = Field(ge=1, le=MAX_CAPACITY)


async def _tier(ctx: ToolContext, tier_id: int) -> TicketTier:
    tier = await ctx.session.get(TicketTier, tier_id, populate_existing=True)
    if tier is None:
        raise NotFound(f"No ticket tier with id {tier_id}.", id=tier_id)
    return tier


@tool(
    category="tiers",
    role="staff",
    examples=["add a VIP tier at $80 with 40 seats", "create 100 general admission tickets at $25"],
    http=HttpRoute("POST", "/api/events/{event_id}/tiers", 201),
    voice=speaks(
        "add a tier|new tier|create tier|create tickets at",
        "tier",
        say=lambda d, a, s: (
            f"Added {d['name']} to {s.event_name(d.get('event_id'))}: {d['capacity']} at "
            f"{money(d['price_cents'])}."
        ),
    ),
)
async def create_ticket_tier(ctx: ToolContext, args: CreateTicketTierIn) -> TierOut:
    """Add a ticket tier (name, price in cents, capacity) to an event."""
    event = await get_or_404(ctx.session, Event, args.event_id, "event")
    if event.status == "cancelled":
        raise Conflict(f"{event.name} is cancelled; it cannot get new tiers.")
    count = await ctx.session.scalar(
        select(func.count(TicketTier.id)).where(TicketTier.event_id == event.id)
    )
    tier = TicketTier(
        **args.model_dump(),
        currency=ctx.settings.currency,
        sort_order=count or 0,
        created_at=ctx.now(),
    )
    ctx.session.add(tier)
    await ctx.session.flush()
    ctx.emit("event.updated", {"event_id": event.id, "changes": ["tiers"]}, event_id=event.id)
    return tier_out(tier)


def _tiers(d: Data, a: Data, s: Speaks) -> str:
    tiers = d.get("tiers", d if isinstance(d, list) else [])
    asked = bool(re.search(r"\b(paus\w*|selling|on sale|status)\b", s.focus.get("_text", ""), re.I))
    said = [
        f"{t['name']} at {money(t['price_cents'])}"
        + (", paused" if t.get("status") == "paused" else ", on sale" if asked else "")
        for t in tiers
    ]
    return listing(said) + "."


@tool(
    category="tiers",
    role="public",
    read_only=True,
    examples=["what tickets are there for Jazz Night", "list the tiers"],
    http=HttpRoute("GET", "/api/events/{event_id}/tiers"),
    voice=speaks(
        "price|prices|how much are tickets|tiers|ticket types|how much is a ticket|how much is|"
        "how much are|what does cost|"
        "ticket options|kinds of tickets|types of tickets|kind of tickets",
        "tier price cost",
        say=_tiers,
        phone=True,
    ),
)
async def list_ticket_tiers(ctx: ToolContext, args: EventTiersIn) -> ListTiersOut:
    """An event's tiers with price, sold and remaining seats."""
    event = await load_event(ctx, args.event_id)
    return ListTiersOut(event_id=event.id, tiers=event.tiers)


def _availability(d: Data, a: Data, s: Speaks) -> str:
    tiers = d.get("tiers", [])
    left = sum(t.get("remaining", 0) for t in tiers) if tiers else d.get("remaining", 0)
    name = d.get("name") or d.get("event_name") or s.event_name(d.get("event_id"))
    if not left:
        return f"{name} is sold out."
    said = s.focus.get("_text", "")
    asked = [
        t for t in tiers if len(tiers) > 1 and re.search(rf"\b{re.escape(t['name'])}\b", said, re.I)
    ]
    if len(asked) == 1:  # "how many standard left for salsa": that tier
        return f"{asked[0]['remaining']} {asked[0]['name']} left for {name}."
    parts = listing([f"{t['remaining']} {t['name']}" for t in tiers if t.get("remaining")])
    return f"{name} has {left} tickets left: {parts}."


@tool(
    category="tiers",
    role="public",
    read_only=True,
    examples=["how many tickets are left for Jazz Night", "is the comedy show sold out"],
    http=HttpRoute("GET", "/api/events/{event_id}/availability"),
    voice=speaks(
        "how many left|tickets left|seats left|sold out|still available|"
        "remaining|availability|any left|how many tickets are left",
        "left remain available capacity",
        say=_availability,
        phone=True,
    ),
)
async def get_ticket_availability(ctx: ToolContext, args: EventTiersIn) -> AvailabilityOut:
    """Seats sold and remaining for an event, in total and per tier."""
    event = await load_event(ctx, args.event_id)
    remaining = sum(t.remaining for t in event.tiers)
    return AvailabilityOut(
        event_id=event.id,
        event_name=event.name,
        capacity=event.capacity,
        sold=event.sold,
        remaining=remaining,
        sold_out=bool(event.tiers) and remaining == 0,
        tiers=event.tiers,
    )


def _tier_changed(d: Data, a: Data, s: Speaks) -> str:
    said = []
    if "price_cents" in a:
        said.append(f"costs {money(d['price_cents'])}")
    if "capacity" in a:
        said.append(f"holds {d['capacity']}")
    if "status" in a:
        said.append("paused" if d["status"] == "paused" else "on sale")
    if said == ["paused"] or said == ["on sale"]:
        return f"{d['name']} is now {said[0]}."
    return f"{d['name']} now {listing(said)}." if said else f"Updated {d['name']}."


@tool(
    category="tiers",
    role="staff",
    idempotent=True,
    examples=["pause VIP sales", "raise the GA price to $30", "put the balcony tier back on sale"],
    http=HttpRoute("PUT", "/api/tiers/{tier_id}"),
    voice=speaks(
        "raise the price|lower the price|change price|pause|resume|stop selling|start selling|"
        "raise the cap|bump the cap|cap to|capacity to|"
        "off sale|back on sale",
        "price pause",
        say=_tier_changed,
        slots={"status": "sale_status"},
    ),
)
async def update_ticket_tier(ctx: ToolContext, args: UpdateTicketTierIn) -> TierOut:
    """Change a tier's name, price, capacity, per-order limit, or pause and resume its sales.
    Capacity cannot go below the seats already sold."""
    tier = await _tier(ctx, args.tier_id)
    changes = require_changes(args, target="tier_id")
    if "capacity" in changes and changes["capacity"] < tier.sold + tier.held:
        raise Conflict(
            f"{tier.name} has already sold {tier.sold}; capacity cannot go below that.",
            code="capacity_below_sold",
        )
    for field, value in changes.items():
        setattr(tier, field, value)
    await ctx.session.flush()
    ctx.emit(
        "event.updated", {"event_id": tier.event_id, "changes": ["tiers"]}, event_id=tier.event_id
    )
    return tier_out(tier)


@tool(
    category="tiers",
    role="staff",
    destructive=True,
    examples=["delete the early bird tier"],
    http=HttpRoute("DELETE", "/api/tiers/{tier_id}"),
    voice=speaks("delete the tier|remove the tier", "tier"),
)
async def delete_ticket_tier(ctx: ToolContext, args: TierRef) -> TierOut:
    """Delete a tier that has sold nothing (pause it instead once it has sales)."""
    tier = await _tier(ctx, args.tier_id)
    issued = await ctx.session.scalar(
        select(func.count(Ticket.id)).where(Ticket.tier_id == tier.id)
    )
    if issued:
        raise Conflict(f"{tier.name} has {issued} tickets; pause it instead of deleting it.")
    out = tier_out(tier)
    await ctx.session.delete(tier)
    ctx.emit(
        "event.updated", {"event_id": out.event_id, "changes": ["tiers"]}, event_id=out.event_id
    )
    return out


@tool(
    category="tiers",
    role="staff",
    idempotent=True,
    examples=["stop all ticket sales for Jazz Night", "open sales again for the comedy show"],
    http=HttpRoute("POST", "/api/events/{event_id}/sales"),
    voice=speaks(
        "stop all sales|stop selling|open sales|resume sales|pause sales|stop ticket sales|"
        "no more tickets|no more sales|full up|stop taking|sold enough",
        "sales resume pause reopen",
        flags={
            "on_sale": (
                r"\b(open|resume|start|restart|back on)\b",
                r"\b(stop|pause|close|halt|suspend|no more|full up)\b",
            )
        },
        say=lambda d, a, s: (
            f"Sales are {'open' if a.get('on_sale') else 'paused'} "
            f"for {s.event_name(a.get('event_id'))}."
        ),
        scope="all",
    ),
)
async def toggle_all_tickets(ctx: ToolContext, args: ToggleAllTicketsIn) -> ListTiersOut:
    """Pause or resume sales of every tier of an event at once."""
    event = await get_or_404(ctx.session, Event, args.event_id, "event")
    if args.on_sale and event.status == "cancelled":
        raise Conflict(f"{event.name} is cancelled; its sales cannot reopen.")
    await ctx.session.execute(
        update(TicketTier)
        .where(TicketTier.event_id == event.id)
        .values(status="on_sale" if args.on_sale else "paused")
        .execution_options(synchronize_session=False)
    )
    ctx.emit("event.updated", {"event_id": event.id, "changes": ["tiers"]}, event_id=event.id)
    refreshed = await load_event(ctx, event.id)
    return ListTiersOut(event_id=event.id, tiers=refreshed.tiers)


@tool(
    category="tiers",
    role="staff",
    examples=["add 20 more GA tickets", "release 10 more VIP seats"],
    http=HttpRoute("POST", "/api/tiers/{tier_id}/add"),
    voice=speaks(
        "add more tickets|release more|more seats|add seats|more tickets|stick another|"
        "put another|add another|another on",
        "more",
    ),
)
async def add_tickets(ctx: ToolContext, args: AddTicketsIn) -> TierOut:
    """Add seats to a tier's capacity (atomically, so it is safe during sales), up to the
    100,000 seats a tier may have."""
    tier = await _tier(ctx, args.tier_id)
    added = await ctx.session.scalar(
        update(TicketTier)
        .where(TicketTier.id == tier.id, TicketTier.capacity + args.quantity <= MAX_CAPACITY)
        .values(capacity=TicketTier.capacity + args.quantity)
        .returning(TicketTier.id)
        .execution_options(synchronize_session=False)
    )
    if added is None:
        raise InvalidInput(
            f"{tier.name} has {tier.capacity:,} seats; adding {args.quantity:,} would pass the "
            f"{MAX_CAPACITY:,} a tier may have."
        )
    ctx.emit(
        "event.updated", {"event_id": tier.event_id, "changes": ["tiers"]}, event_id=tier.event_id
    )
    return tier_out(await _tier(ctx, tier.id))
