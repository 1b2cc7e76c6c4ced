"""A Stripe refund interrupted after Stripe refunded (the process died before recording it) is
finished by the worker's reconciler: the same request with the same Idempotency-Key, Stripe's
answer applied once. Stripe's HTTP is mocked with respx, the SDK is real."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from integrations.jobs import Worker
from integrations.payments import StripeGateway
from persistence.db import Database
from persistence.models import DomainEvent, Job, Order, Refund, Ticket
from tests.integrations.test_stripe import (  # noqa: F401  (fixtures)
    _buy,
    _completed,
    _form,
    _tier,
    api,
    settings,
    show,
)
from tools.fulfilment import handle_stripe_webhook
from tools.refund_recovery import KIND
from tools.runner import ToolRunner

REFUND = {"id": "re_1", "object": "refund", "status": "succeeded"}


class Crash(BaseException):
    """The process dying right after Stripe answered."""


@pytest.fixture
def crash_once(monkeypatch: pytest.MonkeyPatch) -> None:
    original = StripeGateway.refund
    crashes = [Crash()]

    async def refund(self: StripeGateway, **kwargs: Any) -> Any:
        result = await original(self, **kwargs)
        if crashes:
            raise crashes.pop()
        return result

    monkeypatch.setattr(StripeGateway, "refund", refund)


async def _interrupted_refund(runner: ToolRunner, call, show, api) -> tuple[int, Any]:  # noqa: F811
    out = await _buy(call, show, quantity=2)
    assert await handle_stripe_webhook(runner, _completed()) == "fulfilled"
    refunds = api.post("/v1/refunds").respond(200, json=REFUND)
    with pytest.raises(Crash):
        await call("refund_order", as_="staff", order_id=out.order_id)
    assert refunds.call_count == 1  # Stripe refunded; nothing here says so
    return int(out.order_id), refunds


async def _state(db: Database, order_id: int) -> tuple[Any, ...]:
    async with db.sessions() as s:
        order = await s.get(Order, order_id)
        assert order is not None
        rows = [tuple(r) for r in await s.execute(select(Refund.status, Refund.provider_ref))]
        tickets = (await s.scalars(select(Ticket.status).order_by(Ticket.id))).all()
        events = await s.scalar(
            select(func.count(DomainEvent.id)).where(DomainEvent.kind == "ticket.refunded")
        )
    return (order.status, order.refunded_cents), sorted(rows), list(tickets), events


async def test_stripe_refund_is_reconciled_with_the_same_key_once(
    runner: ToolRunner,
    call,
    db: Database,
    settings,  # noqa: F811
    clock,
    show,  # noqa: F811
    api,  # noqa: F811
    crash_once: None,
) -> None:
    order_id, refunds = await _interrupted_refund(runner, call, show, api)
    assert (await _state(db, order_id))[0] == ("paid", 0)
    assert (await _tier(db, show[1])).sold == 2

    clock.advance(minutes=3)
    worker = Worker(db, settings, clock, name="test:1:stripe")
    await worker.run_until_idle()
    assert refunds.call_count == 2
    first, again = (call.request for call in refunds.calls)
    assert again.headers["idempotency-key"] == first.headers["idempotency-key"]
    assert _form(again) == _form(first) == {"payment_intent": "pi_1", "amount": "5000"}
    reconciled = await _state(db, order_id)
    assert reconciled == (
        ("refunded", 5000),
        [("succeeded", "re_1"), ("succeeded", "re_1")],
        ["refunded", "refunded"],
        2,
    )
    assert (await _tier(db, show[1])).sold == 0

    clock.advance(hours=1)
    await worker.run_until_idle()  # a second run finds nothing to do
    assert refunds.call_count == 2 and await _state(db, order_id) == reconciled


async def test_stripe_down_during_reconciliation_is_retried_later(
    runner: ToolRunner,
    call,
    db: Database,
    settings,  # noqa: F811
    clock,
    show,  # noqa: F811
    api,  # noqa: F811
    crash_once: None,
) -> None:
    order_id, refunds = await _interrupted_refund(runner, call, show, api)
    refunds.side_effect = [
        httpx.Response(503, text="unavailable"),
        httpx.Response(200, json=REFUND),
    ]
    clock.advance(minutes=3)
    worker = Worker(db, settings, clock, name="test:1:stripe")
    await worker.run_until_idle()
    assert (await _state(db, order_id))[0] == ("paid", 0)
    clock.advance(seconds=settings.retry_base_seconds + 1)
    await worker.run_until_idle()
    assert (await _state(db, order_id))[0] == ("refunded", 5000)
    assert refunds.call_count == 3


async def test_an_intent_older_than_stripe_keeps_keys_goes_to_a_person(
    runner: ToolRunner,
    call,
    db: Database,
    settings,  # noqa: F811
    clock,
    show,  # noqa: F811
    api,  # noqa: F811
    crash_once: None,
) -> None:
    order_id, refunds = await _interrupted_refund(runner, call, show, api)
    clock.advance(hours=30)  # the worker was down all that time
    await Worker(db, settings, clock, name="test:1:stripe").run_until_idle()
    assert refunds.call_count == 1  # not retried blindly: the key may be forgotten at Stripe
    async with db.sessions() as s:
        job = await s.scalar(select(Job).where(Job.kind == KIND))
    assert job is not None and (job.status, job.attempts) == ("dead", 1)
    assert "check the payment at the gateway" in str(job.last_error)
    assert (await _state(db, order_id))[1] == [("requested", (await _key(db)))] * 2


async def _key(db: Database) -> str:
    async with db.sessions() as s:
        return str(await s.scalar(select(Refund.provider_ref).limit(1)))
