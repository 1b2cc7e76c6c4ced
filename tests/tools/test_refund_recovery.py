"""Card refunds interrupted after the gateway refunded but before the database recorded it are
finished by the worker's reconciler: same idempotency key, applied exactly once, and running it
again changes nothing. Demo gateway here; Stripe in tests/integrations."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from integrations.jobs import Worker
from integrations.payments import DemoGateway, PaymentUnavailable
from persistence.db import Database
from persistence.models import DomainEvent, Job, Order, Refund, Ticket, TicketTier
from tests.conftest import Call
from tests.factories import make_event, make_tier
from tools.refund_recovery import KIND, queue_interrupted_refunds

BUYER = {"name": "Grace Hopper", "email": "grace@example.com"}


class Crash(BaseException):
    """The process dying: nothing after it runs, nothing open is committed."""


@pytest.fixture
async def show(db: Database) -> tuple[int, int]:
    event_id = await make_event(db)
    return event_id, await make_tier(db, event_id, price_cents=2500, capacity=10)


async def _paid(call: Call, show: tuple[int, int], quantity: int) -> int:
    out = await call(
        "purchase_tickets",
        as_="public",
        event_id=show[0],
        tier_id=show[1],
        quantity=quantity,
        customer=BUYER,
    )
    session_id = str(out.checkout_url).rsplit("/", 1)[1].split("?")[0]
    assert (
        await call(
            "complete_demo_checkout",
            as_="public",
            session_id=session_id,
            access_token=out.access_token,
        )
    ).status == "paid"
    return int(out.order_id)


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The demo gateway, recording each refund it makes; `crash` kills the caller after the
    gateway refunded, `fail` raises a gateway error instead of refunding."""
    state: dict[str, Any] = {"calls": [], "crash": 0, "fail": []}
    original = DemoGateway.refund

    async def refund(self: DemoGateway, **kwargs: Any) -> Any:
        if state["fail"]:
            raise state["fail"].pop(0)
        result = await original(self, **kwargs)
        state["calls"].append({**kwargs, "refund_id": result.refund_id})
        if state["crash"]:
            state["crash"] -= 1
            raise Crash
        return result

    monkeypatch.setattr(DemoGateway, "refund", refund)
    return state


async def _figures(db: Database, order_id: int, tier_id: int) -> dict[str, Any]:
    async with db.sessions() as s:
        order = await s.get(Order, order_id)
        tier = await s.get(TicketTier, tier_id)
        assert order is not None and tier is not None
        tickets = (await s.scalars(select(Ticket.status).where(Ticket.order_id == order_id))).all()
        rows = (await s.scalars(select(Refund).where(Refund.order_id == order_id))).all()
        events = await s.scalar(
            select(func.count(DomainEvent.id)).where(DomainEvent.kind == "ticket.refunded")
        )
    return {
        "order": (order.status, order.refunded_cents),
        "sold": tier.sold,
        "tickets": sorted(tickets),
        "refunds": sorted((r.status, r.amount_cents, r.provider_ref) for r in rows),
        "refund_events": events,
    }


async def _crash_refund(call: Call, gateway: dict[str, Any], tool: str, **arguments: Any) -> None:
    gateway["crash"] = 1
    with pytest.raises(Crash):
        await call(tool, as_="staff", **arguments)


def _worker(db: Database, settings: Any, clock: Any) -> Worker:
    return Worker(db, settings, clock, name="test:1:reconcile")


async def test_a_refund_interrupted_after_the_gateway_is_applied_once(
    call: Call, db: Database, settings, clock, show, gateway
) -> None:
    order_id = await _paid(call, show, 2)
    await _paid(call, show, 3)  # another order's seats: a double release would show in `sold`
    await _crash_refund(call, gateway, "refund_order", order_id=order_id)
    [sent] = gateway["calls"]
    assert sent["amount_cents"] == 5000
    before = await _figures(db, order_id, show[1])
    assert before["order"] == ("paid", 0) and before["sold"] == 5
    assert before["refunds"] == [("requested", 2500, sent["idempotency_key"])] * 2

    worker = _worker(db, settings, clock)
    await worker.run_until_idle()  # the intent is younger than a gateway call: left alone
    assert len(gateway["calls"]) == 1 and await _figures(db, order_id, show[1]) == before

    clock.advance(minutes=3)
    await worker.run_until_idle()
    retried = gateway["calls"][1]
    assert (retried["idempotency_key"], retried["amount_cents"]) == (sent["idempotency_key"], 5000)
    after = await _figures(db, order_id, show[1])
    assert after == {
        "order": ("refunded", 5000),
        "sold": 3,
        "tickets": ["refunded", "refunded"],
        "refunds": [("succeeded", 2500, sent["refund_id"])] * 2,
        "refund_events": 2,
    }

    clock.advance(minutes=10)  # running it again, and again, changes nothing
    await worker.run_until_idle()
    await _worker(db, settings, clock).run_until_idle()
    assert await queue_interrupted_refunds(db, settings, clock) == 0
    assert len(gateway["calls"]) == 2 and await _figures(db, order_id, show[1]) == after
    async with db.sessions() as s:
        jobs = (await s.scalars(select(Job).where(Job.kind == KIND))).all()
    assert [(j.status, j.attempts) for j in jobs] == [("done", 1)]


