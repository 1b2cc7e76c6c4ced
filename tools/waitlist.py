"""The waitlist of a sold-out event: join, see your place, list it, take people off it."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, model_validator
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from aitickets.errors import Conflict, NotFound
from persistence.models import Customer, Event, TicketTier, WaitlistEntry

from .common import Email, Id, In, Name, Out, Page, Phone
from .context import ToolContext
from .customers import registered_payload, upsert_customer
from .phrasing import count, listing, ordinal
from .registry import HttpRoute, tool
from .voice import Data, Speaks, speaks

ACTIVE = ("waiting", "offered")  # on the list; "removed" is off it
MAX_WAITLIST_QUANTITY = 10


class JoinWaitlistIn(In):
    event_id: Id
    name: Name
    email: Email
    phone: Phone | None = None
    quantity: int = Field(default=1, ge=1, le=MAX_WAITLIST_QUANTITY)
    tier_id: Id | None = Field(default=None, description="A particular tier, if it matters.")


class WaitlistPlaceOut(Out):
    entry_id: int
    event_id: int
    event_name: str
    tier_id: int | None
    quantity: int
    status: str
    position: int = Field(description="1 = next in line.")
    already_on_list: bool = False


class GetWaitlistPositionIn(In):
    event_id: Id
    email: Email


class GetWaitlistIn(Page):
    event_id: Id
    include_removed: bool = False


class WaitlistEntryOut(Out):
    id: int
    position: int | None = Field(description="Place in line; null once removed.")
    customer_id: int
    name: str
    email: str | None
    phone: str | None
    quantity: int
    tier_id: int | None
    tier_name: str | None
    status: str
    joined_at: datetime
    notified_at: datetime | None


class GetWaitlistOut(Out):
    event_id: int
    event_name: str
    waiting: int = Field(description="People on the list.")
    seats_wanted: int = Field(description="Seats those people asked for.")
    entries: list[WaitlistEntryOut]


class RemoveFromWaitlistIn(In):
    entry_id: Id | None = None
    email: Email | None = None
    event_id: Id | None = None

    @model_validator(mode="after")
    def _one_way(self) -> RemoveFromWaitlistIn:
        if self.entry_id is None and (self.email is None or self.event_id is None):
            raise ValueError("give entry_id, or email together with event_id")
        return self


class RemoveFromWaitlistOut(Out):
    entry_id: int
    event_id: int
    name: str
    email: str | None
    status: str
    removed: bool = Field(description="False when the entry was already off the list.")


# --- helpers ---------------------------------------------------------------------------------


async def _event(ctx: ToolContext, event_id: int) -> Event:
    event = await ctx.session.get(Event, event_id)
    if event is None or (event.visibility == "draft" and not ctx.actor.at_least("staff")):
        raise NotFound(f"No event with id {event_id}.", id=event_id)
    return event


async def _position(session: AsyncSession, entry: WaitlistEntry) -> int:
    """1 + the number of people still on the list who joined before this entry."""
    ahead = await session.scalar(
        select(func.count())
        .select_from(WaitlistEntry)
        .where(
            WaitlistEntry.event_id == entry.event_id,
            WaitlistEntry.status.in_(ACTIVE),
            WaitlistEntry.id < entry.id,
        )
    )
    return (ahead or 0) + 1


async def _active_entry(
    session: AsyncSession, event_id: int, customer_id: int
) -> WaitlistEntry | None:
    return await session.scalar(
        select(WaitlistEntry)
        .where(
            WaitlistEntry.event_id == event_id,
            WaitlistEntry.customer_id == customer_id,
            WaitlistEntry.status.in_(ACTIVE),
        )
        .order_by(WaitlistEntry.id)
        .limit(1)
    )


async def _entry_by_email(
    ctx: ToolContext, event: Event, email: str
) -> tuple[WaitlistEntry, Customer]:
    found = (
        await ctx.session.execute(
            select(WaitlistEntry, Customer)
            .join(Customer, Customer.id == WaitlistEntry.customer_id)
            .where(
                WaitlistEntry.event_id == event.id,
                WaitlistEntry.status.in_(ACTIVE),
                Customer.email == email,
            )
            .order_by(WaitlistEntry.id)
            .limit(1)
        )
    ).first()
    if found is None:
        raise NotFound(f"{email} is not on the waitlist for {event.name}.")
    return found[0], found[1]


def _entry_out(
    entry: WaitlistEntry, customer: Customer, tier_name: str | None, position: int | None
) -> WaitlistEntryOut:
    return WaitlistEntryOut(
        id=entry.id,
        position=position,
        customer_id=customer.id,
        name=customer.name,
        email=customer.email,
        phone=customer.phone,
        quantity=entry.quantity,
        tier_id=entry.tier_id,
        tier_name=tier_name,
        status=entry.status,
        joined_at=entry.created_at,
        notified_at=entry.notified_at,
    )


async def _place(
    ctx: ToolContext, entry: WaitlistEntry, event: Event, *, already: bool = False
) -> WaitlistPlaceOut:
    return WaitlistPlaceOut(
        entry_id=entry.id,
        event_id=event.id,
        event_name=event.name,
        tier_id=entry.tier_id,
        quantity=entry.quantity,
        status=entry.status,
        position=await _position(ctx.session, entry),
        already_on_list=already,
    )


# --- tools -----------------------------------------------------------------------------------


def _waitlist_place(d: Data, a: Data, s: Speaks) -> str:
    who = a.get("name") or s.focus.get("customer_name") or a.get("email") or "They"
    verb = "is already" if d.get("already_on_list") else "is"
    return f"{who} {verb} {ordinal(d['position'])} in line for {d['event_name']}."


@tool(
    category="waitlist",
    role="public",
    undo="remove_from_waitlist",
    examples=["put me on the waitlist for jazz night", "add Jane to the waiting list for two"],
    http=HttpRoute("POST", "/api/events/{event_id}/waitlist", 201),
    voice=speaks(
        "put on the waitlist|add to waitlist|join waitlist|add to the waiting|"
        "on the waiting list|onto the waiting list|onto the waitlist",
        "waitlist",
        patterns=(r"^\s*(?:please\s+)?(?:wait-?list|waiting-list)\s+(?!for\b|of\b)\w",),
        say=_waitlist_place,
        slots={"name": "person_name"},
        phone=True,
    ),
)
async def join_waitlist(ctx: ToolContext, args: JoinWaitlistIn) -> WaitlistPlaceOut:
    """Join an event's waitlist with a name, email (and phone) and how many seats are wanted;
    returns the place in line. Joining again returns the existing place."""
    event = await _event(ctx, args.event_id)
    if event.status == "cancelled":
        raise Conflict(f"{event.name} is cancelled, so it has no waitlist.")
    if (event.ends_at or event.starts_at) < ctx.now():
        raise Conflict(f"{event.name} has already taken place.")
    if args.tier_id is not None:
        tier = await ctx.session.get(TicketTier, args.tier_id)
        if tier is None or tier.event_id != event.id:
            raise NotFound(f"{event.name} has no ticket tier with id {args.tier_id}.")
    customer, created = await upsert_customer(
        ctx.session,
        name=args.name,
        email=args.email,
        phone=args.phone,
        now=ctx.now(),
        trusted=ctx.actor.at_least("staff"),
    )
    if created:
        ctx.emit("customer.registered", registered_payload(customer, "waitlist"))
    existing = await _active_entry(ctx.session, event.id, customer.id)
    if existing is not None:
        return await _place(ctx, existing, event, already=True)
    entry = WaitlistEntry(
        event_id=event.id,
        tier_id=args.tier_id,
        customer_id=customer.id,
        quantity=args.quantity,
        status="waiting",
        created_at=ctx.now(),
    )
    ctx.session.add(entry)
    await ctx.session.flush()
    payload = {
        "entry_id": entry.id,
        "customer_id": customer.id,
        "quantity": entry.quantity,
        "tier_id": entry.tier_id,
    }
    ctx.emit("waitlist.joined", payload, event_id=event.id)
    return await _place(ctx, entry, event)


@tool(
    category="waitlist",
    role="public",
    read_only=True,
    examples=["where am I on the waitlist", "what's my place in line for jazz night"],
    http=HttpRoute("GET", "/api/events/{event_id}/waitlist/position"),
    voice=speaks(
        "place in line|position on waitlist|where am i|place in the queue|number in the queue|"
        "where is on the waitlist|how far down the waitlist|how far up the waitlist",
        "position",
        say=_waitlist_place,
    ),
)
async def get_waitlist_position(ctx: ToolContext, args: GetWaitlistPositionIn) -> WaitlistPlaceOut:
    """Someone's place on an event's waitlist, found by the email they joined with."""
    event = await _event(ctx, args.event_id)
    entry, _customer = await _entry_by_email(ctx, event, args.email)
    return await _place(ctx, entry, event)


def _waitlist(d: Data, a: Data, s: Speaks) -> str:
    if not d.get("waiting"):
        return f"Nobody is waiting for {d['event_name']}."
    names = [e["name"] for e in d.get("entries") or []]
    return (
        f"{count(d['waiting'], 'person')} waiting for {d['event_name']}, "
        f"{count(d['seats_wanted'], 'seat')} wanted: {listing(names)}."
    ).replace("persons", "people")


@tool(
    category="waitlist",
    role="staff",
    read_only=True,
    examples=["who is on the waitlist for jazz night", "show the waiting list"],
    http=HttpRoute("GET", "/api/events/{event_id}/waitlist"),
    voice=speaks("waitlist|waiting list|who is waiting", "waitlist", say=_waitlist),
)
async def get_waitlist(ctx: ToolContext, args: GetWaitlistIn) -> GetWaitlistOut:
    """An event's waitlist in order, with each person's contact details, seats wanted, tier and
    place in line."""
    event = await _event(ctx, args.event_id)
    active = (WaitlistEntry.event_id == event.id, WaitlistEntry.status.in_(ACTIVE))
    waiting, seats = (
        await ctx.session.execute(
            select(func.count(), func.coalesce(func.sum(WaitlistEntry.quantity), 0)).where(*active)
        )
    ).one()
    query = (
        select(WaitlistEntry, Customer, TicketTier.name)
        .join(Customer, Customer.id == WaitlistEntry.customer_id)
        .outerjoin(TicketTier, TicketTier.id == WaitlistEntry.tier_id)
        .where(WaitlistEntry.event_id == event.id)
        .order_by(WaitlistEntry.id)
        .limit(args.limit)
        .offset(args.offset)
    )
    if not args.include_removed:
        query = query.where(WaitlistEntry.status.in_(ACTIVE))
    rows = (await ctx.session.execute(query)).all()
    # Places are counted over the people still on the list, from the first row of this page.
    position = await _position(ctx.session, rows[0][0]) - 1 if rows else 0
    entries = []
    for entry, customer, tier_name in rows:
        if entry.status in ACTIVE:
            position += 1
            entries.append(_entry_out(entry, customer, tier_name, position))
        else:
            entries.append(_entry_out(entry, customer, tier_name, None))
    return GetWaitlistOut(
        event_id=event.id,
        event_name=event.name,
        waiting=waiting,
        seats_wanted=seats,
        entries=entries,
    )


@tool(
    category="waitlist",
    role="staff",
    idempotent=True,
    examples=["take Jane off the waitlist", "remove waitlist entry 12"],
    http=(
        HttpRoute("DELETE", "/api/waitlist/{entry_id}"),
        HttpRoute("DELETE", "/api/events/{event_id}/waitlist"),
    ),
    voice=speaks(
        "take off waitlist|remove from waitlist|off the waiting list",
        "waitlist",
        say=lambda d, a, s: (
            f"Took {d['name']} off the waitlist for {s.event_name(d.get('event_id'))}."
            if d.get("removed", True)
            else f"{d['name']} was already off the waitlist."
        ),
        slots={"email": "known_email", "entry_id": "waitlist_entry"},
    ),
)
async def remove_from_waitlist(
    ctx: ToolContext, args: RemoveFromWaitlistIn
) -> RemoveFromWaitlistOut:
    """Take someone off an event's waitlist, by entry id or by email and event. They can join
    again (at the back of the line)."""
    if args.entry_id is not None:
        entry = await ctx.session.get(WaitlistEntry, args.entry_id)
        if entry is None or (args.event_id is not None and entry.event_id != args.event_id):
            raise NotFound(f"No waitlist entry with id {args.entry_id}.", id=args.entry_id)
        customer = await ctx.session.get(Customer, entry.customer_id)
    else:
        assert args.event_id is not None and args.email is not None
        event = await _event(ctx, args.event_id)
        entry, customer = await _entry_by_email(ctx, event, args.email)
    assert customer is not None
    removed = entry.status in ACTIVE
    if removed:
        entry.status = "removed"
        await ctx.session.flush()
        payload = {"entry_id": entry.id, "customer_id": entry.customer_id}
        ctx.emit("waitlist.removed", payload, event_id=entry.event_id)
    return RemoveFromWaitlistOut(
        entry_id=entry.id,
        event_id=entry.event_id,
        name=customer.name,
        email=customer.email,
        status=entry.status,
        removed=removed,
    )
