"""Selling tickets: online purchases by buyers and box-office sales (cash or comp) by staff.

One unit of work per sale, like pretix: the customer, the promo use, the seats (one conditional
UPDATE), the order, its tickets and the `ticket.purchased` event commit together or not at all.
A paid tier bought online becomes a pending order whose seats are held while the buyer pays at
the card checkout (tools/payments.py); the tickets are issued when the payment is confirmed.
That sale commits the hold and the pending order before the gateway is called, so no
transaction is open during the call (tools/fulfilment.py start_checkout).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field
from sqlalchemy import or_, select

from aitickets.errors import Conflict, Forbidden, InvalidInput, NotFound
from persistence.models import Customer, Event, Order, PromoRedemption, Ticket, TicketTier

from . import hold_quotas
from .common import MAX_QUANTITY, Email, Id, In, Name, Out, Page, Phone, like_escape, name_key
from .context import ToolContext
from .customers import registered_payload, upsert_customer
from .fulfilment import (
    buyer_checkout_url,
    issue_tickets,
    raise_sold_out,
    release_expired,
    start_checkout,
)
from .inventory import hold_seats, take_seats
from .phrasing import count, money
from .promos import redeem_promo
from .registry import HttpRoute, tool
from .tickets import TicketOut
from .voice import Data, Speaks, speaks

BOX_OFFICE_PAYMENTS = ("cash", "comp")
# An event with no end time is taken to be over this long after it starts (as list_events does).
ASSUMED_LENGTH = timedelta(hours=6)


class BuyerIn(In):
    name: Name
    email: Email | None = None
    phone: Phone | None = None


class PurchaseTicketsIn(In):
    event_id: Id
    tier_id: Id
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    customer: BuyerIn
    promo_code: str | None = Field(default=None, max_length=40)
    payment: Literal["cash", "comp", "card"] | None = Field(
        default=None,
        description="cash or comp: box office (staff); card or none: card checkout for paid tiers",
    )


class IssuedTicket(Out):
    id: int
    qr_token: str
    status: str
    holder_name: str
    tier_id: int


class PurchaseOut(Out):
    order_id: int
    status: str
    event_id: int
    customer_id: int
    quantity: int
    subtotal_cents: int
    discount_cents: int
    total_cents: int
    currency: str
    payment_method: str
    access_token: str = Field(description="the buyer's private link to their tickets")
    tickets: list[IssuedTicket]
    checkout_url: str | None = Field(
        default=None, description="pending orders: where the buyer pays (seats held till then)"
    )
    expires_at: datetime | None = Field(default=None, description="when an unpaid hold lapses")


class OrderRef(In):
    order_id: Id


class OrderOut(Out):
    id: int
    event_id: int
    customer_id: int
    status: str
    payment_method: str
    subtotal_cents: int
    discount_cents: int
    total_cents: int
    refunded_cents: int
    currency: str
    sold_by: str
    created_at: datetime
    tickets: list[TicketOut] = []
    event_name: str = ""
    customer_name: str = ""


class ListOrdersIn(Page):
    event_id: Id | None = None
    customer_id: Id | None = None
    q: str | None = Field(
        default=None, max_length=200, description="part of the buyer name or email, or an order id"
    )
    status: str | None = Field(default=None, max_length=24, description="paid, pending, refunded …")


class ListOrdersOut(Out):
    orders: list[OrderOut]


async def _sale_target(ctx: ToolContext, args: PurchaseTicketsIn) -> tuple[Event, TicketTier]:
    row = (
        await ctx.session.execute(
            select(Event, TicketTier)
            .join(TicketTier, TicketTier.event_id == Event.id)
            .where(TicketTier.id == args.tier_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"No ticket tier with id {args.tier_id}.")
    event, tier = row
    if event.id != args.event_id:
        raise InvalidInput(f"Tier {tier.id} belongs to another event, not event {args.event_id}.")
    staff = ctx.actor.at_least("staff")
    if event.visibility == "draft" and not staff:
        raise NotFound(f"No event with id {args.event_id}.")
    if event.status == "cancelled":
        raise Conflict(
            f"{event.name} is cancelled; tickets are not on sale.", code="event_cancelled"
        )
    if tier.status == "paused":
        raise Conflict(f"Sales of {tier.name} are paused right now.", code="tier_paused")
    if args.quantity > tier.max_per_order:
        raise InvalidInput(f"At most {tier.max_per_order} {tier.name} tickets per order.")
    now = ctx.now()
    if not staff:  # the box office may sell outside the online sales window
        if event.sales_start_at and now < event.sales_start_at:
            raise Conflict("Sales have not started yet.", code="sales_not_started")
        if event.sales_end_at and now > event.sales_end_at:
            raise Conflict("Sales have ended.", code="sales_ended")
        if now > (event.ends_at or event.starts_at + ASSUMED_LENGTH):
            raise Conflict(f"{event.name} is over.", code="event_over")
    return event, tier


def _purchase(d: Data, a: Data, s: Speaks) -> str:
    """Only what the order shows: tickets issued, or seats held until a card payment."""
    who = a.get("customer", {}).get("name", "them")
    event = s.event_name(d.get("event_id"))
    if d.get("status") == "pending":  # a card checkout: nothing is sold until it is paid
        held = count(d["quantity"], "seat")
        until = s.when(d["expires_at"]) if d.get("expires_at") else "a short while"
        return (
            f"No tickets yet: {held} held for {who} for {event} until {until}. "
            f"They pay {money(d['total_cents'])} by card at the checkout link; "
            "the tickets come when it is paid."
        )
    paid = "comped" if d.get("payment_method") == "comp" else f"for {money(d['total_cents'])}"
    if d.get("payment_method") == "cash" and d.get("total_cents"):
        paid += " cash"
    return f"Sold {count(d['quantity'], 'ticket')} to {who} for {event}, {paid}."


@tool(
    category="orders",
    role="public",
    examples=[
        "sell two GA tickets to John Smith for cash",
        "comp a VIP ticket for Sarah",
        "book 3 tickets for Jazz Night for mike@example.com",
    ],
    http=HttpRoute("POST", "/api/tickets/events/{event_id}/purchase", 201),
    voice=speaks(
        "sell|book|comp|buy|purchase|reserve|get him|get her", "cash ticket order", say=_purchase
    ),
)
async def purchase_tickets(ctx: ToolContext, args: PurchaseTicketsIn) -> PurchaseOut:
    """Buy tickets for an event tier. Staff sell at the box office with payment cash or comp
    and the tickets are issued at once; buyers online get free tiers at once (paid tiers go
    through card checkout: the order is pending with its seats held, and `checkout_url` is where
    to pay; tickets come once payment is confirmed). Refuses with sold_out when seats are gone."""
    return await sell(ctx, args)


async def sell(
    ctx: ToolContext, args: PurchaseTicketsIn, *, payment_link_id: int | None = None
) -> PurchaseOut:
    """The one sale path: purchase_tickets, and the demo gateway's payment-link page (whose
    checkout records the link it came from)."""
    staff = ctx.actor.at_least("staff")
    if args.payment in BOX_OFFICE_PAYMENTS and not staff:
        raise Forbidden("Cash and comp sales are for box-office staff keys.")
    if args.customer.email is None and args.customer.phone is None and not staff:
        raise InvalidInput("Give an email address (or phone) so we can send the tickets.")
    event, tier = await _sale_target(ctx, args)
    subtotal = tier.price_cents * args.quantity
    discount, promo_id = 0, None
    if args.promo_code and args.payment != "comp":
        promo, discount = await redeem_promo(
            ctx.session,
            code=args.promo_code,
            event_id=event.id,
            subtotal_cents=subtotal,
            now=ctx.now(),
        )
        promo_id = promo.id
    total = 0 if args.payment == "comp" else subtotal - discount
    checkout = total > 0 and args.payment not in BOX_OFFICE_PAYMENTS
    quota = checkout and hold_quotas.applies(ctx)
    if quota:
        await hold_quotas.check_client(ctx, args.quantity)
    # Card checkout holds the seats (sold when paid); everything else sells them now.
    if not await _secure(ctx, tier, args.quantity, hold=checkout):
        if tier.status != "on_sale":
            raise Conflict(f"Sales of {tier.name} are paused right now.", code="tier_paused")
        raise_sold_out(tier, event)
    if quota:  # unpaid holds without a staff key: never every seat (tools/hold_quotas.py)
        await hold_quotas.check_tier_share(ctx, tier, args.quantity)
        await hold_quotas.record_client(ctx, args.quantity)
    customer, created = await upsert_customer(
        ctx.session,
        name=args.customer.name,
        email=args.customer.email,
        phone=args.customer.phone,
        now=ctx.now(),
        trusted=staff,
    )
    if created:
        ctx.emit("customer.registered", registered_payload(customer, "purchase"))
    method = "card" if checkout else args.payment or "free"
    order = Order(
        event_id=event.id,
        customer_id=customer.id,
        status="pending" if checkout else "paid",
        payment_method=method,
        subtotal_cents=subtotal,
        discount_cents=discount,
        total_cents=total,
        currency=tier.currency,
        promo_code_id=promo_id,
        access_token=secrets.token_urlsafe(24),
        sold_by=ctx.actor.name if staff else "online",
        created_at=ctx.now(),
    )
    ctx.session.add(order)
    await ctx.session.flush()
    if promo_id is not None:
        ctx.session.add(
            PromoRedemption(
                promo_code_id=promo_id,
                order_id=order.id,
                discount_cents=discount,
                created_at=ctx.now(),
            )
        )
    out = PurchaseOut(
        order_id=order.id,
        status=order.status,
        event_id=event.id,
        customer_id=customer.id,
        quantity=args.quantity,
        subtotal_cents=subtotal,
        discount_cents=discount,
        total_cents=total,
        currency=order.currency,
        payment_method=method,
        access_token=order.access_token,
        tickets=[],
    )
    if checkout:
        started = await start_checkout(
            ctx,
            order=order,
            event=event,
            tier=tier,
            quantity=args.quantity,
            holder_name=args.customer.name,
            email=args.customer.email,
            promo_label=(args.promo_code or "").upper(),
            payment_link_id=payment_link_id,
        )
        out.checkout_url, out.expires_at = buyer_checkout_url(started, order), started.expires_at
        return out
    tickets = await issue_tickets(ctx, order, tier.id, args.quantity, args.customer.name)
    out.tickets = [
        IssuedTicket(
            id=t.id,
            qr_token=t.qr_token,
            status=t.status,
            holder_name=t.holder_name,
            tier_id=tier.id,
        )
        for t in tickets
    ]
    return out


async def _secure(ctx: ToolContext, tier: TicketTier, quantity: int, *, hold: bool) -> bool:
    """Hold (card checkout) or sell seats with one conditional UPDATE; when short, first give
    back this tier's lapsed checkout holds and try again."""

    async def attempt() -> bool:
        if hold:
            return await hold_seats(ctx.session, tier.id, quantity)
        return await take_seats(ctx.session, tier.id, quantity) is not None

    if await attempt() or (await release_expired(ctx, tier.id) and await attempt()):
        return True
    await ctx.session.refresh(tier)
    return False


