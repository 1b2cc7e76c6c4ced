"""On PostgreSQL, where several server processes share one database: a phone-line pass is
redeemed by one of many racing sockets only (one conditional UPDATE), and a key revoked by one
process is refused by another's very next tool call."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from aitickets.errors import Unauthorized
from aitickets.settings import Settings
from persistence import migrate
from persistence.db import Database
from tests.conftest import NOW
from tools.context import Actor
from tools.phone_passes import issue_pass, redeem_pass
from tools.runner import ToolRunner

pytestmark = pytest.mark.postgres


async def test_a_pass_is_redeemed_once_on_postgres(pg_url: str) -> None:
    await migrate.prepare(pg_url)
    db = Database(pg_url)
    try:
        token = await issue_pass(db, call_sid="CA" + "1" * 32, caller="+15550100199", now=NOW)
        won = await asyncio.gather(*(redeem_pass(db, token, now=NOW) for _ in range(8)))
        assert [w.caller for w in won if w is not None] == ["+15550100199"]
        late = await issue_pass(db, call_sid="CA" + "2" * 32, caller="", now=NOW)
        assert await redeem_pass(db, late, now=NOW + timedelta(minutes=3)) is None
    finally:
        await db.dispose()


async def test_a_key_revoked_elsewhere_is_refused_at_once_on_postgres(
    pg_url: str, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    await migrate.prepare(pg_url)
    settings = Settings(DATABASE_URL=pg_url, AITICKETS_DATA_DIR=tmp_path, _env_file=None)
    one, two = Database(pg_url), Database(pg_url)  # two processes' engines
    try:
        admin = Actor("admin", "admin")
        made = await ToolRunner(one, settings).call(
            "create_api_key", {"name": "door", "role": "staff"}, admin
        )
        door = Actor("door", "staff", key_id=made.id)
        await ToolRunner(one, settings).call("list_events", {}, door)
        await ToolRunner(two, settings).call("revoke_api_key", {"key_id": made.id}, admin)
        with pytest.raises(Unauthorized):
            await ToolRunner(one, settings).call("list_events", {}, door)
    finally:
        await one.dispose()
        await two.dispose()
