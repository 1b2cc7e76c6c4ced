"""Admission at the door: by QR scan (the hot path), by spoken name, by party, and undo.

A scan is one conditional UPDATE … RETURNING (valid → checked_in), a check-in log row and a
domain event: the request that wins the UPDATE admits, every other one is told why not.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from rapidfuzz import fuzz, process
from sqlalchemy import func, insert, select, update

from aitickets.errors import Ambiguous, Conflict, NotFound
from persistence.models import CheckIn, DomainEvent, Event, Order, Ticket, Venue

from .common import Id, In, Name, Out, name_key
from .context import ToolContext
from .phrasing import count, listing
from .registry import HttpRoute, tool
from .voice import Data, Speaks, speaks

NAME_MATCH_CUTOFF = 80
MAX_OPTIONS = 3


class CheckInTicketIn(In):
    qr_token: str = Field(min_length=8, max_length=64)
    event_id: Id | None = Field(default=None, description="refuse tickets for any other event")
    method: Literal["qr", "name"] = Field(
        default="qr", description="how the ticket was found: its QR code scanned, or by name"
    )


class CheckedInOut(Out):
    id: int
    status: str
    holder_name: str
    event_id: int
    tier_id: int
    order_id: int
    customer_id: int
    checked_in_at: datetime | None


class CheckInByNameIn(In):
    name: Name
    event_id: Id | None = Field(default=None, description="default: today's event")
    all_tickets: bool = Field(default=False, description="admit every ticket the person holds")


class CheckInPartyIn(In):
    event_id: Id
    order_id: Id | None = None
    customer_id: Id | None = None

    @model_validator(mode="after")
    def _one_target(self) -> CheckInPartyIn:
        if (self.order_id is None) == (self.customer_id is None):
            raise ValueError("give either order_id or customer_id")
        return self


class CheckInManyOut(Out):
    event_id: int
    checked_in: list[CheckedInOut]
    already_checked_in: int
    remaining_on_order: int = 0


class UndoCheckInIn(In):
    ticket_id: Id


class CheckInStatsIn(In):
    event_id: Id


class TierStats(Out):
    tier_id: int
    checked_in: int
    admitted_of: int


class CheckInStatsOut(Out):
    event_id: int
    event_name: str
    checked_in: int
    expected: int
    percent: float
    tiers: list[TierStats]


# The hot path speaks Core to the tables on the session's connection: the ORM's autoflush and
# bulk machinery cost more than SQLite's own work (bench/door.py).
TICKETS = Ticket.__table__
CHECK_INS = CheckIn.__table__
DOMAIN_EVENTS = DomainEvent.__table__

_RETURNING = tuple(
    TICKETS.c[name]
    for name in (
        "id",
        "status",
        "holder_name",
        "event_id",
        "tier_id",
        "order_id",
        "customer_id",
        "checked_in_at",
    )
)


async def admit_tickets(
    ctx: ToolContext,
    condition: object,
    *,
    method: str,
    event_id: int | None = None,
    at: datetime | None = None,
) -> list[CheckedInOut]:
    """valid → checked_in for the tickets matching `condition`, logged, with one event each.
    `at` is when the admission happened when that was earlier (a scan queued offline)."""
    now = at or ctx.now()
    conn = await ctx.session.connection()
    statement = update(TICKETS).where(condition, TICKETS.c.status == "valid")  # type: ignore[arg-type]
    if event_id is not None:
        statement = statement.where(TICKETS.c.event_id == event_id)
    rows = (
        await conn.execute(
            statement.values(status="checked_in", checked_in_at=now).returning(*_RETURNING)
        )
    ).all()
    if not rows:
        return []
    admitted = [CheckedInOut.model_validate(row._mapping) for row in rows]
    await conn.execute(
        insert(CHECK_INS),
        [
            {
                "ticket_id": t.id,
                "event_id": t.event_id,
                "action": "check_in",
                "method": method,
                "actor": ctx.actor.name,
                "created_at": now,
            }
            for t in admitted
        ],
    )
    await conn.execute(
        insert(DOMAIN_EVENTS),
        [
            {
                "kind": "ticket.checked_in",
                "event_id": t.event_id,
                "actor": ctx.actor.name,
                "created_at": now,
                "payload": {
                    "ticket_id": t.id,
                    "event_id": t.event_id,
                    "tier_id": t.tier_id,
                    "order_id": t.order_id,
                    "holder_name": t.holder_name,
                    "checked_in_at": now.isoformat(),
                    "method": method,
                },
            }
            for t in admitted
        ],
    )
    return admitted


async def _refusal(ctx: ToolContext, qr_token: str, event_id: int | None) -> Exception:
    ticket = (
        await ctx.session.execute(
            select(
                Ticket.id, Ticket.status, Ticket.event_id, Ticket.checked_in_at, Ticket.holder_name
            ).where(Ticket.qr_token == qr_token)
        )
    ).first()
    if ticket is None:
        return NotFound("No ticket has that QR code.", code="unknown_ticket")
    if event_id is not None and ticket.event_id != event_id:
        return Conflict(
            f"This ticket is for another event (event {ticket.event_id}).",
            code="wrong_event",
            ticket_id=ticket.id,
            ticket_event_id=ticket.event_id,
        )
    if ticket.status == "checked_in":
        at = ticket.checked_in_at
        return Conflict(
            f"{ticket.holder_name} was already checked in at {at:%H:%M} UTC."
            if at
            else f"{ticket.holder_name} was already checked in.",
            code="already_checked_in",
            ticket_id=ticket.id,
            checked_in_at=at.isoformat() if at else None,
        )
    return Conflict(
        f"This ticket was {ticket.status}; it does not admit anyone.",
        code=ticket.status,
        ticket_id=ticket.id,
    )


@tool(
    category="checkin",
    role="staff",
    undo="undo_check_in",
    examples=["scan this ticket", "check in QR code abc123"],
    http=HttpRoute("POST", "/api/tickets/validate/{qr_token}"),
    voice=speaks(
        "scan|qr code|qr",
        "validate token",
        say=lambda d, a, s: f"{d['holder_name']} is checked in.",
    ),
)
async def check_in_ticket(ctx: ToolContext, args: CheckInTicketIn) -> CheckedInOut:
    """Validate a ticket's QR code at the door and admit its holder. Refuses tickets already
    used, refunded or cancelled, and (with event_id) tickets for another event, with the reason."""
    admitted = await admit_tickets(
        ctx, TICKETS.c.qr_token == args.qr_token, method=args.method, event_id=args.event_id
    )
    if not admitted:
        raise await _refusal(ctx, args.qr_token, args.event_id)
    return admitted[0]


async def todays_event(ctx: ToolContext) -> Event:
    """The event happening now or later today in its venue's zone (else the next one within a
    day): what "tonight's show" means at the door."""
    now = ctx.now()
    rows = (
        await ctx.session.execute(
            select(Event, Venue.timezone)
            .join(Venue, Venue.id == Event.venue_id)
            .where(
                Event.status != "cancelled",
                Event.starts_at >= now - timedelta(hours=12),
                Event.starts_at <= now + timedelta(hours=36),
            )
            .order_by(Event.starts_at)
        )
    ).all()
    today = [
        event
        for event, tz in rows
        if event.starts_at.astimezone(ZoneInfo(tz)).date() == now.astimezone(ZoneInfo(tz)).date()
    ]
    chosen = today or [event for event, _ in rows if event.starts_at >= now]
    if not chosen:
        raise NotFound("There is no event today; say which event.", code="no_event_today")
    if len(today) > 1:
        raise Ambiguous(
            "There are several events today; which one?",
            options=[{"id": e.id, "name": e.name} for e in today[:MAX_OPTIONS]],
        )
    return chosen[0]


async def _holders(ctx: ToolContext, event_id: int, name: str) -> dict[int, list[Ticket]]:
    """Tickets of the event grouped by customer, for the holders whose name matches."""
    tickets = (
        await ctx.session.scalars(
            select(Ticket).where(
                Ticket.event_id == event_id, Ticket.status.in_(("valid", "checked_in"))
            )
        )
    ).all()
    wanted = name_key(name)
    names = {t.id: name_key(t.holder_name) for t in tickets}
    exact = {tid for tid, key in names.items() if key == wanted}
    if not exact:
        matches = process.extract(
            wanted, names, scorer=fuzz.WRatio, score_cutoff=NAME_MATCH_CUTOFF, limit=None
        )
        best = max((score for _, score, _ in matches), default=0)
        exact = {tid for _, score, tid in matches if score >= best - 5}
    by_customer: dict[int, list[Ticket]] = {}
    for ticket in tickets:
        if ticket.id in exact:
            by_customer.setdefault(ticket.customer_id, []).append(ticket)
    return by_customer


def _checked_in(d: Data, a: Data, s: Speaks) -> str:
    people = d.get("checked_in", [])
    if not people:
        return "Nobody new was checked in."
    first = people[0]["holder_name"]
    extra = (
        f" {count(d['remaining_on_order'], 'more ticket')} still to come."
        if d.get("remaining_on_order")
        else ""
    )
    if len(people) == 1:
        return f"{first} is checked in for {s.event_name(d.get('event_id'))}.{extra}"
    names = list(dict.fromkeys(p["holder_name"] for p in people))
    if len(names) < len(people):  # one holder's name on several tickets
        return f"Checked in {count(len(people), 'ticket')} for {listing(names)}.{extra}"
    return f"Checked in {count(len(people), 'guest')}: {listing(names)}.{extra}"


@tool(
    category="checkin",
    role="staff",
    undo="undo_check_in",
    examples=[
        "check in John Smith for tonight's show",
        "Sarah Lee is here",
        "mark Mike Brown as arrived",
    ],
    http=HttpRoute("POST", "/api/checkin/by-name"),
    voice=speaks(
        "check in|checkin|check-in|arrive|is here|are here|just got here|let in|admit|showed up|"
        "let thru|let through",
        "door entry",
        flags={"all_tickets": (r"\b(all|every|both)\b", r"$^")},
        say=_checked_in,
        slots={"name": "person_name"},
    ),
)
async def check_in_by_name(ctx: ToolContext, args: CheckInByNameIn) -> CheckInManyOut:
    """Admit a guest by the name on their ticket (spelling need not be exact) for today's event
    or the one given. Several people matching becomes a question with up to three options."""
    event = (
        await ctx.session.get(Event, args.event_id) if args.event_id else await todays_event(ctx)
    )
    if event is None:
        raise NotFound(f"No event with id {args.event_id}.")
    holders = await _holders(ctx, event.id, args.name)
    if not holders:
        raise NotFound(f"Nobody called {args.name} has a ticket for {event.name}.", code="no_guest")
    if len(holders) > 1:
        options = [
            {"customer_id": cid, "name": ts[0].holder_name, "tickets": len(ts)}
            for cid, ts in list(holders.items())[:MAX_OPTIONS]
        ]
        raise Ambiguous(f"{len(holders)} guests match {args.name}; which one?", options=options)
    (tickets,) = holders.values()
    valid = [t.id for t in tickets if t.status == "valid"]
    if not valid:
        at = max((t.checked_in_at for t in tickets if t.checked_in_at), default=None)
        raise Conflict(
            f"{tickets[0].holder_name} is already checked in.",
            code="already_checked_in",
            checked_in_at=at.isoformat() if at else None,
        )
    chosen = valid if args.all_tickets else valid[:1]
    admitted = await admit_tickets(ctx, TICKETS.c.id.in_(chosen), method="name")
    return CheckInManyOut(
        event_id=event.id,
        checked_in=admitted,
        already_checked_in=len(tickets) - len(valid),
        remaining_on_order=len(valid) - len(admitted),
    )


@tool(
    category="checkin",
    role="staff",
    undo="undo_check_in",
    examples=["check in the whole Smith party", "the Garcia family is here, check them all in"],
    http=HttpRoute("POST", "/api/checkin/party"),
    voice=speaks(
        "whole party|entire party|check in the party|family is here|all of them|let them all in|"
        "party is here|whole family|whole group",
        "party group family everyone",
        say=_checked_in,
        scope="group",
    ),
)
async def check_in_party(ctx: ToolContext, args: CheckInPartyIn) -> CheckInManyOut:
    """Admit every valid ticket of one order, or every ticket a customer bought for the event
    (the whole party at once)."""
    if await ctx.session.get(Event, args.event_id) is None:
        raise NotFound(f"No event with id {args.event_id}.")
    if args.order_id is not None:
        condition = TICKETS.c.order_id == args.order_id
    else:
        bought = select(Order.id).where(Order.customer_id == args.customer_id)
        condition = TICKETS.c.order_id.in_(bought) | (TICKETS.c.customer_id == args.customer_id)
    total = await ctx.session.scalar(
        select(func.count(TICKETS.c.id)).where(condition, TICKETS.c.event_id == args.event_id)
    )
    if not total:
        raise NotFound("That party has no tickets for this event.", code="no_guest")
    admitted = await admit_tickets(ctx, condition, method="party", event_id=args.event_id)
    if not admitted:
        raise Conflict(
            "Everyone in that party is already checked in (or their tickets are void).",
            code="already_checked_in",
        )
    return CheckInManyOut(
        event_id=args.event_id, checked_in=admitted, already_checked_in=(total or 0) - len(admitted)
    )


@tool(
    category="checkin",
    role="staff",
    examples=["undo that check-in", "John was checked in by mistake"],
    http=HttpRoute("POST", "/api/tickets/{ticket_id}/undo-checkin"),
    voice=speaks(
        "uncheck|check out|by mistake checked|undo check in",
        "mistake",
        say=lambda d, a, s: f"{d.get('holder_name', 'They')} is no longer checked in.",
        acts_on=("checked_in",),
    ),
)
async def undo_check_in(ctx: ToolContext, args: UndoCheckInIn) -> CheckedInOut:
    """Reverse a check-in: the ticket becomes valid again and the undo is logged."""
    row = (
        await ctx.session.execute(
            update(Ticket)
            .where(Ticket.id == args.ticket_id, Ticket.status == "checked_in")
            .values(status="valid", checked_in_at=None)
            .returning(*_RETURNING)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if row is None:
        ticket = await ctx.session.get(Ticket, args.ticket_id)
        if ticket is None:
            raise NotFound(f"No ticket with id {args.ticket_id}.")
        raise Conflict(
            f"Ticket {ticket.id} is not checked in (it is {ticket.status}).", code="not_checked_in"
        )
    out = CheckedInOut.model_validate(row._mapping)
    ctx.session.add(
        CheckIn(
            ticket_id=out.id,
            event_id=out.event_id,
            action="undo",
            method="undo",
            actor=ctx.actor.name,
            created_at=ctx.now(),
        )
    )
    ctx.emit(
        "ticket.check_in_undone",
        {"ticket_id": out.id, "event_id": out.event_id},
        event_id=out.event_id,
    )
    return out


def _stats(d: Data, a: Data, s: Speaks) -> str:
    waiting = d["expected"] - d["checked_in"]
    rest = f"; {waiting} still to come" if waiting > 0 else ""
    return f"{d['checked_in']} of {d['expected']} are in for {d['event_name']}{rest}."


@tool(
    category="checkin",
    role="staff",
    read_only=True,
    examples=["how many people are checked in", "how's the door going for Jazz Night"],
    http=HttpRoute("GET", "/api/events/{event_id}/checkin-stats"),
    voice=speaks(
        "how many check in|how many are in|how many have arrive|door going|"
        "checked in so far|how many people are here|headcount|head count|how many scanned|"
        "how many in the room|how many inside|how many through|through the door|"
        "door looking|how is the door|no shows|no-shows|still to come|yet to arrive|not in yet",
        "attendance turnout",
        say=_stats,
    ),
)
async def get_checkin_stats(ctx: ToolContext, args: CheckInStatsIn) -> CheckInStatsOut:
    """Check-in progress for an event: admitted out of expected, overall and per tier."""
    event = await ctx.session.get(Event, args.event_id)
    if event is None:
        raise NotFound(f"No event with id {args.event_id}.")
    rows = (
        await ctx.session.execute(
            select(Ticket.tier_id, Ticket.status, func.count(Ticket.id))
            .where(Ticket.event_id == event.id, Ticket.status.in_(("valid", "checked_in")))
            .group_by(Ticket.tier_id, Ticket.status)
        )
    ).all()
    tiers: dict[int, TierStats] = {}
    for tier_id, status, n in rows:
        stats = tiers.setdefault(tier_id, TierStats(tier_id=tier_id, checked_in=0, admitted_of=0))
        stats.admitted_of += n
        if status == "checked_in":
            stats.checked_in += n
    checked = sum(s.checked_in for s in tiers.values())
    expected = sum(s.admitted_of for s in tiers.values())
    return CheckInStatsOut(
        event_id=event.id,
        event_name=event.name,
        checked_in=checked,
        expected=expected,
        percent=round(100 * checked / expected, 1) if expected else 0.0,
        tiers=sorted(tiers.values(), key=lambda s: s.tier_id),
    )
