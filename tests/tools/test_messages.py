"""Notifications and the message outbox: a confirmation with ticket links after a purchase,
holders told of a postponement or cancellation once, opt-outs, and deliveries that survive a
provider timing out or answering 5xx."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import respx

from aitickets.errors import Conflict, Forbidden
from persistence.models import Customer
from tests.conftest import NOW, auth
from tests.factories import make_customer, make_event, make_ticket, make_tier
from tests.integrations.helpers import drain, messages


async def _buy(db, call, *, email="ann@example.com", phone=None, name="Ann Lee", event_id=None):
    event_id = event_id or await make_event(db, starts_at=NOW + timedelta(days=5))
    tier_id = await make_tier(db, event_id)
    customer = {"name": name, "email": email, **({"phone": phone} if phone else {})}
    order = await call(
        "purchase_tickets",
        as_="staff",
        event_id=event_id,
        tier_id=tier_id,
        quantity=2,
        customer=customer,
        payment="cash",
    )
    return event_id, order


async def test_a_purchase_sends_a_confirmation_with_ticket_links(db, call, settings, clock):
    _event_id, order = await _buy(db, call)
    await drain(db, settings, clock)
    (message,) = await messages(db, template="confirmation")
    assert message.status == "sent" and message.provider == "console"
    assert message.to_address == "ann@example.com"
    link = f"{settings.public_base_url}/my-tickets/{order.access_token}"
    assert link in message.body
    for ticket in order.tickets:
        assert f"{link}/tickets/{ticket.id}.pdf" in message.body
        assert ticket.qr_token not in message.body
    assert "2 × General" in message.body and "Jazz Night" in message.subject


async def test_event_time_is_shown_in_the_venues_time_zone(db, call, settings, clock):
    # 01:00 UTC on the 25th is 8:00 PM on the 24th in New York, the venue's zone.
    await _buy(db, call, event_id=await make_event(db))
    await drain(db, settings, clock)
    (message,) = await messages(db, template="confirmation")
    assert "8:00 PM EST" in message.body


async def test_sms_goes_only_to_people_who_opted_in(db, call, settings, clock):
    await _buy(db, call, phone="+1 212 555 0100")
    await drain(db, settings, clock)
    assert [m.channel for m in await messages(db)] == ["email"]
    async with db.unit_of_work() as s:
        customer = await s.get(Customer, 1)
        customer.sms_opt_in = True
    await _buy(db, call, phone="+1 212 555 0100")
    await drain(db, settings, clock)
    assert sorted(m.channel for m in await messages(db)) == ["email", "email", "sms"]


async def test_email_opt_out_is_recorded_as_skipped(db, call, settings, clock):
    customer_id = await make_customer(db, email="quiet@example.com")
    async with db.unit_of_work() as s:
        (await s.get(Customer, customer_id)).email_opt_in = False
    await _buy(db, call, email="quiet@example.com")
    await drain(db, settings, clock)
    (message,) = await messages(db)
    assert message.status == "skipped" and "opted out" in message.last_error


async def test_do_not_call_blocks_sms_even_when_opted_in(db, call, settings, clock):
    customer_id = await make_customer(db, email="dnc@example.com", phone="+12125550111")
    async with db.unit_of_work() as s:
        c = await s.get(Customer, customer_id)
        c.sms_opt_in, c.preferences = True, {"do_not_call": True}
    await _buy(db, call, email="dnc@example.com", phone="+12125550111")
    await drain(db, settings, clock)
    assert [m.channel for m in await messages(db)] == ["email"]


@pytest.fixture
def resend_on(settings):
    import resend

    saved = (resend.api_key, resend.default_async_http_client)
    settings.resend_api_key = "re_test"
    yield
    resend.api_key, resend.default_async_http_client = saved


@pytest.mark.parametrize(
    "failure", [httpx.Response(502, json={"message": "bad gateway"}), httpx.ConnectTimeout("slow")]
)
async def test_provider_failure_leaves_the_message_queued_then_it_goes(
    db, call, settings, clock, resend_on, failure
):
    await _buy(db, call)
    with respx.mock:
        route = respx.post("https://api.resend.com/emails")
        route.side_effect = [failure, httpx.Response(200, json={"id": "em_9"})]
        await drain(db, settings, clock)
        (message,) = await messages(db)
        assert message.status == "queued" and message.attempts == 1 and message.last_error
        clock.advance(seconds=31)
        await drain(db, settings, clock)
    (message,) = await messages(db)
    assert message.status == "sent" and message.provider_ref == "em_9" and message.attempts == 2


async def test_a_permanent_refusal_fails_the_message_without_retries(
    db, call, settings, clock, resend_on
):
    await _buy(db, call)
    with respx.mock:
        route = respx.post("https://api.resend.com/emails").mock(
            return_value=httpx.Response(422, json={"name": "validation_error", "message": "no"})
        )
        await drain(db, settings, clock)
        clock.advance(hours=1)
        await drain(db, settings, clock)
    (message,) = await messages(db)
    assert message.status == "failed" and route.call_count == 1


async def test_after_the_last_attempt_the_message_is_failed_and_can_be_retried(
    db, call, settings, clock, resend_on
):
    await _buy(db, call)
    with respx.mock:
        respx.post("https://api.resend.com/emails").mock(return_value=httpx.Response(500))
        for _ in range(8):
            await drain(db, settings, clock)
            clock.advance(hours=7)
    (message,) = await messages(db)
    assert message.status == "failed" and message.attempts == 6
    again = await call("retry_message", message_id=message.id)
    assert again.status == "queued"
    settings.resend_api_key = ""  # the key is fixed: now the console sends it
    await drain(db, settings, clock)
    (message,) = await messages(db)
    assert message.status == "sent"
    with pytest.raises(Conflict):
        await call("retry_message", message_id=message.id)


async def test_messages_queued_by_any_module_are_delivered(db, call, runner, settings, clock):
    from tools.context import ToolContext
    from tools.messages import queue_message

    async with db.unit_of_work() as s:
        queue_message(
            ToolContext(s, None, settings, clock),
            channel="sms",
            to="+12125550199",
            body="hello",
            template="custom",
        )
    await drain(db, settings, clock)
    (message,) = await messages(db)
    assert message.status == "sent"


async def _holders(db, count=2):
    event_id = await make_event(db, starts_at=NOW + timedelta(days=5))
    tier_id = await make_tier(db, event_id)
    for i in range(count):
        cid = await make_customer(db, name=f"Holder {i}", email=f"h{i}@example.com")
        await make_ticket(db, event_id, tier_id, cid)
        await make_ticket(db, event_id, tier_id, cid)  # two tickets, one message
    return event_id


async def test_postponement_tells_every_holder_once(db, call, settings, clock):
    event_id = await _holders(db)
    await call("postpone_event", as_="staff", event_id=event_id, reason="the band is ill")
    await drain(db, settings, clock)
    await drain(db, settings, clock)
    sent = await messages(db, template="postponement")
    assert sorted(m.to_address for m in sent) == ["h0@example.com", "h1@example.com"]
    assert "the band is ill" in sent[0].body and "new date soon" in sent[0].body


async def test_cancellation_tells_every_holder_once_even_after_refunds(db, call, settings, clock):
    event_id = await _holders(db, 3)
    await call("cancel_event", as_="staff", event_id=event_id)
    await drain(db, settings, clock)
    sent = await messages(db, template="cancellation")
    assert len(sent) == 3 and all("cancelled" in m.subject for m in sent)


async def test_a_new_time_is_an_event_update_but_a_new_description_is_not(
    db, call, settings, clock
):
    event_id = await _holders(db, 1)
    await call("update_event", as_="staff", event_id=event_id, description="now with snacks")
    await drain(db, settings, clock)
    assert await messages(db, template="event_update") == []
    await call(
        "update_event",
        as_="staff",
        event_id=event_id,
        starts_at=(NOW + timedelta(days=6)).isoformat(),
    )
    await drain(db, settings, clock)
    (message,) = await messages(db, template="event_update")
    assert "now" in message.body and message.to_address == "h0@example.com"


async def test_list_messages_is_admin_only_and_filters(db, call, settings, clock, client):
    await _buy(db, call)
    await drain(db, settings, clock)
    with pytest.raises(Forbidden):
        await call("list_messages", as_="staff")
    out = await call("list_messages", status="sent", channel="email")
    assert len(out.messages) == 1
    assert (await call("list_messages", status="failed")).messages == []


def test_messages_rest_validation(client):
    assert client.get("/api/messages?status=bogus", headers=auth()).status_code == 422
    r = client.post("/api/messages/999/retry", headers=auth())
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


async def test_resend_tickets_queues_the_confirmation_again_and_again(db, call):
    from aitickets.errors import InvalidInput
    from tests.factories import make_event, make_tier

    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, price_cents=0, capacity=5)
    order = await call(
        "purchase_tickets",
        as_="public",
        event_id=event_id,
        tier_id=tier_id,
        quantity=2,
        customer={"name": "Ann Lee", "email": "ann@example.com"},
    )
    first = await call("resend_tickets", as_="staff", order_id=order.order_id)
    second = await call("resend_tickets", as_="staff", order_id=order.order_id)
    assert first.messages_queued == second.messages_queued == 1  # a resend is never deduplicated
    listed = await call("list_messages", as_="admin")
    bodies = [m.body for m in listed.messages if m.template == "confirmation"]
    assert len(bodies) == 2 and all(f"/my-tickets/{order.access_token}" in b for b in bodies)
    await call("refund_order", as_="staff", order_id=order.order_id)
    with pytest.raises(InvalidInput):
        await call("resend_tickets", as_="staff", order_id=order.order_id)
