"""Card payment tools: checkout status and cancellation for buyers, the demo (TEST MODE)
checkout's Pay button, payment links for staff, and releasing lapsed seat holds. The state
machine they drive is tools/fulfilment.py; the gateways are integrations/payments.py."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, model_validator
from sqlalchemy import select

from aitickets.errors import Conflict, Forbidden, InvalidInput, NotFound
from integrations.payments import PaymentLinkRequest, configured_provider, gateway_for
from persistence.models import Checkout, Event, Order, PaymentLink, TicketTier, Venue

from .common import MAX_QUANTITY, Id, In, Out
from .context import ToolContext
from .fulfilment import (
    HOLDING,
    buyer_checkout_url,
    close_checkout,
    expire_quietly,
    fulfil_checkout,
    release_expired,
)
from .orders import ASSUMED_LENGTH, BuyerIn, PurchaseOut, PurchaseTicketsIn, sell
from .registry import HttpRoute, tool

# --- tools -------------------------------------------------------------------------------------


class CheckoutRef(In):
    access_token: str | None = Field(default=None, min_length=16, max_length=64)
    session_id: str | None = Field(default=None, min_length=8, max_length=255)

    @model_validator(mode="after")
    def _some(self) -> CheckoutRef:
        if self.access_token is None and self.session_id is None:
            raise ValueError("give access_token or session_id (or both)")
        return self


class CheckoutStatusOut(Out):
    """No access token here: a checkout's session id travels in URLs and gateway pages, and it
    must not lead to the order's private pages (the buyer has the token already)."""

    order_id: int
    status: str = Field(description="the order: pending, paid, expired, cancelled, refunded")
    checkout_status: str
    provider: str
    test_mode: bool
    checkout_url: str | None
    expires_at: datetime | None
    event_id: int
    event_name: str
    timezone: str = Field(default="UTC", description="the venue's zone, for showing times")
    tier_name: str
    quantity: int
    subtotal_cents: int
    discount_cents: int
    total_cents: int
    currency: str


async def _checkout_by(ctx: ToolContext, ref: CheckoutRef) -> tuple[Checkout, Order]:
    """The checkout both references name (when both are given, they must agree)."""
    query = select(Checkout, Order).join(Order, Order.id == Checkout.order_id)
    if ref.session_id is not None:
        query = query.where(Checkout.session_id == ref.session_id)
    if ref.access_token is not None:
        query = query.where(Order.access_token == ref.access_token)
    row = (await ctx.session.execute(query)).first()
    if row is None:
        raise NotFound("No checkout matches that link.")
    return row[0], row[1]


async def _status(
    ctx: ToolContext, checkout: Checkout, order: Order, *, by_token: bool = False
) -> CheckoutStatusOut:
    event = await ctx.session.get(Event, order.event_id)
    tier = await ctx.session.get(TicketTier, checkout.tier_id)
    assert event is not None and tier is not None
    venue = await ctx.session.get(Venue, event.venue_id)
    is_open = checkout.status == "open"
    url = (buyer_checkout_url(checkout, order) if by_token else checkout.url) if is_open else None
    return CheckoutStatusOut(
        order_id=order.id,
        status=order.status,
        checkout_status=checkout.status,
        provider=checkout.provider,
        test_mode=checkout.provider == "demo" or gateway_for(ctx.settings).test_mode,
        checkout_url=url,
        expires_at=checkout.expires_at if is_open else None,
        event_id=event.id,
        event_name=event.name,
        timezone=venue.timezone if venue is not None else "UTC",
        tier_name=tier.name,
        quantity=checkout.quantity,
        subtotal_cents=order.subtotal_cents,
        discount_cents=order.discount_cents,
        total_cents=order.total_cents,
        currency=order.currency,
    )


async def _open_or_close_lapsed(ctx: ToolContext, checkout: Checkout) -> None:
    if checkout.status in HOLDING and checkout.expires_at <= ctx.now():
        await close_checkout(ctx, checkout, "expired")


@tool(
    category="payments",
    role="public",
    examples=["has my payment gone through"],
    http=HttpRoute("GET", "/api/checkout/status"),
)
async def get_checkout_status(ctx: ToolContext, args: CheckoutRef) -> CheckoutStatusOut:
    """Where a card checkout stands: pending (seats held until expires_at), paid, expired or
    cancelled, found by the buyer's access token or the checkout session id."""
    checkout, order = await _checkout_by(ctx, args)
    await _open_or_close_lapsed(ctx, checkout)
    return await _status(ctx, checkout, order, by_token=args.access_token is not None)


