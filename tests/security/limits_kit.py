"""Helpers for the security tests of part B (limits, bodies, uploads, holds): an app per test
with its own settings and the peer address its requests come from, and rows to act on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from aitickets.settings import Settings
from persistence.db import Database
from tests.conftest import FixedClock
from tests.factories import make_event, make_tier

MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client(settings: Settings, clock: FixedClock) -> Iterator[MakeClient]:
    """`make_client(peer="127.0.0.1", rate_limit_public="3/60")`: a started app whose requests
    come from `peer`, with those settings changed."""
    from web.app import create_app

    opened: list[TestClient] = []

    def make(peer: str = "198.51.100.1", **overrides: Any) -> TestClient:
        tuned = settings.model_copy(update=overrides)
        app = create_app(tuned, clock=clock, migrate_on_start=False)
        client = TestClient(app, client=(peer, 50000), raise_server_exceptions=False)
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def show(settings: Settings, *, price: int = 2500, capacity: int = 100) -> tuple[int, int]:
    """An event on sale and one tier of it: (event_id, tier_id)."""

    async def build() -> tuple[int, int]:
        db = Database(settings.resolved_database_url)
        try:
            event_id = await make_event(db)
            return event_id, await make_tier(db, event_id, price_cents=price, capacity=capacity)
        finally:
            await db.dispose()

    return asyncio.run(build())


def buyer(n: int = 1) -> dict[str, str]:
    return {"name": f"Buyer {n}", "email": f"buyer{n}@example.com"}


def forwarded(address: str) -> dict[str, str]:
    """What a trusted proxy in front of us adds for a client at `address`."""
    return {"X-Forwarded-For": address}
