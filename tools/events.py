"""Events: create, list and search, update, postpone, cancel, delete, and recurring series."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from sqlalchemy import delete, func, select

from aitickets.errors import Conflict, InvalidInput, NotFound
from aitickets.parsing import whole_number
from persistence.models import Category, Event, EventSeries, Ticket, TicketTier, Venue

from .catalog_views import EventOut, event_query, load_event, load_events
from .common import (
    MAX_ID,
    AwareDatetime,
    Cents,
    Id,
    In,
    Name,
    Out,
    Page,
    get_or_404,
    like_escape,
    require_changes,
)
from .context import ToolContext
from .phrasing import count, listing
from .refunds import refund_tickets
from .registry import HttpRoute, tool
from .voice import Data, Speaks, speaks

Visibility = Literal["public", "unlisted", "draft"]
MAX_SERIES = 52
CLEARABLE = ("ends_at", "sales_start_at", "sales_end_at", "image_url", "category_ids")


class _EventFields(In):
    description: str = Field(default="", max_length=10_000)
    ends_at: AwareDatetime | None = None
    visibility: Visibility = "public"
    sales_start_at: AwareDatetime | None = None
    sales_end_at: AwareDatetime | None = None
    image_url: str | None = Field(default=None, max_length=1000, pattern=r"^https?://")
    category_ids: list[Id] = Field(default_factory=list, max_length=20)


class CreateEventIn(_EventFields):
    name: Name
    venue_id: Id
    starts_at: AwareDatetime

    @model_validator(mode="after")
    def _order(self) -> CreateEventIn:
        _check_order(self.starts_at, self.ends_at, self.sales_start_at, self.sales_end_at)
        return self


class UpdateEventIn(In):
    event_id: Id
    name: Name | None = None
    description: str | None = Field(default=None, max_length=10_000)
    venue_id: Id | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    visibility: Visibility | None = None
    sales_start_at: AwareDatetime | None = None
    sales_end_at: AwareDatetime | None = None
    image_url: str | None = Field(default=None, max_length=1000, pattern=r"^https?://")
    category_ids: list[Id] | None = Field(default=None, max_length=20)


class EventRef(In):
    event_id: Id


class ListEventsIn(Page):
    q: str | None = Field(default=None, max_length=200, description="words in the name")
    category: str | None = Field(default=None, max_length=100, description="category id or name")
    from_: AwareDatetime | None = Field(default=None, alias="from")
    to: AwareDatetime | None = None
    venue_id: Id | None = None
    status: Literal["scheduled", "postponed", "cancelled"] | None = None
    include_past: bool = False
    include_hidden: bool = Field(default=False, description="drafts and unlisted (staff)")

    model_config = {"populate_by_name": True}


class ListEventsOut(Out):
    events: list[EventOut]
    total: int
    limit: int
    offset: int


class PostponeEventIn(In):
    event_id: Id
    new_starts_at: AwareDatetime | None = None
    new_ends_at: AwareDatetime | None = None
    reason: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _order(self) -> PostponeEventIn:
        if self.new_ends_at is not None and self.new_starts_at is None:
            raise ValueError("give new_starts_at along with new_ends_at")
        _check_order(self.new_starts_at, self.new_ends_at, None, None)
        return self


NO_REFUND = (
    r"\b(?:don'?t|do not|not|no|never|without|hold off on|no need to)\b(?:\s+\w+){0,3}?\s+"
    r"refund|\bno refunds?\b|\brefunds? (?:later|after|can wait)\b"
)


class CancelEventIn(In):
    event_id: Id
    refund_tickets: bool = True
    reason: str = Field(default="", max_length=500)


class CancelEventOut(Out):
    event: EventOut
    tickets_refunded: int
    refunded_cents: int


class SetVisibilityIn(In):
    event_id: Id
    visibility: Visibility


class SeriesTierIn(In):
    name: Name
    price_cents: Cents = 0
    capacity: int = Field(ge=1, le=100_000)


class CreateRecurringEventIn(_EventFields):
    name: Name
    venue_id: Id
    first_starts_at: AwareDatetime
    duration_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    frequency: Literal["weekly", "biweekly", "monthly"]
    occurrences: int = Field(ge=2, le=MAX_SERIES)
    tiers: list[SeriesTierIn] = Field(default_factory=list, max_length=10)


class RecurringEventOut(Out):
    series_id: int
    events: list[EventOut]


class UpdateEventSeriesIn(In):
    series_id: Id
    name: Name | None = None
    description: str | None = Field(default=None, max_length=10_000)
    visibility: Visibility | None = None
    upcoming_only: bool = True


class UpdateEventSeriesOut(Out):
    series_id: int
    updated: int


def _check_order(
    starts: datetime | None,
    ends: datetime | None,
    sales_start: datetime | None,
    sales_end: datetime | None,
) -> None:
    if starts and ends and ends <= starts:
        raise ValueError("ends_at must be after starts_at")
    if sales_start and sales_end and sales_end <= sales_start:
        raise ValueError("sales_end_at must be after sales_start_at")


async def _categories(ctx: ToolContext, ids: list[int]) -> list[Category]:
    if not ids:
        return []
    rows = list((await ctx.session.scalars(select(Category).where(Category.id.in_(ids)))).all())
    missing = sorted(set(ids) - {c.id for c in rows})
    if missing:
        raise NotFound(f"No category with id {', '.join(map(str, missing))}.")
    return rows


async def _event_for_update(ctx: ToolContext, event_id: int) -> Event:
    event = (await ctx.session.scalars(event_query().where(Event.id == event_id))).first()
    if event is None:
        raise NotFound(f"No event with id {event_id}.", id=event_id)
    return event


@tool(
    category="events",
    role="staff",
    examples=["create an event called Jazz Night next Friday at 8pm", "add a comedy show"],
    http=HttpRoute("POST", "/api/events", 201),
    voice=speaks(
        "create event|new event|add event|schedule a|add a show|create a show",
        "create",
        patterns=(
            r"(?:called|named)\s+(?P<name>.+?)(?:\s+(?:on|at|for|next|this|"
            r"tomorrow)\b|$)",
            r"^(?:please\s+)?(?:schedule|pencil in|book in)\s+(?:a\s+(?:new\s+)?"
            r"(?:show|event|gig)\s+)?(?P<name>(?-i:[A-Z][\w'&-]*(?:\s+[A-Z][\w'&-]*)*))",
        ),
        say=lambda d, a, s: f"Created {d['name']}, {s.when(d['starts_at'])}.",
    ),
)
async def create_event(ctx: ToolContext, args: CreateEventIn) -> EventOut:
    """Create an event at a venue. Add ticket tiers with create_ticket_tier to put it on sale."""
    await get_or_404(ctx.session, Venue, args.venue_id, "venue")
    categories = await _categories(ctx, args.category_ids)
    fields = args.model_dump(exclude={"category_ids"})
    event = Event(**fields, created_at=ctx.now(), updated_at=ctx.now())
    event.categories = categories
    ctx.session.add(event)
    await ctx.session.flush()
    out = await load_event(ctx, event.id)
    ctx.emit("event.created", {"event_id": event.id, "name": event.name}, event_id=event.id)
    return out


def _events(d: Data, a: Data, s: Speaks) -> str:
    events = d.get("events", [])
    if not events:
        return "Nothing is on for that time."
    first = events[0]
    return (
        f"{count(d.get('total', len(events)), 'event')}: "
        f"{listing([e['name'] for e in events])}. "
        f"Next is {first['name']} {s.when(first['starts_at'])}."
    )


@tool(
    category="events",
    role="public",
    read_only=True,
    examples=["what's on this week", "list upcoming events", "search for jazz events"],
    http=HttpRoute("GET", "/api/events"),
    voice=speaks(
        "what's on|whats on|what is on|upcoming|list events|events this|"
        "what shows|what events|coming up|schedule|calendar|anything on|anything happening|"
        "anything this week|anything this weekend|anything good|any shows on|any gigs on|"
        "is there anything on|are there any shows on|any show on|what's happening",
        "event show schedule",
        say=_events,
        slots={"category": "category_name"},
        phone=True,
    ),
)
async def list_events(ctx: ToolContext, args: ListEventsIn) -> ListEventsOut:
    """List or search events: upcoming by default, filtered by words in the name, category,
    date range, venue or status, a page at a time, soonest first."""
    query = select(Event.id)
    if not (args.include_hidden and ctx.actor.at_least("staff")):
        query = query.where(Event.visibility == "public")
    if args.q:
        for word in args.q.split()[:8]:
            query = query.where(Event.name.ilike(f"%{like_escape(word)}%", escape="\\"))
    if args.category:
        category_id = whole_number(args.category, below=MAX_ID + 1)
        cat = Category.id == category_id if category_id else None
        if cat is None:
            cat = func.lower(Category.name) == args.category.lower()
        query = query.where(Event.categories.any(cat))
    since = args.from_ or (None if args.include_past else ctx.now() - timedelta(hours=6))
    if since is not None:
        query = query.where(Event.starts_at >= since)
    if args.to is not None:
        query = query.where(Event.starts_at <= args.to)
    if args.venue_id is not None:
        query = query.where(Event.venue_id == args.venue_id)
    if args.status is not None:
        query = query.where(Event.status == args.status)
    total = await ctx.session.scalar(select(func.count()).select_from(query.subquery()))
    page = query.order_by(Event.starts_at, Event.id).limit(args.limit).offset(args.offset)
    ids = list((await ctx.session.scalars(page)).all())
    return ListEventsOut(
        events=await load_events(ctx.session, ids),
        total=total or 0,
        limit=args.limit,
        offset=args.offset,
    )


def _event(d: Data, a: Data, s: Speaks) -> str:
    return f"{d['name']} is {s.when(d['starts_at'])}, {d['sold']} of {d['capacity']} sold."


@tool(
    category="events",
    role="public",
    read_only=True,
    examples=["tell me about Jazz Night", "when is the comedy show"],
    http=HttpRoute("GET", "/api/events/{event_id}"),
    voice=speaks(
        "tell me about|when is|what time is|details of|start|how long is|what time does end|"
        "finish|when does end|next show|next event",
        "when",
        say=_event,
        phone=True,
    ),
)
async def get_event(ctx: ToolContext, args: EventRef) -> EventOut:
    """One event with its venue, status, categories and tiers (sold and remaining seats)."""
    return await load_event(ctx, args.event_id)


@tool(
    category="events",
    role="staff",
    idempotent=True,
    examples=["rename Jazz Night to Jazz Night Live", "change the description of the comedy show"],
    http=HttpRoute("PUT", "/api/events/{event_id}"),
    voice=speaks(
        "rename|change the description|change description|update the event|describe|"
        "new description|description to|description as",
        "rename description",
        patterns=(
            r"rename\s+.+?\s+to\s+(?P<name>.+)$",
            r"\bcall\s+.+?\s+(?P<name>(?-i:[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*))\s+instead\b",
        ),
        slots={"category_ids": "changed_categories"},
    ),
)
async def update_event(ctx: ToolContext, args: UpdateEventIn) -> EventOut:
    """Change an event's details. Moving the date of a sold event is better done with
    postpone_event, which also marks it postponed."""
    event = await _event_for_update(ctx, args.event_id)
    changes = require_changes(args, target="event_id", clearable=CLEARABLE)
    if "venue_id" in changes:
        await get_or_404(ctx.session, Venue, changes["venue_id"], "venue")
    if "category_ids" in changes:
        event.categories = await _categories(ctx, changes.pop("category_ids") or [])
    merged = {
        k: changes.get(k, getattr(event, k))
        for k in ("starts_at", "ends_at", "sales_start_at", "sales_end_at")
    }
    try:
        _check_order(*merged.values())
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    for field, value in changes.items():
        setattr(event, field, value)
    event.updated_at = ctx.now()
    await ctx.session.flush()
    payload = {"event_id": event.id, "changes": sorted(args.model_fields_set - {"event_id"})}
    ctx.emit("event.updated", payload, event_id=event.id)
    return await load_event(ctx, event.id)


@tool(
    category="events",
    role="staff",
    idempotent=True,
    examples=["hide the comedy show from the website", "make Jazz Night public"],
    voice=speaks(
        "hide|make public|unlisted|draft|unhide|visible|off the public site|off the site|"
        "off the website|take down|off the listings|back on the site|back on the website|"
        "hide from the public|show on the site|public again",
        "visibility hide public",
    ),
)
async def set_event_visibility(ctx: ToolContext, args: SetVisibilityIn) -> EventOut:
    """Show an event publicly, make it unlisted (reachable by link only) or a draft."""
    event = await _event_for_update(ctx, args.event_id)
    event.visibility = args.visibility
    event.updated_at = ctx.now()
    ctx.emit("event.updated", {"event_id": event.id, "changes": ["visibility"]}, event_id=event.id)
    await ctx.session.flush()
    return await load_event(ctx, event.id)


@tool(
    category="events",
    role="staff",
    destructive=True,
    examples=["postpone Jazz Night to next Saturday", "push the comedy show back a week"],
    http=HttpRoute("POST", "/api/events/{event_id}/postpone"),
    voice=speaks(
        "postpone|push back|reschedule|move to|delay|bring forward|move up|hour later|"
        "bumped back|bumped forward|shifted to|pushed to|moved to|push to|"
        "hours later|day later|week later|minutes later|minutes earlier|hour earlier",
        "postpone",
        say=lambda d, a, s: f"{d['name']} now starts {s.when(d['starts_at'])}.",
        slots={"new_starts_at": "new_start"},
    ),
)
async def postpone_event(ctx: ToolContext, args: PostponeEventIn) -> EventOut:
    """Postpone an event, optionally to a new date; tickets stay valid for the new date and
    holders are told (notifications go out from the event stream)."""
    event = await _event_for_update(ctx, args.event_id)
    if event.status == "cancelled":
        raise Conflict(f"{event.name} is cancelled; it cannot be postponed.")
    if args.new_starts_at is not None:
        duration = (event.ends_at - event.starts_at) if event.ends_at else None
        event.starts_at = args.new_starts_at
        event.ends_at = args.new_ends_at or (
            args.new_starts_at + duration if duration is not None else None
        )
    event.status = "postponed" if args.new_starts_at is None else "scheduled"
    event.updated_at = ctx.now()
    payload = {
        "event_id": event.id,
        "changes": ["status", "starts_at"],
        "status": event.status,
        "postponed": True,
        "starts_at": event.starts_at.isoformat(),
        "reason": args.reason,
    }
    ctx.emit("event.updated", payload, event_id=event.id)
    await ctx.session.flush()
    return await load_event(ctx, event.id)


@tool(
    category="events",
    role="staff",
    destructive=True,
    examples=["cancel the comedy show", "call off Jazz Night and refund everyone"],
    http=HttpRoute("POST", "/api/events/{event_id}/cancel"),
    voice=speaks(
        "cancel the event|cancel the show|call off|cancel tonight|cancel jazz|cancel|is off|"
        "is cancelled|is canceled|not happening|refund everyone|refund everybody|called off",
        "cancel",
        # "cancel it but don't refund yet": a cancellation that keeps the money, never refunds
        flags={"refund_tickets": (r"$^", NO_REFUND)},
    ),
)
async def cancel_event(ctx: ToolContext, args: CancelEventIn) -> CancelEventOut:
    """Cancel an event: sales stop, and by default every valid ticket is refunded and its
    seat released. Holders are told through the event stream."""
    event = await _event_for_update(ctx, args.event_id)
    if event.status == "cancelled":
        raise Conflict(f"{event.name} is already cancelled.")
    event.status = "cancelled"
    event.updated_at = ctx.now()
    for tier in event.tiers:
        tier.status = "paused"
    payload = {"event_id": event.id, "changes": ["status"], "status": "cancelled"}
    ctx.emit("event.updated", payload, event_id=event.id)
    refunded, cents = 0, 0
    if args.refund_tickets:
        ids = (
            await ctx.session.scalars(
                select(Ticket.id).where(Ticket.event_id == event.id, Ticket.status == "valid")
            )
        ).all()
        # Card refunds commit the cancellation before calling the gateway; if it fails, the
        # event stays cancelled and the error names the orders to refund again (refund_order).
        refunded, cents = await refund_tickets(ctx, list(ids), reason=args.reason or "cancelled")
    await ctx.session.flush()
    return CancelEventOut(
        event=await load_event(ctx, event.id), tickets_refunded=refunded, refunded_cents=cents
    )


@tool(
    category="events",
    role="admin",
    destructive=True,
    examples=["delete the test event"],
    http=HttpRoute("DELETE", "/api/events/{event_id}"),
    voice=speaks("delete the event|delete event|delete the show", "delete"),
)
async def delete_event(ctx: ToolContext, args: EventRef) -> EventOut:
    """Delete an event that never sold a ticket (cancel a sold one instead)."""
    out = await load_event(ctx, args.event_id)
    sold = await ctx.session.scalar(
        select(func.count(Ticket.id)).where(Ticket.event_id == args.event_id)
    )
    if sold:
        raise Conflict(f"{out.name} has {sold} tickets; cancel it instead of deleting it.")
    # Tiers and category links go with it (ON DELETE CASCADE).
    await ctx.session.execute(delete(Event).where(Event.id == args.event_id))
    ctx.emit("event.deleted", {"event_id": out.id, "name": out.name}, event_id=out.id)
    return out


def _occurrences(first: datetime, tz: str, frequency: str, count: int) -> list[datetime]:
    """Same wall-clock time in the venue's zone each time, across daylight-saving changes."""
    local = first.astimezone(ZoneInfo(tz))
    starts = []
    for i in range(count):
        if frequency == "monthly":
            month_index = local.month - 1 + i
            year, month = local.year + month_index // 12, month_index % 12 + 1
            day = min(local.day, calendar.monthrange(year, month)[1])
            moment = local.replace(year=year, month=month, day=day)
        else:
            step = 7 if frequency == "weekly" else 14
            moment = (local.replace(tzinfo=None) + timedelta(days=step * i)).replace(
                tzinfo=local.tzinfo
            )
        starts.append(moment.astimezone(first.tzinfo))
    return starts