@tool(
    category="payments",
    role="public",
    idempotent=True,
    examples=["cancel my checkout"],
    http=HttpRoute("POST", "/api/checkout/cancel"),
)
async def cancel_checkout(ctx: ToolContext, args: CheckoutRef) -> CheckoutStatusOut:
    """Abandon a pending card checkout: nothing is charged and the held seats go back on sale.
    A paid order cannot be cancelled here (ask for a refund)."""
    checkout, order = await _checkout_by(ctx, args)
    if checkout.status == "complete":
        raise Conflict("This order is already paid; ask the box office for a refund.", code="paid")
    was_open = checkout.status == "open"
    if (
        await close_checkout(ctx, checkout, "cancelled")
        and was_open
        and checkout.provider != "demo"
    ):
        await ctx.commit_now()  # no transaction open while the gateway is called
        await expire_quietly(checkout.provider, ctx.settings, checkout.session_id)
    return await _status(ctx, checkout, order, by_token=args.access_token is not None)


class CompleteDemoCheckoutIn(In):
    session_id: str = Field(min_length=8, max_length=255)
    access_token: str = Field(
        min_length=16, max_length=64, description="The order's access token (the buyer's own)."
    )


@tool(category="payments", role="public", idempotent=True, examples=["pay the test checkout"])
async def complete_demo_checkout(
    ctx: ToolContext, args: CompleteDemoCheckoutIn
) -> CheckoutStatusOut:
    """Pay a TEST MODE (demo gateway) checkout: no money moves; the tickets are issued as if
    Stripe had confirmed the payment. Needs the order's access token besides the session id.
    Refused for real gateways, whenever a real gateway is configured, and for lapsed checkouts."""
    if configured_provider(ctx.settings) != "demo":
        raise Forbidden(
            "The demo checkout is off: a real payment gateway is configured.",
            code="demo_gateway_off",
        )
    ref = CheckoutRef(session_id=args.session_id, access_token=args.access_token)
    checkout, order = await _checkout_by(ctx, ref)
    if checkout.provider != "demo":
        raise NotFound("No checkout matches that link.")
    await _open_or_close_lapsed(ctx, checkout)
    if checkout.status in ("expired", "cancelled"):
        raise Conflict(f"This checkout is {checkout.status}; start again.", code=checkout.status)
    if checkout.status == "open":
        await fulfil_checkout(ctx, checkout, f"demo_pi_{checkout.id}")
    return await _status(ctx, checkout, order, by_token=True)


class CreatePaymentLinkIn(In):
    tier_id: Id
    quantity: int = Field(default=1, ge=1, le=MAX_QUANTITY)


class PaymentLinkOut(Out):
    id: int
    url: str
    provider: str
    event_id: int
    tier_id: int
    quantity: int
    price_cents: int
    currency: str


@tool(
    category="payments",
    role="staff",
    examples=["make a payment link for two VIP tickets", "create a payment link for GA"],
    http=HttpRoute("POST", "/api/tiers/{tier_id}/payment-link", 201),
)
async def create_payment_link(ctx: ToolContext, args: CreatePaymentLinkIn) -> PaymentLinkOut:
    """A reusable card payment link that sells `quantity` tickets of a paid tier each time
    someone pays it (tickets are issued when the payment is confirmed, while seats last)."""
    tier = await ctx.session.get(TicketTier, args.tier_id)
    if tier is None:
        raise NotFound(f"No ticket tier with id {args.tier_id}.")
    if tier.price_cents <= 0:
        raise InvalidInput(f"{tier.name} is free; payment links are for paid tiers.")
    event = await ctx.session.get(Event, tier.event_id)
    assert event is not None
    if event.status == "cancelled":
        raise Conflict(f"{event.name} is cancelled.", code="event_cancelled")
    gateway = gateway_for(ctx.settings)
    await ctx.commit_now()  # nothing written yet: just no transaction open during the call
    result = await gateway.create_payment_link(
        PaymentLinkRequest(
            item_name=f"{event.name} — {tier.name}",
            unit_amount_cents=tier.price_cents,
            quantity=args.quantity,
            currency=tier.currency,
            redirect_url=f"{ctx.settings.public_base_url.rstrip('/')}/events/{event.id}",
            metadata={"event_id": str(event.id), "tier_id": str(tier.id)},
        )
    )
    link = PaymentLink(
        provider=gateway.name,
        link_id=result.link_id,
        url=result.url,
        event_id=event.id,
        tier_id=tier.id,
        quantity=args.quantity,
        price_cents=tier.price_cents,
        currency=tier.currency,
        created_by=ctx.actor.name,
        created_at=ctx.now(),
    )
    ctx.session.add(link)
    await ctx.session.flush()
    ctx.emit(
        "payment_link.created", {"payment_link_id": link.id, "tier_id": tier.id}, event_id=event.id
    )
    return PaymentLinkOut.model_validate(link)


class PaymentLinkRef(In):
    link_id: str = Field(min_length=1, max_length=255)