@tool(
    category="orders",
    role="staff",
    read_only=True,
    examples=["show order 12"],
    http=HttpRoute("GET", "/api/orders/{order_id}"),
    voice=speaks("order details|show order|look up order", "order"),
)
async def get_order(ctx: ToolContext, args: OrderRef) -> OrderOut:
    """One order with its tickets, totals and refunds."""
    order = await ctx.session.get(Order, args.order_id)
    if order is None:
        raise NotFound(f"No order with id {args.order_id}.")
    tickets = (await ctx.session.scalars(select(Ticket).where(Ticket.order_id == order.id))).all()
    out = OrderOut.model_validate(order)
    out.tickets = [TicketOut.model_validate(t) for t in tickets]
    (named,) = await _with_names(ctx, [out])
    return named


async def _with_names(ctx: ToolContext, orders: list[OrderOut]) -> list[OrderOut]:
    """Orders with their event's and buyer's names, read in two queries for the whole list."""
    events = {o.event_id for o in orders}
    buyers = {o.customer_id for o in orders}
    event_rows = await ctx.session.execute(select(Event.id, Event.name).where(Event.id.in_(events)))
    buyer_rows = await ctx.session.execute(
        select(Customer.id, Customer.name).where(Customer.id.in_(buyers))
    )
    event_names: dict[int, str] = {row[0]: row[1] for row in event_rows}
    buyer_names: dict[int, str] = {row[0]: row[1] for row in buyer_rows}
    for o in orders:
        o.event_name, o.customer_name = (
            event_names.get(o.event_id, ""),
            buyer_names.get(o.customer_id, ""),
        )
    return orders


