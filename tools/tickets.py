"""Tickets after the sale: look-up, guest lists, transfers, refunds and cancellations.

Refunds record the refund and release the seat. For card-paid orders the money goes back through
the payment gateway first (one gateway refund per order, with a deterministic idempotency key so
a retry never refunds twice), with no transaction open during the call: the intent is committed,
the gateway called, then the result applied (tools/refunds.py). If the gateway fails, the intent
is marked failed, nothing else changes, and the error says so. Cash and comp refunds are records
only."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Literal

from pydantic import Field
from sqlalchemy import func, select

from aitickets.errors import Conflict, InvalidInput, NotFound
from persistence.models import Event, Order, Ticket

from .common import Email, Id, In, Name, Out, Page, Phone, like_escape, name_key
from .context import ToolContext
from .customers import registered_payload, upsert_customer
from .inventory import release_seats
from .phrasing import count, listing, money
from .refunds import (
    REFUNDABLE,
    Repayment,
    move_money_back,
    refund_tickets,
    refunded_so_far,
    ticket_or_404,
)
from .registry import HttpRoute, tool
from .voice import Data, Speaks, speaks


def new_qr_token() -> str:
    return secrets.token_urlsafe(24)


class TicketOut(Out):
    id: int
    status: str
    holder_name: str
    event_id: int
    tier_id: int
    order_id: int
    customer_id: int
    qr_token: str
    price_cents: int
    checked_in_at: datetime | None


class TicketRef(In):
    ticket_id: Id


class QrRef(In):
    qr_token: str = Field(min_length=8, max_length=64)


class GuestListIn(Page):
    event_id: Id
    status: Literal["valid", "checked_in", "refunded", "cancelled"] | None = None
    q: str | None = Field(default=None, max_length=100, description="part of a holder's name")


class GuestOut(Out):
    ticket_id: int
    holder_name: str
    status: str
    tier_id: int
    order_id: int
    customer_id: int
    checked_in_at: datetime | None


class GuestListOut(Out):
    event_id: int
    guests: list[GuestOut]
    total: int


class TransferTicketIn(In):
    ticket_id: Id
    to_name: Name
    to_email: Email | None = None
    to_phone: Phone | None = None


class RefundTicketIn(In):
    ticket_id: Id
    amount_cents: int | None = Field(
        default=None, ge=1, le=100_000_000, description="partial refund; default all"
    )
    reason: str = Field(default="", max_length=500)


class RefundOrderIn(In):
    order_id: Id
    reason: str = Field(default="", max_length=500)


class RefundOut(Out):
    tickets_refunded: int
    refunded_cents: int
    ticket_ids: list[int]


@tool(
    category="tickets",
    role="staff",
    read_only=True,
    examples=["look up ticket 42", "what's the status of ticket 17"],
    http=HttpRoute("GET", "/api/tickets/{ticket_id}"),
    voice=speaks(
        "look up ticket|ticket status|status of ticket|ticket still valid", "ticket valid status"
    ),
)
async def get_ticket(ctx: ToolContext, args: TicketRef) -> TicketOut:
    """One ticket: holder, status, event, tier, order and when it was checked in."""
    return TicketOut.model_validate(await ticket_or_404(ctx.session, args.ticket_id))


@tool(
    category="tickets",
    role="staff",
    read_only=True,
    examples=["is this QR code valid"],
    http=HttpRoute("GET", "/api/tickets/qr/{qr_token}"),
    voice=speaks("is this qr valid|is this code valid", "qr valid"),
)
async def get_ticket_status(ctx: ToolContext, args: QrRef) -> TicketOut:
    """Look a ticket up by its QR token without checking it in."""
    ticket = await ctx.session.scalar(select(Ticket).where(Ticket.qr_token == args.qr_token))
    if ticket is None:
        raise NotFound("No ticket has that QR code.")
    return TicketOut.model_validate(ticket)


def _one_guest(guests: list[Data], asked: str, event: str, listed: bool = False) -> str:
    """ "Did Sarah check in?": yes or no, with how many of their tickets are in; "is Jane on
    the list?": yes or no, then whether she is in."""
    live = [g for g in guests if g["status"] in ("valid", "checked_in")]
    if not live:
        return f"No, {asked.title()} has no ticket for {event}."
    name = live[0]["holder_name"]
    inside = sum(g["status"] == "checked_in" for g in live)
    if listed:
        state = (
            "all checked in"
            if inside == len(live)
            else "none checked in yet"
            if not inside
            else f"{inside} checked in so far"
        )
        return f"Yes, {name} has {count(len(live), 'ticket')} for {event}, {state}."
    if inside == len(live):
        both = f", all {len(live)} tickets" if len(live) > 1 else ""
        return f"Yes, {name} is checked in for {event}{both}."
    if inside == 0:
        return f"No, {name} hasn't checked in yet; {count(len(live), 'ticket')} waiting."
    return f"{name} has {inside} of {len(live)} tickets checked in for {event}."


