"""Venues: where events happen, with their address, capacity and time zone."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field
from sqlalchemy import func, select

from aitickets.errors import Conflict
from persistence.models import Event, Venue

from .common import Email, Id, In, Name, Out, Page, Phone, get_or_404, require_changes
from .context import ToolContext
from .registry import HttpRoute, tool
from .voice import speaks


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder like "America"
        raise ValueError(f"{value!r} is not a time zone; use a name like America/Chicago") from None
    return value


TimeZone = Annotated[str, Field(max_length=64), AfterValidator(_zone)]


class VenueOut(Out):
    id: int
    name: str
    address: str
    capacity: int
    timezone: str
    phone: str | None = None
    email: str | None = None
    created_at: datetime


class CreateVenueIn(In):
    name: Name
    address: str = Field(default="", max_length=500)
    capacity: int = Field(default=0, ge=0, le=1_000_000)
    timezone: TimeZone = "UTC"
    phone: Phone | None = None
    email: Email | None = None


class UpdateVenueIn(In):
    venue_id: Id
    name: Name | None = None
    address: str | None = Field(default=None, max_length=500)
    capacity: int | None = Field(default=None, ge=0, le=1_000_000)
    timezone: TimeZone | None = None
    phone: Phone | None = None
    email: Email | None = None


CLEARABLE = ("phone", "email")


class VenueRef(In):
    venue_id: Id


class ListVenuesOut(Out):
    venues: list[VenueOut]
    total: int


@tool(
    category="venues",
    role="admin",
    examples=["add a venue called The Blue Room at 12 Main Street", "create a new venue"],
    http=HttpRoute("POST", "/api/venues", 201),
    voice=speaks("add a venue|new venue|create venue", "venue"),
)
async def create_venue(ctx: ToolContext, args: CreateVenueIn) -> VenueOut:
    """Create a venue with its address, capacity and IANA time zone (used for "tonight")."""
    venue = Venue(**args.model_dump(), created_at=ctx.now())
    ctx.session.add(venue)
    await ctx.session.flush()
    return VenueOut.model_validate(venue)


@tool(
    category="venues",
    role="public",
    read_only=True,
    examples=["list our venues", "what venues do we have"],
    http=HttpRoute("GET", "/api/venues"),
    voice=speaks(
        "list venues|which venues|venues do we|all our venues|how many venues", "venue", phone=True
    ),
)
async def list_venues(ctx: ToolContext, args: Page) -> ListVenuesOut:
    """List venues by name, a page at a time."""
    total = await ctx.session.scalar(select(func.count(Venue.id)))
    rows = await ctx.session.scalars(
        select(Venue).order_by(Venue.name, Venue.id).limit(args.limit).offset(args.offset)
    )
    return ListVenuesOut(venues=[VenueOut.model_validate(v) for v in rows], total=total or 0)


@tool(
    category="venues",
    role="public",
    read_only=True,
    examples=["tell me about the Blue Room"],
    http=HttpRoute("GET", "/api/venues/{venue_id}"),
    voice=speaks(
        "tell me about the venue|venue details|address of|where is the venue|venue address|"
        "where are we located|how big is the",
        "venue",
        phone=True,
    ),
)
async def get_venue(ctx: ToolContext, args: VenueRef) -> VenueOut:
    """One venue's details."""
    return VenueOut.model_validate(await get_or_404(ctx.session, Venue, args.venue_id, "venue"))


@tool(
    category="venues",
    role="admin",
    idempotent=True,
    examples=["change the Blue Room's capacity to 250", "the venue moved to 5 Elm Street"],
    http=HttpRoute("PUT", "/api/venues/{venue_id}"),
    voice=speaks("venue capacity|venue moved|change the venue", "venue"),
)
async def update_venue(ctx: ToolContext, args: UpdateVenueIn) -> VenueOut:
    """Change a venue's name, address, capacity, time zone or contact details."""
    venue = await get_or_404(ctx.session, Venue, args.venue_id, "venue")
    for field, value in require_changes(args, target="venue_id", clearable=CLEARABLE).items():
        setattr(venue, field, value)
    await ctx.session.flush()
    return VenueOut.model_validate(venue)


@tool(
    category="venues",
    role="admin",
    destructive=True,
    examples=["delete the old warehouse venue"],
    http=HttpRoute("DELETE", "/api/venues/{venue_id}"),
    voice=speaks("delete the venue|remove venue", "venue"),
)
async def delete_venue(ctx: ToolContext, args: VenueRef) -> VenueOut:
    """Delete a venue that has no events."""
    venue = await get_or_404(ctx.session, Venue, args.venue_id, "venue")
    used = await ctx.session.scalar(select(func.count(Event.id)).where(Event.venue_id == venue.id))
    if used:
        raise Conflict(f"{venue.name} has {used} events; move or delete them first.")
    out = VenueOut.model_validate(venue)
    await ctx.session.delete(venue)
    return out