class PaymentLinkPageOut(Out):
    link_id: str
    event_id: int
    event_name: str
    starts_at: datetime
    timezone: str
    venue_name: str
    tier_id: int
    tier_name: str
    tier_description: str
    quantity: int = Field(description="tickets sold each time the link is paid (fixed)")
    price_cents: int
    total_cents: int
    currency: str
    seats_left: int
    on_sale: bool = Field(description="false when the tier is paused or too few seats are left")
    test_mode: bool


class BuyWithPaymentLinkIn(PaymentLinkRef):
    customer: BuyerIn


async def _live_link(ctx: ToolContext, link_id: str) -> tuple[PaymentLink, Event, TicketTier]:
    """A demo gateway's link that can still be paid, or NotFound saying why not. (Stripe's
    links are paid on Stripe's own page.)"""
    link = await ctx.session.scalar(select(PaymentLink).where(PaymentLink.link_id == link_id))
    event = link and await ctx.session.get(Event, link.event_id)
    tier = link and await ctx.session.get(TicketTier, link.tier_id)
    if link is None or link.provider != "demo" or not event or not tier:
        raise NotFound("No payment link matches that address; check it was copied whole.")
    if event.visibility == "draft":
        raise NotFound("No payment link matches that address; check it was copied whole.")
    if not link.active:
        raise NotFound("This payment link has been switched off; ask the venue for a new one.")
    why = _expired(ctx, link, event, tier)
    if why is not None:
        raise NotFound(f"This payment link has expired: {why}. Ask the venue for a new one.")
    return link, event, tier


def _expired(ctx: ToolContext, link: PaymentLink, event: Event, tier: TicketTier) -> str | None:
    now = ctx.now()
    if event.status == "cancelled":
        return f"{event.name} was cancelled"
    if now > (event.ends_at or event.starts_at + ASSUMED_LENGTH):
        return f"{event.name} is over"
    if event.sales_end_at and now > event.sales_end_at:
        return f"sales for {event.name} have ended"
    if (tier.price_cents, tier.currency) != (link.price_cents, link.currency):
        return f"the price of {tier.name} has changed"  # never charge other than the link says
    return None


@tool(
    category="payments",
    role="public",
    read_only=True,
    examples=["what does payment link demo_plink_abc123 sell"],
    http=HttpRoute("GET", "/api/payment-links/{link_id}"),
)
async def get_payment_link(ctx: ToolContext, args: PaymentLinkRef) -> PaymentLinkPageOut:
    """What a demo (TEST MODE) payment link sells: event, tier, price, the fixed quantity and
    whether seats are left. Unknown, switched-off or expired links are not found."""
    link, event, tier = await _live_link(ctx, args.link_id)
    venue = await ctx.session.get(Venue, event.venue_id)
    assert venue is not None
    seats_left = max(tier.capacity - tier.sold - tier.held, 0)
    return PaymentLinkPageOut(
        link_id=link.link_id,
        event_id=event.id,
        event_name=event.name,
        starts_at=event.starts_at,
        timezone=venue.timezone,
        venue_name=venue.name,
        tier_id=tier.id,
        tier_name=tier.name,
        tier_description=tier.description,
        quantity=link.quantity,
        price_cents=link.price_cents,
        total_cents=link.price_cents * link.quantity,
        currency=link.currency,
        seats_left=seats_left,
        on_sale=tier.status == "on_sale" and seats_left >= link.quantity,
        test_mode=True,
    )


@tool(
    category="payments",
    role="public",
    examples=["pay payment link demo_plink_abc123 for Ada Lovelace"],
    http=HttpRoute("POST", "/api/payment-links/{link_id}/checkout", 201),
)
async def buy_with_payment_link(ctx: ToolContext, args: BuyWithPaymentLinkIn) -> PurchaseOut:
    """Start paying a demo payment link: the same sale as purchase_tickets with card payment
    (seats held, a pending order, `checkout_url` to pay at), for the link's tier and quantity."""
    link, event, tier = await _live_link(ctx, args.link_id)
    sale = PurchaseTicketsIn(
        event_id=event.id,
        tier_id=tier.id,
        quantity=link.quantity,
        customer=args.customer,
        payment="card",
    )
    return await sell(ctx, sale, payment_link_id=link.id)


class ExpireCheckoutsIn(In):
    pass


class ExpireCheckoutsOut(Out):
    expired: int


@tool(
    category="payments",
    role="admin",
    idempotent=True,
    examples=["release expired seat holds"],
    http=HttpRoute("POST", "/api/checkouts/expire"),
)
async def expire_checkouts(ctx: ToolContext, args: ExpireCheckoutsIn) -> ExpireCheckoutsOut:
    """Expire every unpaid checkout past its hold time and put its seats back on sale (the
    job worker runs this periodically; sales also do it for their tier when seats run short)."""
    return ExpireCheckoutsOut(expired=await release_expired(ctx))
