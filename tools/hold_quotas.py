"""Quotas on unpaid seat holds by callers without a staff key, so that nobody can hold every seat
of a tier for the length of a checkout, again and again:

- all such holds on one tier together stay within AITICKETS_HOLD_SHARE of its unsold seats
  (counted from the open checkouts, inside the transaction that took the hold, after the tier's
  row was locked by that hold's UPDATE, so concurrent checkouts cannot pass it together);
- one anonymous client address starts holds for at most AITICKETS_HOLDS_PER_CLIENT seats per
  hold period (CHECKOUT_HOLD_MINUTES), kept by the rate limiter (shared through Redis when set).

Staff keys (the box office) are not limited: they decide what they hold.
"""

from __future__ import annotations

import math

from sqlalchemy import func, select

from aitickets.errors import Conflict, RateLimited
from integrations.ratelimit import Rate, wait_text
from persistence.models import Checkout, Order, TicketTier

from .context import ToolContext

# Checkout states that hold seats (as in fulfilment.HOLDING; not imported to keep this a leaf).
_HOLDING = ("creating", "open")


def applies(ctx: ToolContext) -> bool:
    return not ctx.actor.at_least("staff")


def _client_rate(ctx: ToolContext) -> Rate:
    return Rate(ctx.settings.holds_per_client, ctx.settings.checkout_hold_minutes * 60)


async def check_client(ctx: ToolContext, quantity: int) -> None:
    """Before holding: may this anonymous client start a hold of `quantity` seats?"""
    if ctx.actor.role != "public":  # a key (an agent platform) is not one person's address
        return
    rate = _client_rate(ctx)
    if quantity > rate.requests:
        raise Conflict(
            f"At most {rate.requests} seats can be held in online checkouts at once; "
            "buy fewer, or ask the box office.",
            code="hold_quota",
        )
    wait = await ctx.limits.check(rate, "holds", ctx.requester(), cost=quantity)
    if wait:
        raise RateLimited(
            f"You have started checkouts for {rate.requests} seats already; pay for them or "
            f"try again in {wait_text(wait)}.",
            retry_after=math.ceil(wait),
        )


async def record_client(ctx: ToolContext, quantity: int) -> None:
    """After the hold was taken: count it against the client's quota."""
    if ctx.actor.role == "public":
        await ctx.limits.hit(_client_rate(ctx), "holds", ctx.requester(), cost=quantity)


async def check_tier_share(ctx: ToolContext, tier: TicketTier, quantity: int) -> None:
    """After `quantity` seats were held (the tier's row is locked by that UPDATE): refuse when
    unpaid checkouts without a staff key would then hold more than the tier's share of its
    unsold seats (at least one seat, or a tier's last seat could never be bought online)."""
    capacity, sold = (
        await ctx.session.execute(
            select(TicketTier.capacity, TicketTier.sold).where(TicketTier.id == tier.id)
        )
    ).one()
    cap = max(1, math.floor((capacity - sold) * ctx.settings.hold_share))
    held = await ctx.session.scalar(
        select(func.coalesce(func.sum(Checkout.quantity), 0))
        .join(Order, Order.id == Checkout.order_id)
        .where(
            Checkout.tier_id == tier.id,
            Checkout.status.in_(_HOLDING),
            Checkout.expires_at > ctx.now(),
            Order.sold_by == "online",
        )
    )
    if quantity > cap:
        raise Conflict(
            f"At most {cap} {tier.name} seats can be bought in one online checkout right now; "
            "buy fewer, or ask the box office.",
            code="hold_quota",
            most=cap,
        )
    if (held or 0) + quantity > cap:
        raise Conflict(
            f"Too many {tier.name} seats are waiting for payment in other checkouts right now; "
            "try again in a few minutes, or ask the box office.",
            code="hold_quota",
        )
