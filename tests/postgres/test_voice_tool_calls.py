"""On PostgreSQL, two copies of one platform request racing for the claim: one runs, the other
gets its answer (the unique key, not a read-then-write, decides)."""

from __future__ import annotations

import asyncio

import pytest

from aitickets.errors import Conflict
from persistence import migrate
from persistence.db import Database
from tests.conftest import NOW
from tools.voice_calls import Answer, claim, finish, request_key

pytestmark = pytest.mark.postgres


async def test_racing_repeats_run_once_on_postgres(pg_url: str) -> None:
    await migrate.prepare(pg_url)
    db = Database(pg_url)
    key = request_key("call-pg", "purchase_tickets", {"quantity": 2}, 1)
    where = {"platform": "retell", "key": key, "call_id": "call-pg", "tool": "purchase_tickets"}
    try:
        outcomes = await asyncio.gather(
            *(claim(db, **where, now=NOW, wait=0) for _ in range(8)), return_exceptions=True
        )
        assert sum(1 for o in outcomes if o is None) == 1
        others = [o for o in outcomes if o is not None]
        assert all(isinstance(o, Conflict) and o.code == "in_progress" for o in others)
        await finish(db, platform="retell", key=key, answer=Answer(200, {"result": "x"}), now=NOW)
        assert await claim(db, **where, now=NOW) == Answer(200, {"result": "x"})
    finally:
        await db.dispose()
