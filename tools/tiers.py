"""Ticket tiers: price, capacity, per-order limit and whether they are on sale."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from sqlalchemy import func, select, update

from aitickets.errors import Conflict, InvalidInput, NotFound
from persistence.models import Event, Ticket, TicketTier

from .catalog_views import TierOut, load_event, tier_out
from .common import Cents, Id, In, Name, Out, get_or_404, require_changes
from .context import ToolContext
from .registry import HttpRoute, tool

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


@tool(
    category="tiers",
    role="public",
    read_only=True,
    examples=["what tickets are there for Jazz Night", "list the tiers"],
    http=HttpRoute("GET", "/api/events/{event_id}/tiers"),
)
async def list_ticket_tiers(ctx: ToolContext, args: EventTiersIn) -> ListTiersOut:
    """An event's tiers with price, sold and remaining seats."""
    event = await load_event(ctx, args.event_id)
    return ListTiersOut(event_id=event.id, tiers=event.tiers)


@tool(
    category="tiers",
    role="public",
    read_only=True,
    examples=["how many tickets are left for Jazz Night", "is the comedy show sold out"],
    http=HttpRoute("GET", "/api/events/{event_id}/availability"),
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


@tool(
    category="tiers",
    role="staff",
    idempotent=True,
    examples=["pause VIP sales", "raise the GA price to $30", "put the balcony tier back on sale"],
    http=HttpRoute("PUT", "/api/tiers/{tier_id}"),
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
