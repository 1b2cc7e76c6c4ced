"""Money going back: refund records, and card refunds through the payment gateway without a
transaction open during the call (move_money_back). The tools that use this are refund_ticket,
refund_order (tools/tickets.py) and cancel_event (tools/events.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from aitickets.errors import Conflict, NotFound
from integrations.payments import PaymentUnavailable, RefundResult, gateway_for
from persistence.models import Checkout, Order, Refund, Ticket

from .context import ToolContext
from .inventory import release_seats

REFUNDABLE = ("valid", "checked_in")
# Refund rows whose money has not gone back: the gateway is being asked, or it failed.
NOT_MOVED = ("requested", "failed")
# Longer than any gateway call (timeout × retries): a younger `requested` row is in flight.
IN_FLIGHT = timedelta(minutes=2)


async def ticket_or_404(session: AsyncSession, ticket_id: int) -> Ticket:
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"No ticket with id {ticket_id}.", id=ticket_id)
    return ticket


async def refunded_so_far(session: AsyncSession, ticket_id: int) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(Refund.amount_cents), 0)).where(
            Refund.ticket_id == ticket_id, Refund.status.not_in(NOT_MOVED)
        )
    )
    return int(total or 0)


@dataclass
class Repayment:
    """Money going back for one order: the tickets (or the whole order when ticket is None)
    and, for card orders, the gateway refund that must succeed first."""

    order: Order
    items: list[tuple[Ticket | None, int, bool]]  # (ticket, cents, full)
    key: str  # deterministic: a retry sends the gateway the same idempotency key
    reason: str
    rows: list[Refund] = field(default_factory=list)

    @property
    def cents(self) -> int:
        return sum(cents for _, cents, _ in self.items)


async def move_money_back(ctx: ToolContext, repayments: list[Repayment]) -> None:
    """Refund and record each repayment, never holding a transaction open across a gateway call.

    Cash, comp and free orders are recorded at once. For card orders: (1) a `requested` Refund
    row per item carries the idempotency key (in provider_ref) and is committed with whatever the
    tool did so far; (2) the gateway is called; (3) in a new transaction the rows take the
    gateway's refund id and status and the tickets, seats and order change, once (conditional
    on the rows still being unsettled). A gateway failure marks the rows `failed`, commits, and
    raises PaymentUnavailable; a retry computes the same key, reuses the rows, and the gateway
    never refunds twice. A crash after (1) leaves only `requested` rows, which count as no money
    moved, so the retry is again safe; and a crash after (2) is finished by the reconciler
    (tools/refund_recovery.py), which retries such rows with their key once they are stale."""
    card: list[tuple[Repayment, Checkout]] = []
    for rep in repayments:
        if rep.order.payment_method != "card" or rep.cents <= 0:
            for ticket, cents, full in rep.items:
                row = _refund_row(ctx, rep, ticket, cents, "recorded")
                ctx.session.add(row)
                await _apply(ctx, rep.order, ticket, cents, full, rep.reason)
            continue
        checkout = await ctx.session.scalar(
            select(Checkout).where(Checkout.order_id == rep.order.id)
        )
        if checkout is None or not checkout.payment_ref:
            raise PaymentUnavailable(
                f"Order {rep.order.id} has no card payment on record to refund."
            )
        await _not_in_flight(ctx, rep.order)
        rep.rows = await _intents(ctx, rep)
        card.append((rep, checkout))
    if not card:
        return
    await ctx.session.flush()
    await ctx.commit_now()
    failed: list[int] = []
    results = []
    for rep, checkout in card:
        try:
            results.append(
                await gateway_for(ctx.settings, checkout.provider).refund(
                    payment_ref=str(checkout.payment_ref),
                    amount_cents=rep.cents,
                    idempotency_key=rep.key,
                )
            )
        except PaymentUnavailable as exc:
            results.append(exc)
    error: PaymentUnavailable | None = None
    for (rep, _), result in zip(card, results, strict=True):
        ids = [row.id for row in rep.rows]
        if isinstance(result, PaymentUnavailable):
            error, failed = error or result, [*failed, rep.order.id]
            await ctx.session.execute(
                update(Refund)
                .where(Refund.id.in_(ids), Refund.status == "requested")
                .values(status="failed")
                .execution_options(synchronize_session=False)
            )
            continue
        await settle(ctx, rep, result)
    if error is not None:
        await ctx.session.flush()
        await ctx.commit_now()  # keep what was refunded and the failed marks: the runner rolls back
        which = ", ".join(str(i) for i in failed)
        raise PaymentUnavailable(
            f"The payment provider failed while refunding order {which}, so no money went back "
            "for it; try the refund again in a minute (a retry never refunds twice).",
            **error.details,
        )


async def settle(ctx: ToolContext, rep: Repayment, result: RefundResult) -> bool:
    """The gateway refunded `rep`: its rows take the refund's id and status, and the tickets,
    seats and order change, once. False when the rows were settled already (a concurrent retry
    with the same key, or the reconciler, got there first)."""
    settled = await ctx.session.scalars(
        update(Refund)
        .where(Refund.id.in_([row.id for row in rep.rows]), Refund.status.in_(NOT_MOVED))
        .values(status=result.status, provider_ref=result.refund_id)
        .returning(Refund.id)
        .execution_options(synchronize_session=False)
    )
    if not settled.all():
        return False
    for row in rep.rows:
        row.status, row.provider_ref = result.status, result.refund_id
    await ctx.session.refresh(rep.order)
    for ticket, cents, full in rep.items:
        if ticket is not None:
            await ctx.session.refresh(ticket)
        await _apply(ctx, rep.order, ticket, cents, full, rep.reason)
    return True


def _refund_row(
    ctx: ToolContext, rep: Repayment, ticket: Ticket | None, cents: int, status: str
) -> Refund:
    return Refund(
        order_id=rep.order.id,
        ticket_id=ticket.id if ticket else None,
        amount_cents=cents,
        reason=rep.reason,
        status=status,
        actor=ctx.actor.name,
        created_at=ctx.now(),
    )


async def _not_in_flight(ctx: ToolContext, order: Order) -> None:
    """One gateway refund per order at a time: another one's `requested` rows younger than
    IN_FLIGHT mean it is still talking to the gateway (older ones were interrupted, and count as
    no money moved; their retry sends the same key)."""
    await ctx.session.execute(select(Order.id).where(Order.id == order.id).with_for_update())
    busy = await ctx.session.scalar(
        select(Refund.id)
        .where(
            Refund.order_id == order.id,
            Refund.status == "requested",
            Refund.created_at > ctx.now() - IN_FLIGHT,
        )
        .limit(1)
    )
    if busy is not None:
        raise Conflict(
            f"Another refund of order {order.id} is going through right now; try again in a "
            "minute.",
            code="refund_in_progress",
        )


async def _intents(ctx: ToolContext, rep: Repayment) -> list[Refund]:
    """The `requested` rows of a card repayment: those of an earlier failed or interrupted try
    with the same key are reused, so retries do not pile up rows."""
    earlier = (
        await ctx.session.scalars(
            select(Refund).where(
                Refund.order_id == rep.order.id,
                Refund.status.in_(NOT_MOVED),
                Refund.provider_ref == rep.key,
            )
        )
    ).all()
    rows = []
    for ticket, cents, _ in rep.items:
        ticket_id = ticket.id if ticket else None
        row = next((r for r in earlier if r.ticket_id == ticket_id and r not in rows), None)
        if row is None:
            row = _refund_row(ctx, rep, ticket, cents, "requested")
            ctx.session.add(row)
        row.status, row.provider_ref, row.amount_cents = "requested", rep.key, cents
        row.actor, row.reason, row.created_at = ctx.actor.name, rep.reason, ctx.now()
        rows.append(row)
    return rows


async def _apply(
    ctx: ToolContext, order: Order, ticket: Ticket | None, cents: int, full: bool, reason: str
) -> None:
    """The ticket, seat and order changes of money that has gone back."""
    order.refunded_cents += cents
    if ticket is None:  # a whole order refunded without tickets (refund_due)
        order.status = "refunded"
        ctx.emit("order.refunded", {"order_id": order.id, "amount_cents": cents})
        return
    if full and ticket.status in REFUNDABLE:
        ticket.status = "refunded"
        await release_seats(ctx.session, ticket.tier_id, 1)
        remaining = await ctx.session.scalar(
            select(func.count(Ticket.id)).where(
                Ticket.order_id == order.id, Ticket.status.in_(REFUNDABLE), Ticket.id != ticket.id
            )
        )
        if not remaining:
            order.status = "refunded"
    ctx.emit(
        "ticket.refunded",
        {
            "ticket_id": ticket.id,
            "order_id": order.id,
            "amount_cents": cents,
            "full": full,
            "reason": reason,
        },
        event_id=ticket.event_id,
    )


async def refund_tickets(
    ctx: ToolContext, ticket_ids: list[int], *, reason: str
) -> tuple[int, int]:
    """Fully refund each refundable ticket, one gateway refund per order; returns (tickets
    refunded, cents). Card refunds commit the caller's work first (see move_money_back)."""
    by_order: dict[int, list[tuple[Ticket | None, int, bool]]] = {}
    for ticket_id in ticket_ids:
        ticket = await ticket_or_404(ctx.session, ticket_id)
        if ticket.status not in REFUNDABLE:
            continue
        amount = ticket.price_cents - await refunded_so_far(ctx.session, ticket.id)
        by_order.setdefault(ticket.order_id, []).append((ticket, amount, True))
    repayments = []
    for order_id, items in by_order.items():
        order = await ctx.session.get(Order, order_id)
        assert order is not None
        total = sum(amount for _, amount, _ in items)
        ids = "-".join(str(t.id) for t, _, _ in items if t)
        key = f"aitickets-order-{order.id}-{order.refunded_cents}-{total}-{ids}"[:250]
        repayments.append(Repayment(order, items, key, reason))
    await move_money_back(ctx, repayments)
    return sum(len(r.items) for r in repayments), sum(r.cents for r in repayments)