async def test_an_interrupted_partial_refund_keeps_the_ticket_valid(
    call: Call, db: Database, settings, clock, show, gateway
) -> None:
    order_id = await _paid(call, show, 2)
    async with db.sessions() as s:
        ticket_id = await s.scalar(select(Ticket.id).where(Ticket.order_id == order_id))
    await _crash_refund(call, gateway, "refund_ticket", ticket_id=ticket_id, amount_cents=1000)
    clock.advance(minutes=3)
    await _worker(db, settings, clock).run_until_idle()
    figures = await _figures(db, order_id, show[1])
    assert figures["order"] == ("paid", 1000) and figures["sold"] == 2
    assert figures["tickets"] == ["valid", "valid"] and figures["refund_events"] == 1
    # The rest of that ticket can still be refunded, by a new key.
    out = await call("refund_ticket", as_="staff", ticket_id=ticket_id)
    assert out.refunded_cents == 1500
    assert (await _figures(db, order_id, show[1]))["order"] == ("paid", 2500)


async def test_a_staff_retry_first_leaves_the_job_nothing_to_do(
    call: Call, db: Database, settings, clock, show, gateway
) -> None:
    order_id = await _paid(call, show, 2)
    await _crash_refund(call, gateway, "refund_order", order_id=order_id)
    clock.advance(minutes=3)
    assert await queue_interrupted_refunds(db, settings, clock) == 1
    out = await call("refund_order", as_="staff", order_id=order_id)  # same key, reuses the rows
    assert out.refunded_cents == 5000
    await _worker(db, settings, clock).run_until_idle()
    assert len(gateway["calls"]) == 2  # the crashed call and the staff retry, not the job
    figures = await _figures(db, order_id, show[1])
    assert figures["order"] == ("refunded", 5000) and figures["refund_events"] == 2


async def test_gateway_outages_are_retried_and_refusals_mark_the_intent_failed(
    call: Call, db: Database, settings, clock, show, gateway
) -> None:
    order_id = await _paid(call, show, 2)
    await _crash_refund(call, gateway, "refund_order", order_id=order_id)
    clock.advance(minutes=3)
    gateway["fail"] = [PaymentUnavailable("timed out")]
    worker = _worker(db, settings, clock)
    await worker.run_until_idle()
    async with db.sessions() as s:
        job = await s.scalar(select(Job).where(Job.kind == KIND))
    assert job is not None and (job.status, job.attempts) == ("queued", 1)
    assert (await _figures(db, order_id, show[1]))["order"] == ("paid", 0)
    clock.advance(seconds=settings.retry_base_seconds + 1)
    await worker.run_until_idle()
    assert (await _figures(db, order_id, show[1]))["order"] == ("refunded", 5000)

    second = await _paid(call, show, 1)
    await _crash_refund(call, gateway, "refund_order", order_id=second)
    clock.advance(minutes=3)
    gateway["fail"] = [PaymentUnavailable("refused", provider_status=400)]
    await worker.run_until_idle()
    figures = await _figures(db, second, show[1])
    assert figures["order"] == ("paid", 0) and figures["tickets"] == ["valid"]
    assert [status for status, _, _ in figures["refunds"]] == ["failed"]


async def test_a_staff_retry_racing_the_job_is_applied_once(
    call: Call, db: Database, settings, clock, show, gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The staff retry lands while the job is at the gateway: one of the two settles."""
    order_id = await _paid(call, show, 2)
    await _crash_refund(call, gateway, "refund_order", order_id=order_id)
    clock.advance(minutes=3)
    counting = DemoGateway.refund

    async def racing(self: DemoGateway, **kwargs: Any) -> Any:
        result = await counting(self, **kwargs)
        if len(gateway["calls"]) == 2:  # the job's call: staff retry now, with the same key
            assert (
                await call("refund_order", as_="staff", order_id=order_id)
            ).refunded_cents == 5000
        return result

    monkeypatch.setattr(DemoGateway, "refund", racing)
    await _worker(db, settings, clock).run_until_idle()
    assert len(gateway["calls"]) == 3
    assert len({c["idempotency_key"] for c in gateway["calls"]}) == 1
    figures = await _figures(db, order_id, show[1])
    assert figures["order"] == ("refunded", 5000) and figures["refund_events"] == 2
    assert figures["sold"] == 0 and figures["tickets"] == ["refunded", "refunded"]
