"""Card refunds interrupted between the gateway and the database, finished by the job worker.

move_money_back (tools/refunds.py) commits `requested` rows carrying the idempotency key, calls
the gateway, then settles the rows and changes the tickets, seats and order. A process that
dies after the gateway refunded but before that last step leaves rows `requested` forever,
although the money went back. Every minute (and at once when the worker starts) a sweep finds
such rows older than IN_FLIGHT and queues one durable job per interrupted refund; the job sends
the gateway the same key and amount (Stripe and the demo gateway answer a repeated key with the
same refund, never a second one) and settles exactly once, through the same conditional
`settle` a staff retry uses, so a retry racing the job cannot apply it twice either.

A timeout or 5xx is retried with the queue's backoff; a refusal (4xx) marks the rows `failed`,
as a refusal during the original call would have. A Stripe intent older than Stripe keeps
idempotency keys (24 hours) is not retried blindly: its job is dead-lettered for a person.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select, update

from aitickets.settings import Settings
from integrations import jobs
from integrations.payments import PaymentUnavailable, RefundResult, gateway_for
from persistence.db import Database
from persistence.models import Checkout, Order, Refund, Ticket

from .context import Actor, Clock, ToolContext
from .refunds import IN_FLIGHT, NOT_MOVED, REFUNDABLE, Repayment, refunded_so_far, settle

log = logging.getLogger(__name__)

KIND = "refund.reconcile"
RECONCILER = Actor(name="refund-reconciler", role="admin")
# Stripe forgets an idempotency key after 24 hours; past that, a retry could refund twice.
KEY_LIFETIME = {"stripe": timedelta(hours=23)}
# Refusals worth another try later: a request with the same key still in progress, throttling.
_TRANSIENT_4XX = {409, 429}


@jobs.periodic("refunds.reconcile", every_seconds=60)
async def queue_interrupted_refunds(db: Database, settings: Settings, clock: Clock) -> int:
    """One reconcile job per refund left `requested` longer than any gateway call takes; the
    dedupe key names the attempt (first row, time of the try), so a later interrupted retry of
    the same refund gets a job of its own. Returns the number of jobs queued."""
    now = clock()
    async with db.unit_of_work() as session:
        stale = (
            await session.execute(
                select(
                    Refund.order_id,
                    Refund.provider_ref,
                    func.min(Refund.id),
                    func.max(Refund.created_at),
                )
                .where(
                    Refund.status == "requested",
                    Refund.provider_ref.is_not(None),
                    Refund.created_at <= now - IN_FLIGHT,
                )
                .group_by(Refund.order_id, Refund.provider_ref)
            )
        ).all()
        queued = 0
        for order_id, key, first_id, tried_at in stale:
            queued += await jobs.enqueue(
                session,
                KIND,
                {"order_id": order_id, "key": key},
                now=now,
                dedupe_key=f"{KIND}:{first_id}:{int(tried_at.timestamp())}",
                max_attempts=10,
            )
    if queued:
        log.warning("queued %s interrupted card refund(s) for reconciliation", queued)
    return queued


async def _interrupted(
    ctx: ToolContext, order_id: int, key: str, statuses: tuple[str, ...]
) -> tuple[Repayment, Checkout] | None:
    """The repayment behind the rows of `order_id` that carry `key` in one of `statuses`, with
    its tickets and whether each was refunded in full (as refund_ticket/refund_order decided it:
    the row's amount is all that was left of the ticket)."""
    rows = (
        await ctx.session.scalars(
            select(Refund)
            .where(
                Refund.order_id == order_id,
                Refund.provider_ref == key,
                Refund.status.in_(statuses),
            )
            .order_by(Refund.id)
        )
    ).all()
    order = await ctx.session.get(Order, order_id)
    checkout = await ctx.session.scalar(select(Checkout).where(Checkout.order_id == order_id))
    if not rows or order is None or checkout is None or not checkout.payment_ref:
        return None
    items: list[tuple[Ticket | None, int, bool]] = []
    for row in rows:
        ticket = await ctx.session.get(Ticket, row.ticket_id) if row.ticket_id else None
        full = ticket is None or (
            ticket.status in REFUNDABLE
            and row.amount_cents
            == ticket.price_cents - await refunded_so_far(ctx.session, ticket.id)
        )
        items.append((ticket, row.amount_cents, full))
    rep = Repayment(order, items, key, rows[0].reason, rows=list(rows))
    return rep, checkout


async def _set_failed(db: Database, order_id: int, key: str) -> None:
    async with db.unit_of_work() as session:
        await session.execute(
            update(Refund)
            .where(
                Refund.order_id == order_id,
                Refund.provider_ref == key,
                Refund.status == "requested",
            )
            .values(status="failed")
            .execution_options(synchronize_session=False)
        )


@jobs.handler(KIND)
async def reconcile_refund(run: jobs.JobRun) -> None:
    order_id, key = int(run.payload["order_id"]), str(run.payload["key"])
    now = run.clock()
    async with run.db.unit_of_work() as session:
        ctx = ToolContext(session, RECONCILER, run.settings, run.clock)
        found = await _interrupted(ctx, order_id, key, ("requested",))
        if found is None:
            return  # settled or failed meanwhile (a retry by staff): nothing left to do
        rep, checkout = found
        tried_at = max(row.created_at for row in rep.rows)
        if now - tried_at < IN_FLIGHT:  # a retry is talking to the gateway right now
            raise jobs.Retry("a refund of this order is in flight", after=IN_FLIGHT.total_seconds())
        lifetime = KEY_LIFETIME.get(checkout.provider)
        if lifetime is not None and now - tried_at > lifetime:
            raise jobs.GiveUp(
                f"The card refund of order {order_id} (key {key}) was interrupted "
                f"{(now - tried_at) // timedelta(hours=1)} hours ago, longer than "
                f"{checkout.provider} keeps idempotency keys: check the payment at the gateway "
                "before refunding again."
            )
        provider, payment_ref, cents = checkout.provider, str(checkout.payment_ref), rep.cents
    try:  # no transaction is open during the call
        result: RefundResult = await gateway_for(run.settings, provider).refund(
            payment_ref=payment_ref, amount_cents=cents, idempotency_key=key
        )
    except PaymentUnavailable as exc:
        status = exc.details.get("provider_status")
        if isinstance(status, int) and 400 <= status < 500 and status not in _TRANSIENT_4XX:
            await _set_failed(run.db, order_id, key)
            log.warning("the gateway refused the interrupted refund of order %s", order_id)
            return
        raise jobs.Retry(exc.message) from None
    async with run.db.unit_of_work() as session:
        ctx = ToolContext(session, RECONCILER, run.settings, run.clock)
        # `failed` too: a staff retry may have failed meanwhile, but the gateway has now said
        # that this key's refund went through.
        found = await _interrupted(ctx, order_id, key, NOT_MOVED)
        if found is not None and await settle(ctx, found[0], result):
            log.info("reconciled the interrupted refund of order %s (%s cents)", order_id, cents)