@tool(
    category="events",
    role="staff",
    examples=["create a weekly open mic every Thursday for 8 weeks"],
    http=HttpRoute("POST", "/api/events/recurring", 201),
    voice=speaks(
        "every week|weekly|recurring|every thursday|every friday|series", "recurring weekly monthly"
    ),
)
async def create_recurring_event(
    ctx: ToolContext, args: CreateRecurringEventIn
) -> RecurringEventOut:
    """Create a series of events (weekly, biweekly or monthly), each with the same tiers.
    Each date can later be edited alone (update_event) or all together (update_event_series)."""
    venue = await get_or_404(ctx.session, Venue, args.venue_id, "venue")
    categories = await _categories(ctx, args.category_ids)
    series = EventSeries(name=args.name, frequency=args.frequency, created_at=ctx.now())
    ctx.session.add(series)
    await ctx.session.flush()
    ids = []
    for starts in _occurrences(
        args.first_starts_at, venue.timezone, args.frequency, args.occurrences
    ):
        ends = starts + timedelta(minutes=args.duration_minutes) if args.duration_minutes else None
        event = Event(
            name=args.name,
            venue_id=venue.id,
            series_id=series.id,
            description=args.description,
            starts_at=starts,
            ends_at=ends,
            visibility=args.visibility,
            image_url=args.image_url,
            created_at=ctx.now(),
            updated_at=ctx.now(),
        )
        event.categories = list(categories)
        event.tiers = [
            TicketTier(**t.model_dump(), currency=ctx.settings.currency, created_at=ctx.now())
            for t in args.tiers
        ]
        ctx.session.add(event)
        await ctx.session.flush()
        ids.append(event.id)
        ctx.emit("event.created", {"event_id": event.id, "name": event.name}, event_id=event.id)
    return RecurringEventOut(series_id=series.id, events=await load_events(ctx.session, ids))


@tool(
    category="events",
    role="staff",
    examples=["rename every open mic night in the series"],
    http=HttpRoute("PUT", "/api/series/{series_id}"),
    voice=speaks("every event in the series|rename the series", "series"),
)
async def update_event_series(ctx: ToolContext, args: UpdateEventSeriesIn) -> UpdateEventSeriesOut:
    """Edit every event of a recurring series at once (by default only the upcoming ones)."""
    await get_or_404(ctx.session, EventSeries, args.series_id, "series")
    changes = require_changes(args, target="series_id")
    upcoming_only = changes.pop("upcoming_only", True)
    if not changes:
        raise InvalidInput("Nothing to change: give a name, description or visibility.")
    query = select(Event).where(Event.series_id == args.series_id)
    if upcoming_only:
        query = query.where(Event.starts_at >= ctx.now())
    events = (await ctx.session.scalars(query)).all()
    for event in events:
        for field, value in changes.items():
            setattr(event, field, value)
        event.updated_at = ctx.now()
        ctx.emit(
            "event.updated", {"event_id": event.id, "changes": sorted(changes)}, event_id=event.id
        )
    return UpdateEventSeriesOut(series_id=args.series_id, updated=len(events))
