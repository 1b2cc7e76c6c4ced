"""Issue 12, finding 6: anonymous card checkouts hold seats unpaid for CHECKOUT_HOLD_MINUTES.
They are held to a share of each tier (whatever number of addresses asks) and to a number of
seats per client address, so nobody can hold every seat, again and again."""

from __future__ import annotations

from typing import Any

import pytest

from aitickets.errors import Conflict, RateLimited
from aitickets.settings import Settings
from persistence.db import Database
from tests.conftest import Call, auth
from tests.factories import make_event, make_tier
from tests.security.limits_kit import MakeClient, buyer, forwarded, make_client, show
from tools.context import CLIENT_ADDRESS

__all__ = ["make_client"]  # the fixture, imported for pytest to find


async def _buy(call: Call, event_id: int, tier_id: int, quantity: int, n: int = 1) -> Any:
    return await call(
        "purchase_tickets",
        as_="public",
        event_id=event_id,
        tier_id=tier_id,
        quantity=quantity,
        customer=buyer(n),
    )


def test_two_anonymous_checkouts_cannot_hold_every_seat(
    make_client: MakeClient, settings: Settings
) -> None:
    client = make_client(holds_per_client=100)  # the tier's share alone (one address here)
    event_id, tier_id = show(settings, capacity=12)
    path = f"/api/tickets/events/{event_id}/purchase"

    def buy(quantity: int, n: int) -> int:
        body = {"tier_id": tier_id, "quantity": quantity, "customer": buyer(n)}
        return client.post(path, json=body).status_code

    assert buy(10, 1) == 409  # more than half the tier in one unpaid checkout
    assert (buy(6, 2), buy(6, 3)) == (201, 409)  # and no more than half in all of them
    assert buy(1, 4) == 409
    staff = client.post(
        path,
        json={"tier_id": tier_id, "quantity": 6, "customer": buyer(5), "payment": "cash"},
        headers=auth(),
    )
    assert staff.status_code == 201  # the seats were there for someone paying


async def test_the_share_holds_whatever_number_of_addresses_ask(call: Call, db: Database) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, capacity=10)
    taken, refused = 0, 0
    for n in range(10):  # ten addresses, two seats each
        token = CLIENT_ADDRESS.set(f"203.0.113.{n + 1}")
        try:
            await _buy(call, event_id, tier_id, 2, n)
            taken += 1
        except Conflict as exc:
            assert exc.code == "hold_quota"
            refused += 1
        finally:
            CLIENT_ADDRESS.reset(token)
    assert (taken, refused) == (2, 8)  # 4 of 10 seats: a third checkout would pass half


async def test_one_address_holds_at_most_so_many_seats(
    call: Call, db: Database, settings: Settings
) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, capacity=1000)
    others = await make_tier(db, event_id, "Balcony", capacity=1000)
    per_client = settings.holds_per_client
    token = CLIENT_ADDRESS.set("198.51.100.66")
    try:
        await _buy(call, event_id, tier_id, per_client - 1)
        with pytest.raises(RateLimited) as refused:
            await _buy(call, event_id, others, 2, 2)  # another tier does not help
        assert refused.value.details["retry_after"] >= 1
    finally:
        CLIENT_ADDRESS.reset(token)
    token = CLIENT_ADDRESS.set("203.0.113.7")
    try:
        assert (await _buy(call, event_id, others, 2, 3)).status == "pending"  # someone else
    finally:
        CLIENT_ADDRESS.reset(token)


def test_behind_a_proxy_the_quota_is_per_client_not_per_proxy(
    make_client: MakeClient, settings: Settings
) -> None:
    client = make_client(
        "127.0.0.1", holds_per_client=3, trust_forwarded_for=True, trusted_proxies="127.0.0.1"
    )
    event_id, tier_id = show(settings, capacity=100)
    path = f"/api/tickets/events/{event_id}/purchase"

    def buy(quantity: int, who: str) -> int:
        body = {"tier_id": tier_id, "quantity": quantity, "customer": buyer(quantity)}
        return client.post(path, json=body, headers=forwarded(who)).status_code

    assert (buy(3, "198.51.100.66"), buy(1, "198.51.100.66")) == (201, 429)
    assert buy(3, "203.0.113.10") == 201