@tool(
    category="orders",
    role="staff",
    read_only=True,
    examples=["list the orders for Jazz Night", "show John's orders"],
    http=HttpRoute("GET", "/api/orders"),
    voice=speaks("orders for|list orders|show orders|his orders|her orders", "orders"),
)
async def list_orders(ctx: ToolContext, args: ListOrdersIn) -> ListOrdersOut:
    """Orders, newest first, optionally for one event, one customer, one status, or a buyer
    whose name or email contains `q` (or the order with that id)."""
    query = select(Order).order_by(Order.id.desc()).limit(args.limit).offset(args.offset)
    if args.event_id:
        query = query.where(Order.event_id == args.event_id)
    if args.customer_id:
        query = query.where(Order.customer_id == args.customer_id)
    if args.status:
        query = query.where(Order.status == args.status)
    if args.q:
        text = args.q.strip().lstrip("#")
        pattern = f"%{like_escape(name_key(text))}%"
        buyers = select(Customer.id).where(
            or_(
                Customer.name_key.like(pattern, escape="\\"),
                Customer.email.like(f"%{like_escape(text.lower())}%", escape="\\"),
            )
        )
        matches = Order.customer_id.in_(buyers)
        if text.isdecimal() and len(text) < 16:
            matches = or_(matches, Order.id == int(text))
        query = query.where(matches)
    rows = (await ctx.session.scalars(query)).all()
    return ListOrdersOut(orders=await _with_names(ctx, [OrderOut.model_validate(o) for o in rows]))
