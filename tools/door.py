"""What the door page needs beyond single admissions: tonight's events, one event's guest list
with its QR tokens (so the page can judge scans while the network is down), and the sync of
scans queued offline, which reports a ticket admitted twice as a conflict."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field
from sqlalchemy import func, select

from aitickets.errors import NotFound
from persistence.models import DomainEvent, Event, Ticket, TicketTier, Venue

from .checkin import TICKETS, admit_tickets
from .common import AwareDatetime, Id, In, Out
from .context import ToolContext
from .registry import HttpRoute, tool

# An event is "on" from its start until its end (or this long after its start when it has none).
DEFAULT_LENGTH = timedelta(hours=5)
WINDOW_BEFORE = timedelta(hours=18)
WINDOW_AFTER = timedelta(hours=36)
MAX_SCANS = 500
# A clock on a phone may be a little ahead; a scan "from the future" beyond this is refused.
CLOCK_SKEW = timedelta(minutes=10)


class DoorEventOut(Out):
    id: int
    name: str
    starts_at: datetime
    ends_at: datetime | None
    status: str
    venue_name: str
    timezone: str


class GetDoorOptionsIn(In):
    pass


class GetDoorOptionsOut(Out):
    events: list[DoorEventOut]
    default_event_id: int | None = Field(description="the event on now, else the next one")


class GetDoorListIn(In):
    event_id: Id


class DoorTierOut(Out):
    id: int
    name: str


class DoorTicketOut(Out):
    id: int
    qr_token: str
    status: str
    holder_name: str
    tier_id: int
    order_id: int
    customer_id: int
    checked_in_at: datetime | None


class GetDoorListOut(Out):
    event: DoorEventOut
    tiers: list[DoorTierOut]
    tickets: list[DoorTicketOut]
    cursor: int = Field(description="the event stream's position when this list was read")


class QueuedScan(In):
    local_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-:.]+$")
    qr_token: str = Field(min_length=8, max_length=64)
    scanned_at: AwareDatetime = Field(description="when the door admitted it, offline")
    method: Literal["qr", "name", "party"] = "qr"


class SyncDoorScansIn(In):
    event_id: Id
    scans: list[QueuedScan] = Field(min_length=1, max_length=MAX_SCANS)


class SyncedScan(Out):
    local_id: str
    outcome: Literal["admitted", "already_synced", "conflict", "refused"]
    ticket_id: int | None = None
    holder_name: str = ""
    code: str | None = None
    message: str = ""
    checked_in_at: datetime | None = None


class SyncDoorScansOut(Out):
    event_id: int
    admitted: int
    conflicts: int
    refused: int
    results: list[SyncedScan]


def _door_event(event: Event, venue: Venue) -> DoorEventOut:
    return DoorEventOut(
        id=event.id,
        name=event.name,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        status=event.status,
        venue_name=venue.name,
        timezone=venue.timezone,
    )


@tool(
    category="checkin",
    role="staff",
    read_only=True,
    examples=["which door can I scan for right now", "door scanner options"],
    http=HttpRoute("GET", "/api/door/events"),
)
async def get_door_options(ctx: ToolContext, args: GetDoorOptionsIn) -> GetDoorOptionsOut:
    """The events a door may be scanning for around now (since 18 hours ago, until 36 hours
    ahead, not cancelled), and which one to open first: the one on now, else the next."""
    now = ctx.now()
    rows = (
        await ctx.session.execute(
            select(Event, Venue)
            .join(Venue, Venue.id == Event.venue_id)
            .where(
                Event.status != "cancelled",
                Event.starts_at >= now - WINDOW_BEFORE,
                Event.starts_at <= now + WINDOW_AFTER,
            )
            .order_by(Event.starts_at, Event.id)
        )
    ).all()
    events = [_door_event(event, venue) for event, venue in rows]
    on_now = [
        e for e in events if e.starts_at <= now <= (e.ends_at or e.starts_at + DEFAULT_LENGTH)
    ]
    upcoming = [e for e in events if e.starts_at > now]
    chosen = on_now[-1] if on_now else (upcoming[0] if upcoming else None)
    if chosen is None and events:
        chosen = events[-1]  # the last one that ended: late arrivals, a door still open
    return GetDoorOptionsOut(events=events, default_event_id=chosen.id if chosen else None)


@tool(
    category="checkin",
    role="staff",
    read_only=True,
    examples=["download the guest list for the door", "get the door list for Jazz Night"],
    http=HttpRoute("GET", "/api/events/{event_id}/door-list"),
)
async def get_door_list(ctx: ToolContext, args: GetDoorListIn) -> GetDoorListOut:
    """Everything a door needs to work offline for one event: every ticket with its QR token,
    holder, tier, order and status, the tiers' names, and the event stream's position to
    follow changes from."""
    row = (
        await ctx.session.execute(
            select(Event, Venue)
            .join(Venue, Venue.id == Event.venue_id)
            .where(Event.id == args.event_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"No event with id {args.event_id}.")
    event, venue = row
    # The cursor first: a change made while the list is read is then sent again, never missed.
    cursor = await ctx.session.scalar(select(func.max(DomainEvent.id)))
    tiers = (
        await ctx.session.execute(
            select(TicketTier.id, TicketTier.name)
            .where(TicketTier.event_id == event.id)
            .order_by(TicketTier.id)
        )
    ).all()
    tickets = (
        await ctx.session.execute(
            select(
                Ticket.id,
                Ticket.qr_token,
                Ticket.status,
                Ticket.holder_name,
                Ticket.tier_id,
                Ticket.order_id,
                Ticket.customer_id,
                Ticket.checked_in_at,
            )
            .where(Ticket.event_id == event.id)
            .order_by(Ticket.id)
        )
    ).all()
    return GetDoorListOut(
        event=_door_event(event, venue),
        tiers=[DoorTierOut(id=t.id, name=t.name) for t in tiers],
        tickets=[DoorTicketOut.model_validate(t._mapping) for t in tickets],
        cursor=int(cursor or 0),
    )


async def _judge_unadmitted(
    ctx: ToolContext, event_id: int, scan: QueuedScan, at: datetime
) -> SyncedScan:
    """Why a queued scan admitted nobody now: synced before, admitted elsewhere, or void."""
    ticket = (
        await ctx.session.execute(
            select(
                Ticket.id, Ticket.status, Ticket.event_id, Ticket.holder_name, Ticket.checked_in_at
            ).where(Ticket.qr_token == scan.qr_token)
        )
    ).first()
    base = {"local_id": scan.local_id}
    if ticket is None:
        return SyncedScan(
            **base, outcome="refused", code="unknown_ticket", message="No ticket has that code."
        )
    base |= {"ticket_id": ticket.id, "holder_name": ticket.holder_name}
    if ticket.event_id != event_id:
        return SyncedScan(
            **base,
            outcome="refused",
            code="wrong_event",
            message="This ticket is for another event.",
        )
    if ticket.status == "checked_in":
        if ticket.checked_in_at == at:  # this very scan, sent again after a dropped answer
            return SyncedScan(**base, outcome="already_synced", checked_in_at=ticket.checked_in_at)
        ctx.emit(
            "ticket.check_in_conflict",
            {
                "ticket_id": ticket.id,
                "event_id": event_id,
                "checked_in_at": ticket.checked_in_at.isoformat() if ticket.checked_in_at else None,
                "offline_scanned_at": scan.scanned_at.isoformat(),
            },
            event_id=event_id,
        )
        return SyncedScan(
            **base,
            outcome="conflict",
            code="already_checked_in",
            message=f"{ticket.holder_name} was admitted twice: another door had let them in.",
            checked_in_at=ticket.checked_in_at,
        )
    return SyncedScan(
        **base,
        outcome="refused",
        code=ticket.status,
        message=f"This ticket was {ticket.status} before it was scanned offline.",
    )


@tool(
    category="checkin",
    role="staff",
    examples=["sync the door's offline scans", "upload the check-ins made offline"],
    http=HttpRoute("POST", "/api/events/{event_id}/door-sync"),
)
async def sync_door_scans(ctx: ToolContext, args: SyncDoorScansIn) -> SyncDoorScansOut:
    """Admit the scans a door queued while offline, in the order they happened and at the times
    they happened. A ticket another door admitted meanwhile is reported as a conflict (never
    admitted twice); a scan sent again after a dropped answer is recognised, not a conflict."""
    if await ctx.session.get(Event, args.event_id) is None:
        raise NotFound(f"No event with id {args.event_id}.")
    latest = ctx.now() + CLOCK_SKEW
    results: list[SyncedScan] = []
    for scan in sorted(args.scans, key=lambda s: s.scanned_at):
        at = min(scan.scanned_at, latest)
        admitted = await admit_tickets(
            ctx,
            TICKETS.c.qr_token == scan.qr_token,
            method="offline" if scan.method == "qr" else f"offline_{scan.method}",
            event_id=args.event_id,
            at=at,
        )
        if admitted:
            ticket = admitted[0]
            results.append(
                SyncedScan(
                    local_id=scan.local_id,
                    outcome="admitted",
                    ticket_id=ticket.id,
                    holder_name=ticket.holder_name,
                    checked_in_at=ticket.checked_in_at,
                )
            )
        else:
            results.append(await _judge_unadmitted(ctx, args.event_id, scan, at))
    return SyncDoorScansOut(
        event_id=args.event_id,
        admitted=sum(r.outcome == "admitted" for r in results),
        conflicts=sum(r.outcome == "conflict" for r in results),
        refused=sum(r.outcome == "refused" for r in results),
        results=results,
    )
