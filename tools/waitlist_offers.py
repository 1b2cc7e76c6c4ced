"""Waitlist offers: when seats free up (a refund, a cancelled ticket, an expired checkout or an
expired offer) the next people on the waitlist are offered them by email or SMS, and the seats
are held for them (tier.held) for AITICKETS_WAITLIST_HOLD_MINUTES; unclaimed holds go back."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from pydantic import Field
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from aitickets.errors import Conflict, NotFound
from aitickets.settings import Settings
from integrations import jobs
from integrations.jobs import Clock
from integrations.payments import PaymentUnavailable
from persistence.db import Database
from persistence.models import (
    Customer,
    DomainEvent,
    Event,
    TicketTier,
    Venue,
    WaitlistEntry,
    WaitlistOffer,
)

from . import message_templates as tpl
from .common import Id, In, Out
from .context import ToolContext
from .inventory import hold_seats, release_held
from .notify import notify_person, system_context
from .orders import BuyerIn, PurchaseOut, PurchaseTicketsIn, purchase_tickets
from .registry import HttpRoute, tool
from .site import org_name

FREEING = {
    "ticket.refunded",
    "ticket.cancelled",
    "order.expired",
    "order.cancelled",
    "order.failed",
    "waitlist.offer_expired",
    "checkout.expired",
}


def offer_link(settings: Settings, token: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}/waitlist/offers/{token}"


async def offer_free_seats(ctx: ToolContext, event_id: int) -> list[WaitlistOffer]:
    """Offer whatever seats are free to the people waiting, in the order they joined (someone
    who wants more seats than are free is passed over, not dropped)."""
    row = (
        await ctx.session.execute(
            select(Event, Venue).join(Venue, Venue.id == Event.venue_id).where(Event.id == event_id)
        )
    ).first()
    if row is None:
        return []
    event, venue = row
    if event.status == "cancelled" or event.starts_at <= ctx.now():
        return []
    tiers = (
        await ctx.session.scalars(
            select(TicketTier)
            .where(TicketTier.event_id == event_id, TicketTier.status == "on_sale")
            .order_by(TicketTier.sort_order, TicketTier.id)
        )
    ).all()
    waiting = (
        await ctx.session.execute(
            select(WaitlistEntry, Customer)
            .join(Customer, Customer.id == WaitlistEntry.customer_id)
            .where(WaitlistEntry.event_id == event_id, WaitlistEntry.status == "waiting")
            .order_by(WaitlistEntry.id)
        )
    ).all()
    offers: list[WaitlistOffer] = []
    hold = timedelta(minutes=ctx.settings.waitlist_hold_minutes)
    org = await org_name(ctx.session, ctx.settings)
    for entry, customer in waiting:
        choices = [t for t in tiers if entry.tier_id in (None, t.id)]
        for tier in choices:
            if not await hold_seats(ctx.session, tier.id, entry.quantity):
                continue
            offer = WaitlistOffer(
                entry_id=entry.id,
                event_id=event_id,
                tier_id=tier.id,
                customer_id=customer.id,
                quantity=entry.quantity,
                token=secrets.token_urlsafe(24),
                expires_at=ctx.now() + hold,
                created_at=ctx.now(),
            )
            ctx.session.add(offer)
            entry.status, entry.notified_at = "offered", ctx.now()
            await ctx.session.flush()
            rendered = tpl.waitlist_offer(
                org=org,
                name=customer.name,
                event=event.name,
                when=tpl.local_time(event.starts_at, venue.timezone),
                count=entry.quantity,
                tier=tier.name,
                until=tpl.local_time(offer.expires_at, venue.timezone),
                link=offer_link(ctx.settings, offer.token),
            )
            await notify_person(
                ctx,
                customer,
                rendered,
                template="waitlist_offer",
                key=f"waitlist_offer:{offer.id}",
                event_id=event_id,
            )
            ctx.emit(
                "waitlist.offered",
                {
                    "offer_id": offer.id,
                    "entry_id": entry.id,
                    "customer_id": customer.id,
                    "tier_id": tier.id,
                    "quantity": entry.quantity,
                    "expires_at": offer.expires_at.isoformat(),
                },
                event_id=event_id,
            )
            offers.append(offer)
            break
    return offers


@jobs.consumer("waitlist", kinds=FREEING)
async def on_seats_freed(
    session: AsyncSession, event: DomainEvent, settings: Settings, clock: Clock
) -> None:
    if event.kind not in FREEING or not event.event_id:
        return
    if event.kind == "ticket.refunded" and not (event.payload or {}).get("full", True):
        return  # a partial refund keeps the ticket valid: no seat came free
    await offer_free_seats(system_context(session, settings, clock), event.event_id)


@jobs.periodic("waitlist.expire", every_seconds=5)
async def expire_offers(db: Database, settings: Settings, clock: Clock) -> int:
    """Unclaimed offers past their time: the seats go back and the next person is offered them
    (through the `waitlist.offer_expired` event)."""
    async with db.unit_of_work() as session:
        ctx = system_context(session, settings, clock)
        due = (
            await session.scalars(
                select(WaitlistOffer).where(
                    WaitlistOffer.status == "offered", WaitlistOffer.expires_at <= ctx.now()
                )
            )
        ).all()
        for offer in due:
            offer.status = "expired"
            await release_held(session, offer.tier_id, offer.quantity)
            await session.execute(
                update(WaitlistEntry)
                .where(WaitlistEntry.id == offer.entry_id, WaitlistEntry.status == "offered")
                .values(status="removed")
            )
            ctx.emit(
                "waitlist.offer_expired",
                {"offer_id": offer.id, "entry_id": offer.entry_id},
                event_id=offer.event_id,
            )
        return len(due)


class NotifyWaitlistIn(In):
    event_id: Id


class OfferOut(Out):
    id: int
    entry_id: int
    event_id: int
    tier_id: int
    customer_id: int
    quantity: int
    status: str
    expires_at: datetime


class NotifyWaitlistOut(Out):
    offers: list[OfferOut] = Field(default_factory=list)


@tool(
    category="waitlist",
    role="staff",
    examples=["offer the free seats to the waitlist", "tell the waitlist seats opened up"],
    http=HttpRoute("POST", "/api/events/{event_id}/waitlist/offers", 201),
)
async def notify_waitlist(ctx: ToolContext, args: NotifyWaitlistIn) -> NotifyWaitlistOut:
    """Offer an event's free seats to the people on its waitlist now, in order, each with a
    time-limited hold (this also happens by itself when seats free up)."""
    if await ctx.session.get(Event, args.event_id) is None:
        raise NotFound(f"No event with id {args.event_id}.", id=args.event_id)
    offers = await offer_free_seats(ctx, args.event_id)
    return NotifyWaitlistOut(offers=[OfferOut.model_validate(o) for o in offers])


class ClaimWaitlistOfferIn(In):
    token: str = Field(min_length=10, max_length=64)


@tool(
    category="waitlist",
    role="public",
    examples=["claim my waitlist seats"],
    http=HttpRoute("POST", "/api/waitlist/offers/{token}/claim", 201),
)
async def claim_waitlist_offer(ctx: ToolContext, args: ClaimWaitlistOfferIn) -> PurchaseOut:
    """Take the seats a waitlist offer holds, with the link's token: free seats are issued at
    once; paid ones go to checkout like any purchase."""
    offer = await ctx.session.scalar(select(WaitlistOffer).where(WaitlistOffer.token == args.token))
    if offer is None:
        raise NotFound("That waitlist offer link is not valid.")
    if offer.status != "offered" or offer.expires_at <= ctx.now():
        raise Conflict(
            f"This offer is {'claimed' if offer.status == 'claimed' else 'expired'}.",
            code="offer_closed",
        )
    customer = await ctx.session.get(Customer, offer.customer_id)
    assert customer is not None
    await release_held(ctx.session, offer.tier_id, offer.quantity)  # the held seats become ours
    # Claimed before buying: a paid purchase commits its hold before calling the gateway.
    offer.status = "claimed"
    await _set_entry(ctx, offer, "removed")
    try:
        bought = await purchase_tickets(
            ctx,
            PurchaseTicketsIn(
                event_id=offer.event_id,
                tier_id=offer.tier_id,
                quantity=offer.quantity,
                customer=BuyerIn(name=customer.name, email=customer.email, phone=customer.phone),
            ),
        )
    except PaymentUnavailable:  # committed, then compensated: give the offer its seats back
        if await hold_seats(ctx.session, offer.tier_id, offer.quantity):
            offer.status = "offered"
            await _set_entry(ctx, offer, "offered")
        else:
            offer.status = "expired"
        await ctx.commit_now()
        raise
    offer.order_id = bought.order_id
    return bought


async def _set_entry(ctx: ToolContext, offer: WaitlistOffer, status: str) -> None:
    await ctx.session.execute(
        update(WaitlistEntry).where(WaitlistEntry.id == offer.entry_id).values(status=status)
    )


class GetWaitlistOfferIn(In):
    token: str = Field(min_length=10, max_length=64)


class WaitlistOfferOut(Out):
    status: str = Field(description="offered (claimable until expires_at), claimed or expired")
    event_id: int
    event_name: str
    starts_at: datetime
    timezone: str
    tier_name: str
    price_cents: int
    currency: str
    quantity: int
    name: str = Field(description="who the seats are held for")
    expires_at: datetime


@tool(
    category="waitlist",
    role="public",
    read_only=True,
    examples=["what does my waitlist offer hold"],
    http=HttpRoute("GET", "/api/waitlist/offers/{token}"),
)
async def get_waitlist_offer(ctx: ToolContext, args: GetWaitlistOfferIn) -> WaitlistOfferOut:
    """What a waitlist offer link holds (event, tier, seats, price, until when), by its token,
    so the person can decide before claiming it."""
    row = (
        await ctx.session.execute(
            select(WaitlistOffer, Event, Venue, TicketTier, Customer)
            .join(Event, Event.id == WaitlistOffer.event_id)
            .join(Venue, Venue.id == Event.venue_id)
            .join(TicketTier, TicketTier.id == WaitlistOffer.tier_id)
            .join(Customer, Customer.id == WaitlistOffer.customer_id)
            .where(WaitlistOffer.token == args.token)
        )
    ).first()
    if row is None:
        raise NotFound("That waitlist offer link is not valid.")
    offer, event, venue, tier, customer = row
    lapsed = offer.status == "offered" and offer.expires_at <= ctx.now()
    return WaitlistOfferOut(
        status="expired" if lapsed else offer.status,
        event_id=event.id,
        event_name=event.name,
        starts_at=event.starts_at,
        timezone=venue.timezone,
        tier_name=tier.name,
        price_cents=tier.price_cents,
        currency=tier.currency,
        quantity=offer.quantity,
        name=customer.name,
        expires_at=offer.expires_at,
    )