def _guests(d: Data, a: Data, s: Speaks) -> str:
    guests = d.get("guests", [])
    if a.get("q"):
        listed = bool(
            re.search(r"\bon the (?:\w+ )?list\b|\bbooked\b|\bticket", s.focus.get("_text", ""))
        )
        return _one_guest(guests, str(a["q"]), s.event_name(d.get("event_id")), listed)
    if not guests:
        return "Nobody on that list."
    names = listing([g["holder_name"] for g in guests])
    return f"{count(d.get('total', len(guests)), 'guest')}: {names}."


@tool(
    category="tickets",
    role="staff",
    read_only=True,
    examples=["who's on the guest list tonight", "show me who hasn't checked in yet"],
    http=HttpRoute("GET", "/api/events/{event_id}/guests"),
    voice=speaks(
        "guest list|who is coming|who has not checked in|who hasn't checked in|"
        "who's coming|list guests|who is on the list",
        "guest attendee",
        say=_guests,
        slots={"status": "guest_status", "q": "guest"},
    ),
)
async def guest_list(ctx: ToolContext, args: GuestListIn) -> GuestListOut:
    """An event's ticket holders with their status, optionally filtered by status or name."""
    if await ctx.session.get(Event, args.event_id) is None:
        raise NotFound(f"No event with id {args.event_id}.")
    query = select(Ticket).where(Ticket.event_id == args.event_id)
    if args.status:
        query = query.where(Ticket.status == args.status)
    if args.q:
        pattern = f"%{like_escape(args.q)}%"
        query = query.where(Ticket.holder_name.ilike(pattern, escape="\\"))
    total = await ctx.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await ctx.session.scalars(
        query.order_by(Ticket.holder_name, Ticket.id).limit(args.limit).offset(args.offset)
    )
    guests = [
        GuestOut(
            ticket_id=t.id,
            holder_name=t.holder_name,
            status=t.status,
            tier_id=t.tier_id,
            order_id=t.order_id,
            customer_id=t.customer_id,
            checked_in_at=t.checked_in_at,
        )
        for t in rows
    ]
    return GuestListOut(event_id=args.event_id, guests=guests, total=total or 0)


@tool(
    category="tickets",
    role="staff",
    examples=["transfer John's ticket to Mary Jones", "give ticket 12 to mike@example.com"],
    http=HttpRoute("POST", "/api/tickets/{ticket_id}/transfer"),
    voice=speaks(
        "transfer|give ticket to|move ticket to|reassign|put in name|giving her ticket|"
        "giving his ticket",
        "transfer",
        patterns=(r"\b(?:to|for)\s+(?P<to_name>[A-Za-z][\w'.-]+(?: [A-Z][\w'.-]+)?)\s*$",),
        say=lambda d, a, s: f"The ticket now belongs to {d.get('holder_name', a.get('to_name'))}.",
        acts_on=("valid",),
        slots={"name": "person_name"},
    ),
)
async def transfer_ticket(ctx: ToolContext, args: TransferTicketIn) -> TicketOut:
    """Give a valid ticket to another person. The old QR code stops working; the new holder
    gets a fresh one."""
    ticket = await ticket_or_404(ctx.session, args.ticket_id)
    if ticket.status != "valid":
        raise Conflict(
            f"Ticket {ticket.id} is {ticket.status.replace('_', ' ')}; only valid "
            "tickets can be transferred.",
            code=f"ticket_{ticket.status}",
        )
    if (
        args.to_email is None
        and args.to_phone is None
        and name_key(args.to_name) == name_key(ticket.holder_name)
    ):
        raise InvalidInput("That person already holds this ticket.")
    customer, created = await upsert_customer(
        ctx.session,
        name=args.to_name,
        email=args.to_email,
        phone=args.to_phone,
        now=ctx.now(),
        trusted=True,  # a staff tool
    )
    if created:
        ctx.emit("customer.registered", registered_payload(customer, "transfer"))
    previous = ticket.customer_id
    ticket.customer_id = customer.id
    ticket.holder_name = args.to_name
    ticket.qr_token = new_qr_token()
    await ctx.session.flush()
    ctx.emit(
        "ticket.transferred",
        {"ticket_id": ticket.id, "from_customer_id": previous, "to_customer_id": customer.id},
        event_id=ticket.event_id,
    )
    return TicketOut.model_validate(ticket)


