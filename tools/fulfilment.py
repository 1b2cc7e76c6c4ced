"""The card-payment state machine shared by Stripe and the demo gateway (the tools that drive it
are in tools/payments.py).

An online paid order starts `pending` with its seats held (ticket_tiers.held, one conditional
UPDATE) and a checkout at the gateway, opened with no transaction open (start_checkout). Paid →
the hold becomes sold seats, the tickets are issued and `ticket.purchased` is emitted, exactly
once whatever replays arrive. Expired, cancelled or failed → the hold and the promo use are
given back. Payment Links sell a fixed quantity of one tier each time they are paid; their
orders are born paid when the webhook arrives.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any, NoReturn

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from aitickets.errors import Conflict, InvalidInput, SoldOut
from aitickets.settings import Settings, get_settings
from integrations.payments import (
    STRIPE_MIN_EXPIRY,
    CheckoutRequest,
    gateway_for,
)
from persistence.models import (
    Checkout,
    Event,
    Order,
    PaymentEvent,
    PaymentLink,
    PromoRedemption,
    Ticket,
    TicketTier,
)

from .common import without_controls
from .context import Actor, ToolContext
from .customers import registered_payload, upsert_customer
from .inventory import release_held, sell_held, take_seats
from .promos import release_promo_use
from .tickets import new_qr_token

log = logging.getLogger(__name__)
SYSTEM = Actor(name="system", role="admin")
GATEWAY_ACTOR = Actor(name="payments", role="admin")
# Checkout states that hold seats: `creating` while the gateway is asked, `open` till paid.
HOLDING = ("creating", "open")


# --- seats and tickets -------------------------------------------------------------------------


def split_cents(total: int, parts: int) -> list[int]:
    """Share a total over tickets in whole cents; the first tickets take the remainder."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


async def issue_tickets(
    ctx: ToolContext, order: Order, tier_id: int, quantity: int, holder_name: str
) -> list[Ticket]:
    """The order's tickets and its one `ticket.purchased` event (no QR tokens in it)."""
    tickets = [
        Ticket(
            order_id=order.id,
            event_id=order.event_id,
            tier_id=tier_id,
            customer_id=order.customer_id,
            holder_name=holder_name,
            qr_token=new_qr_token(),
            price_cents=price,
            created_at=ctx.now(),
        )
        for price in split_cents(order.total_cents, quantity)
    ]
    ctx.session.add_all(tickets)
    await ctx.session.flush()
    ctx.emit(
        "ticket.purchased",
        {
            "order_id": order.id,
            "event_id": order.event_id,
            "tier_id": tier_id,
            "customer_id": order.customer_id,
            "quantity": quantity,
            "total_cents": order.total_cents,
            "currency": order.currency,
            "payment_method": order.payment_method,
            "ticket_ids": [t.id for t in tickets],
        },
        event_id=order.event_id,
    )
    return tickets


# --- checkouts ---------------------------------------------------------------------------------


def buyer_checkout_url(checkout: Checkout, order: Order) -> str:
    """Where the buyer pays. The demo checkout page also needs the order's access token to pay,
    so a session id seen elsewhere (a log, a status lookup) is not enough to pay someone's
    order; the stored `checkout.url` never carries it."""
    if checkout.provider == "demo" and checkout.url:
        return f"{checkout.url}?access_token={order.access_token}"
    return checkout.url


