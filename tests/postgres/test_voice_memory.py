"""On PostgreSQL the voice agent's checkpoints live in the same database, so a conversation goes
on across a restart (and on another server instance)."""

from __future__ import annotations

import pytest

from agent.service import open_agent
from aitickets.settings import Settings
from persistence import migrate
from persistence.db import Database
from tests.conftest import ACTORS, FixedClock
from tools.demo import seed_demo
from tools.runner import ToolRunner

pytestmark = pytest.mark.postgres


async def test_a_pending_confirmation_survives_a_restart_on_postgres(pg_url: str) -> None:
    await migrate.prepare(pg_url)
    settings = Settings(DATABASE_URL=pg_url, AITICKETS_TIMEZONE="America/New_York", _env_file=None)
    clock = FixedClock()
    await seed_demo(settings, clock=clock)
    db = Database(pg_url)
    runner = ToolRunner(db, settings, clock=clock)
    staff = ACTORS["staff"]
    try:
        first = await open_agent(runner, settings)
        asked = await first.turn("refund Mike's ticket", session_id="door-pg", actor=staff)
        assert asked.awaiting == "confirmation"
        await first.aclose()

        second = await open_agent(runner, settings)  # another instance, same database
        done = await second.turn("yes", session_id="door-pg", actor=staff)
        await second.aclose()
        assert done.success and done.tool == "refund_ticket"
        ticket = await runner.call(
            "get_ticket", {"ticket_id": asked.arguments["ticket_id"]}, ACTORS["admin"]
        )
        assert ticket.status == "refunded"
    finally:
        await db.dispose()
