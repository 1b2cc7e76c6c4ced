"""Read models of events and tiers shared by the event, tier and order tools."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from aitickets.errors import NotFound
from persistence.models import Event, TicketTier

from .common import Out
from .context import ToolContext


class TierOut(Out):
    id: int
    event_id: int
    name: str
    description: str
    price_cents: int
    currency: str
    capacity: int
    sold: int
    held: int
    remaining: int
    max_per_order: int
    status: str


class EventOut(Out):
    id: int
    name: str
    description: str
    venue_id: int
    venue_name: str
    venue_address: str = ""
    timezone: str
    starts_at: datetime
    ends_at: datetime | None
    status: str
    visibility: str
    sales_start_at: datetime | None
    sales_end_at: datetime | None
    series_id: int | None
    image_url: str | None
    category_ids: list[int]
    tiers: list[TierOut]
    sold: int
    capacity: int


def tier_out(tier: TicketTier) -> TierOut:
    return TierOut(
        id=tier.id,
        event_id=tier.event_id,
        name=tier.name,
        description=tier.description,
        price_cents=tier.price_cents,
        currency=tier.currency,
        capacity=tier.capacity,
        sold=tier.sold,
        held=tier.held,
        remaining=tier.remaining,
        max_per_order=tier.max_per_order,
        status="sold_out" if tier.status == "on_sale" and tier.remaining == 0 else tier.status,
    )


def event_out(event: Event) -> EventOut:
    """Needs venue, tiers and categories loaded (see `event_query`)."""
    tiers = [tier_out(t) for t in event.tiers]
    return EventOut(
        id=event.id,
        name=event.name,
        description=event.description,
        venue_id=event.venue_id,
        venue_name=event.venue.name,
        venue_address=event.venue.address,
        timezone=event.venue.timezone,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        status=event.status,
        visibility=event.visibility,
        sales_start_at=event.sales_start_at,
        sales_end_at=event.sales_end_at,
        series_id=event.series_id,
        image_url=event.image_url,
        category_ids=sorted(c.id for c in event.categories),
        tiers=tiers,
        sold=sum(t.sold for t in tiers),
        capacity=sum(t.capacity for t in tiers),
    )


def event_query():  # type: ignore[no-untyped-def]
    return select(Event).options(
        selectinload(Event.venue), selectinload(Event.tiers), selectinload(Event.categories)
    )


async def load_events(session: AsyncSession, ids: Sequence[int]) -> list[EventOut]:
    if not ids:
        return []
    rows = (await session.scalars(event_query().where(Event.id.in_(ids)))).all()
    by_id = {e.id: e for e in rows}
    return [event_out(by_id[i]) for i in ids if i in by_id]


def visible_to(ctx: ToolContext, event: Event) -> bool:
    """Drafts are for staff only; unlisted events open by id, not in listings."""
    return event.visibility != "draft" or ctx.actor.at_least("staff")


async def load_event(ctx: ToolContext, event_id: int) -> EventOut:
    event = (
        await ctx.session.scalars(
            event_query().where(Event.id == event_id).execution_options(populate_existing=True)
        )
    ).first()
    if event is None or not visible_to(ctx, event):
        raise NotFound(f"No event with id {event_id}.", id=event_id)
    return event_out(event)