async def start_checkout(
    ctx: ToolContext,
    *,
    order: Order,
    event: Event,
    tier: TicketTier,
    quantity: int,
    holder_name: str,
    email: str | None,
    promo_label: str = "",
    payment_link_id: int | None = None,
) -> Checkout:
    """Open a card checkout for a flushed pending order whose seats the caller has held, with no
    transaction open while the gateway is called (on SQLite one connection serves everyone):
    1. record the checkout `creating`, with the hold's expires_at, and commit: a crash before
       step 3 leaves a lapsed hold that release_expired gives back like any other;
    2. ask the gateway for a session;
    3. record it (creating → open, `order.pending`), or if the gateway failed close the checkout
       `failed` (hold and promo use given back, `order.failed`), commit that, and re-raise."""
    gateway = gateway_for(ctx.settings)
    hold = timedelta(minutes=ctx.settings.checkout_hold_minutes)
    if gateway.name == "stripe":
        hold = max(hold, STRIPE_MIN_EXPIRY)
    expires_at = ctx.now() + hold
    order.expires_at = expires_at
    checkout = Checkout(
        order_id=order.id,
        provider=gateway.name,
        session_id=f"creating_{secrets.token_urlsafe(18)}",  # replaced by the gateway's id
        url="",
        tier_id=tier.id,
        quantity=quantity,
        holder_name=holder_name,
        amount_cents=order.total_cents,
        currency=order.currency,
        status="creating",
        expires_at=expires_at,
        payment_link_id=payment_link_id,
        created_at=ctx.now(),
    )
    ctx.session.add(checkout)
    await ctx.session.flush()
    await ctx.commit_now()
    back = f"{ctx.settings.public_base_url.rstrip('/')}/checkout/return/{order.access_token}"
    try:
        session = await gateway.create_checkout(
            CheckoutRequest(
                order_id=order.id,
                item_name=f"{event.name} — {tier.name}",
                unit_amount_cents=tier.price_cents,
                quantity=quantity,
                currency=order.currency,
                expires_at=expires_at,
                success_url=f"{back}?result=success",
                cancel_url=f"{back}?result=cancel",
                discount_cents=order.discount_cents,
                discount_label=promo_label,
                customer_email=email,
            )
        )
    except Exception:
        await close_checkout(ctx, checkout, "failed")
        await ctx.commit_now()  # the runner rolls back whatever is open when a tool raises
        raise
    opened = await ctx.session.scalar(
        update(Checkout)
        .where(Checkout.id == checkout.id, Checkout.status == "creating")
        .values(status="open", session_id=session.session_id, url=session.url)
        .returning(Checkout.id)
        .execution_options(synchronize_session=False)
    )
    if opened is None:  # closed meanwhile (cancelled or lapsed): nobody may pay this session
        await ctx.commit_now()
        await expire_quietly(gateway.name, ctx.settings, session.session_id)
        raise Conflict("The seats were released before checkout opened; please start again.")
    checkout.status, checkout.session_id, checkout.url = "open", session.session_id, session.url
    order.payment_ref = session.session_id
    ctx.emit(
        "order.pending",
        {"order_id": order.id, "tier_id": tier.id, "quantity": quantity, "provider": gateway.name},
        event_id=event.id,
    )
    return checkout


def raise_sold_out(tier: TicketTier, event: Event) -> NoReturn:
    remaining = max(tier.capacity - tier.sold - tier.held, 0)
    raise SoldOut(
        f"Only {remaining} {tier.name} tickets are left."
        if remaining
        else f"{tier.name} for {event.name} is sold out.",
        remaining=remaining,
    )


async def expire_quietly(provider: str, settings: Settings, session_id: str) -> None:
    try:
        await gateway_for(settings, provider).expire_checkout(session_id)
    except Exception:  # the session expires by itself; nobody was given its address
        log.warning("could not expire checkout %s at %s", session_id, provider)


async def close_checkout(ctx: ToolContext, checkout: Checkout, status: str) -> bool:
    """open or creating → expired/cancelled/failed: release the hold and the promo use, and
    emit `order.<status>`. False if it was not open."""
    moved = await ctx.session.scalar(
        update(Checkout)
        .where(Checkout.id == checkout.id, Checkout.status.in_(HOLDING))
        .values(status=status)
        .returning(Checkout.id)
        .execution_options(synchronize_session=False)
    )
    if moved is None:
        return False
    checkout.status = status
    await release_held(ctx.session, checkout.tier_id, checkout.quantity)
    order = await ctx.session.get(Order, checkout.order_id)
    assert order is not None
    order.status = status
    if order.promo_code_id is not None:
        await release_promo_use(ctx.session, order.promo_code_id)
        await ctx.session.execute(
            delete(PromoRedemption).where(PromoRedemption.order_id == order.id)
        )
    ctx.emit(
        f"order.{status}",
        {"order_id": order.id, "tier_id": checkout.tier_id, "quantity": checkout.quantity},
        event_id=order.event_id,
    )
    return True


async def release_expired_holds(
    session: AsyncSession, now: datetime, *, tier_id: int | None = None
) -> int:
    """Expire every open checkout past its time and give its seats back; the number expired.
    Run it periodically (the job worker); sales also call it for their tier when short."""
    return await release_expired(ToolContext(session, SYSTEM, get_settings(), lambda: now), tier_id)


async def release_expired(ctx: ToolContext, tier_id: int | None = None) -> int:
    query = select(Checkout).where(Checkout.status.in_(HOLDING), Checkout.expires_at <= ctx.now())
    if tier_id is not None:
        query = query.where(Checkout.tier_id == tier_id)
    count = 0
    for checkout in (await ctx.session.scalars(query.order_by(Checkout.id))).all():
        count += await close_checkout(ctx, checkout, "expired")
    return count


async def fulfil_checkout(ctx: ToolContext, checkout: Checkout, payment_ref: str | None) -> str:
    """Paid: issue the tickets once. Returns what happened (fulfilled, duplicate, late, …)."""
    previous = checkout.status
    moved = await ctx.session.scalar(
        update(Checkout)
        .where(Checkout.id == checkout.id, Checkout.status.in_(("open", "expired", "cancelled")))
        .values(status="complete", completed_at=ctx.now(), payment_ref=payment_ref)
        .returning(Checkout.id)
        .execution_options(synchronize_session=False)
    )
    if moved is None:
        return "duplicate"
    checkout.status, checkout.completed_at = "complete", ctx.now()
    checkout.payment_ref = payment_ref
    order = await ctx.session.get(Order, checkout.order_id)
    assert order is not None
    order.payment_ref = payment_ref or order.payment_ref
    order.expires_at = None
    if previous == "open":
        await sell_held(ctx.session, checkout.tier_id, checkout.quantity)
    elif await take_seats(ctx.session, checkout.tier_id, checkout.quantity) is None:
        # Paid after the hold lapsed and the seats were sold meanwhile: the money must go back.
        order.status = "refund_due"
        ctx.emit("order.refund_due", {"order_id": order.id}, event_id=order.event_id)
        return "refund_due"
    order.status = "paid"
    await issue_tickets(ctx, order, checkout.tier_id, checkout.quantity, checkout.holder_name)
    return "fulfilled" if previous == "open" else "fulfilled_late"


