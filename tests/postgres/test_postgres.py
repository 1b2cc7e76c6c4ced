"""The same guarantees on PostgreSQL, with several server processes sharing one database."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import func, select

from aitickets.errors import SoldOut
from persistence import migrate
from persistence.db import Database
from persistence.models import Ticket
from tests.conftest import ACTORS, ADMIN_KEY, NOW, FixedClock, auth
from tests.postgres.conftest import server_process
from tools.runner import ToolRunner

pytestmark = pytest.mark.postgres


async def _make_event(client: httpx2.AsyncClient, capacity: int, price: int = 0) -> tuple[int, int]:
    venue = (await client.post("/api/venues", json={"name": "PG Hall", "timezone": "UTC"})).json()
    starts = (NOW + timedelta(days=400)).isoformat()
    event = (
        await client.post(
            "/api/events", json={"name": "PG Night", "venue_id": venue["id"], "starts_at": starts}
        )
    ).json()
    tier = (
        await client.post(
            f"/api/events/{event['id']}/tiers",
            json={"name": "Free", "price_cents": price, "capacity": capacity},
        )
    ).json()
    return event["id"], tier["id"]


async def test_prepare_creates_the_schema_and_alembic_agrees(pg_url: str) -> None:
    assert await migrate.prepare(pg_url) == "created"
    assert await migrate.prepare(pg_url) == "at head"
    await asyncio.to_thread(migrate.upgrade, pg_url)


async def test_migrations_run_on_postgres(pg_url: str) -> None:
    await asyncio.to_thread(migrate.upgrade, pg_url)
    assert await migrate.prepare(pg_url) == "at head"


async def test_two_server_processes_never_oversell(pg_url: str, tmp_path: Path) -> None:
    await migrate.prepare(pg_url)
    with server_process(pg_url, tmp_path) as first, server_process(pg_url, tmp_path) as second:
        async with httpx2.AsyncClient(base_url=first, headers=auth(), timeout=60) as admin:
            event_id, tier_id = await _make_event(admin, capacity=50)
        limit = asyncio.Semaphore(64)
        async with httpx2.AsyncClient(timeout=60) as buyers:

            async def buy(i: int) -> int:
                base = (first, second)[i % 2]
                async with limit:
                    response = await buyers.post(
                        f"{base}/api/tickets/events/{event_id}/purchase",
                        json={
                            "tier_id": tier_id,
                            "quantity": 1,
                            "customer": {"name": f"Buyer {i}", "email": f"b{i}@example.com"},
                        },
                    )
                return response.status_code

            statuses = await asyncio.gather(*(buy(i) for i in range(200)))
        async with httpx2.AsyncClient(base_url=second, headers=auth(), timeout=30) as admin:
            tier = (await admin.get(f"/api/events/{event_id}")).json()["tiers"][0]
    assert statuses.count(201) == 50
    assert statuses.count(409) == 150
    assert tier["sold"] == 50 and tier["remaining"] == 0


async def test_one_qr_scanned_at_two_doors_admits_once(pg_url: str, tmp_path: Path) -> None:
    await migrate.prepare(pg_url)
    with server_process(pg_url, tmp_path) as first, server_process(pg_url, tmp_path) as second:
        async with httpx2.AsyncClient(headers=auth(ADMIN_KEY), timeout=30) as client:
            client.base_url = httpx2.URL(first)
            event_id, tier_id = await _make_event(client, capacity=5, price=1500)
            order = (
                await client.post(
                    f"/api/tickets/events/{event_id}/purchase",
                    json={
                        "tier_id": tier_id,
                        "quantity": 1,
                        "payment": "cash",
                        "customer": {"name": "Ann Lee", "email": "ann@example.com"},
                    },
                )
            ).json()
            token = order["tickets"][0]["qr_token"]
            scans = await asyncio.gather(
                *(
                    client.post(f"{(first, second)[i % 2]}/api/tickets/validate/{token}")
                    for i in range(10)
                )
            )
    codes = sorted(r.status_code for r in scans)
    assert codes == [200] + [409] * 9
    assert {r.json()["error"]["code"] for r in scans if r.status_code == 409} == {
        "already_checked_in"
    }


async def test_tools_run_on_postgres(pg_url: str) -> None:
    await migrate.prepare(pg_url)
    from aitickets.settings import Settings

    settings = Settings(DATABASE_URL=pg_url, _env_file=None)
    db = Database(pg_url)
    runner = ToolRunner(db, settings, clock=FixedClock())
    admin = ACTORS["admin"]
    try:
        venue = await runner.call("create_venue", {"name": "PG", "timezone": "UTC"}, admin)
        event = await runner.call(
            "create_event",
            {
                "name": "100% Fun_Night",
                "venue_id": venue.id,
                "starts_at": (NOW + timedelta(hours=3)).isoformat(),
            },
            admin,
        )
        tier = await runner.call(
            "create_ticket_tier",
            {"event_id": event.id, "name": "GA", "price_cents": 1000, "capacity": 3},
            admin,
        )
        sale = {"event_id": event.id, "tier_id": tier.id, "quantity": 1, "payment": "cash"}
        orders = [
            await runner.call(
                "purchase_tickets",
                {**sale, "customer": {"name": f"Guest {i}", "email": f"g{i}@example.com"}},
                admin,
            )
            for i in range(3)
        ]
        with pytest.raises(SoldOut):
            await runner.call(
                "purchase_tickets",
                {**sale, "customer": {"name": "Late", "email": "late@example.com"}},
                admin,
            )
        found = await runner.call("list_events", {"q": "100%"}, admin)
        assert [e.name for e in found.events] == ["100% Fun_Night"]
        assert (await runner.call("list_events", {"q": "1_0%"}, admin)).total == 0
        await runner.call("check_in_ticket", {"qr_token": orders[0].tickets[0].qr_token}, admin)
        await runner.call("refund_ticket", {"ticket_id": orders[1].tickets[0].id}, admin)
        async with db.sessions() as session:
            statuses = (await session.scalars(select(Ticket.status).order_by(Ticket.id))).all()
            assert statuses == ["checked_in", "refunded", "valid"]
            assert await session.scalar(select(func.count(Ticket.id))) == 3
    finally:
        await db.dispose()