def _refund(d: Data, a: Data, s: Speaks) -> str:
    amount = d.get("refunded_cents") or d.get("amount_cents") or d.get("refund_cents")
    who = d.get("holder_name") or s.focus.get("customer_name")
    tail = f" {money(amount)} goes back." if amount else ""
    return f"Refunded {who}'s ticket.{tail}" if who else f"Refunded that ticket.{tail}"


@tool(
    category="tickets",
    role="staff",
    destructive=True,
    examples=["refund Mike's ticket", "refund ticket 42", "give ticket 9 a $10 refund"],
    http=HttpRoute("POST", "/api/tickets/{ticket_id}/refund"),
    voice=speaks(
        "refund|money back|reimburse|give back|dollars back|bucks back|back on ticket|"
        "partial refund",
        "refund",
        say=_refund,
    ),
)
async def refund_ticket(ctx: ToolContext, args: RefundTicketIn) -> RefundOut:
    """Refund a ticket in full (it is voided and its seat goes back on sale) or in part (it
    stays valid). Card payments go back through the payment gateway; cash and comp refunds are
    recorded against the order."""
    ticket = await ticket_or_404(ctx.session, args.ticket_id)
    if ticket.status not in REFUNDABLE:
        raise Conflict(f"Ticket {ticket.id} is already {ticket.status}.", code=ticket.status)
    left = ticket.price_cents - await refunded_so_far(ctx.session, ticket.id)
    amount = left if args.amount_cents is None else args.amount_cents
    if amount > left:
        raise InvalidInput(f"At most {left} cents of this ticket can still be refunded.")
    order = await ctx.session.get(Order, ticket.order_id)
    assert order is not None
    key = f"aitickets-ticket-{ticket.id}-{ticket.price_cents - left}-{amount}"
    item = (ticket, amount, amount == left)
    await move_money_back(ctx, [Repayment(order, [item], key, args.reason)])
    return RefundOut(
        tickets_refunded=int(amount == left), refunded_cents=amount, ticket_ids=[ticket.id]
    )


@tool(
    category="tickets",
    role="staff",
    destructive=True,
    examples=["refund the whole order 15", "refund all of Sarah's tickets"],
    http=HttpRoute("POST", "/api/orders/{order_id}/refund"),
    voice=speaks("refund the whole order|refund all|refund every|refund the order", "order"),
)
async def refund_order(ctx: ToolContext, args: RefundOrderIn) -> RefundOut:
    """Refund every ticket of an order that is still valid or checked in."""
    order = await ctx.session.get(Order, args.order_id)
    if order is None:
        raise NotFound(f"No order with id {args.order_id}.")
    if order.status == "refund_due":  # paid after its hold lapsed and the seats were gone
        reason = args.reason or "seats were gone when the payment arrived"
        item = (None, order.total_cents - order.refunded_cents, True)
        key = f"aitickets-order-{order.id}-due"
        await move_money_back(ctx, [Repayment(order, [item], key, reason)])
        return RefundOut(tickets_refunded=0, refunded_cents=item[1], ticket_ids=[])
    ids = list(
        (
            await ctx.session.scalars(
                select(Ticket.id).where(Ticket.order_id == order.id, Ticket.status.in_(REFUNDABLE))
            )
        ).all()
    )
    if not ids:
        raise Conflict(f"Order {order.id} has no tickets left to refund.", code="refunded")
    count, cents = await refund_tickets(ctx, ids, reason=args.reason)
    return RefundOut(tickets_refunded=count, refunded_cents=cents, ticket_ids=ids)


@tool(
    category="tickets",
    role="staff",
    destructive=True,
    examples=["void ticket 31", "cancel the comp ticket for Dave"],
    http=HttpRoute("POST", "/api/tickets/{ticket_id}/cancel"),
    voice=speaks("void|cancel ticket|cancel the ticket|scrap the ticket", "void"),
)
async def cancel_ticket(ctx: ToolContext, args: TicketRef) -> TicketOut:
    """Void a ticket without refunding money (comps, mistakes); its seat goes back on sale."""
    ticket = await ticket_or_404(ctx.session, args.ticket_id)
    if ticket.status not in REFUNDABLE:
        raise Conflict(f"Ticket {ticket.id} is already {ticket.status}.", code=ticket.status)
    ticket.status = "cancelled"
    await release_seats(ctx.session, ticket.tier_id, 1)
    ctx.emit(
        "ticket.cancelled",
        {"ticket_id": ticket.id, "order_id": ticket.order_id},
        event_id=ticket.event_id,
    )
    await ctx.session.flush()
    return TicketOut.model_validate(ticket)