async def _fulfil_payment_link(ctx: ToolContext, link: PaymentLink, obj: dict[str, Any]) -> str:
    details = obj.get("customer_details") or {}
    email = details.get("email") or obj.get("customer_email")
    name = without_controls(str(details.get("name") or (email or "Card buyer").split("@")[0]))
    name = name.strip()[:200] or "Card buyer"
    customer, created = await upsert_customer(
        ctx.session, name=name, email=email, phone=None, now=ctx.now()
    )
    if created:
        ctx.emit("customer.registered", registered_payload(customer, "payment_link"))
    total = int(obj.get("amount_total") or link.price_cents * link.quantity)
    order = Order(
        event_id=link.event_id,
        customer_id=customer.id,
        status="pending",
        payment_method="card",
        subtotal_cents=int(obj.get("amount_subtotal") or total),
        discount_cents=0,
        total_cents=total,
        currency=link.currency,
        access_token=secrets.token_urlsafe(24),
        payment_ref=_id(obj.get("payment_intent")),
        sold_by="payment_link",
        created_at=ctx.now(),
    )
    ctx.session.add(order)
    await ctx.session.flush()
    checkout = Checkout(
        order_id=order.id,
        provider=link.provider,
        session_id=str(obj["id"]),
        url="",
        tier_id=link.tier_id,
        quantity=link.quantity,
        holder_name=name,
        amount_cents=total,
        currency=link.currency,
        status="expired",  # nothing held: fulfil takes the seats afresh
        expires_at=ctx.now(),
        payment_link_id=link.id,
        created_at=ctx.now(),
    )
    ctx.session.add(checkout)
    await ctx.session.flush()
    outcome = await fulfil_checkout(ctx, checkout, _id(obj.get("payment_intent")))
    return "fulfilled" if outcome == "fulfilled_late" else outcome


def _id(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return None if value is None else str(value)


async def apply_stripe_event(ctx: ToolContext, event: dict[str, Any]) -> str:
    """Apply one verified Stripe event, once per event id; returns the outcome."""
    event_ref, kind = str(event.get("id") or ""), str(event.get("type") or "")
    if not event_ref:
        raise InvalidInput("The event has no id.")
    seen = await ctx.session.scalar(
        select(PaymentEvent.id).where(
            PaymentEvent.provider == "stripe", PaymentEvent.event_ref == event_ref
        )
    )
    if seen is not None:
        return "duplicate"
    obj = event["data"].get("object") or {}
    outcome = await _apply(ctx, kind, obj)
    ctx.session.add(
        PaymentEvent(
            provider="stripe",
            event_ref=event_ref,
            kind=kind[:64],
            outcome=outcome,
            received_at=ctx.now(),
        )
    )
    await ctx.session.flush()
    return outcome


async def _apply(ctx: ToolContext, kind: str, obj: dict[str, Any]) -> str:
    if not kind.startswith("checkout.session.") or not obj.get("id"):
        return "ignored"
    checkout = await ctx.session.scalar(
        select(Checkout).where(Checkout.session_id == str(obj["id"]))
    )
    paid = obj.get("payment_status") in ("paid", "no_payment_required")
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if not paid:
            return "awaiting_payment"
        if checkout is not None:
            return await fulfil_checkout(ctx, checkout, _id(obj.get("payment_intent")))
        link_ref = _id(obj.get("payment_link"))
        link = link_ref and await ctx.session.scalar(
            select(PaymentLink).where(PaymentLink.link_id == link_ref)
        )
        return await _fulfil_payment_link(ctx, link, obj) if link else "unknown_session"
    if kind in ("checkout.session.expired", "checkout.session.async_payment_failed"):
        if checkout is None:
            return "unknown_session"
        return "released" if await close_checkout(ctx, checkout, "expired") else "already_closed"
    return "ignored"


async def handle_stripe_webhook(runner: Any, event: dict[str, Any]) -> str:
    """One unit of work per webhook; a concurrent duplicate loses on the unique event id."""
    try:
        async with runner.db.unit_of_work() as session:
            ctx = ToolContext(session, GATEWAY_ACTOR, runner.settings, runner.clock)
            return await apply_stripe_event(ctx, event)
    except IntegrityError:
        return "duplicate"
