"""Platform tool calls answered once: a claim, the stored answer for repeats, a repeat that waits
for a running first attempt, a released claim run again, a dead process's claim taken over."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from aitickets.errors import Conflict
from persistence.db import Database
from tests.conftest import NOW
from tools.voice_calls import LEASE, Answer, claim, finish, release, request_key

KEY = request_key("call-1", "purchase_tickets", {"b": 1, "a": 2}, 1)
WHERE = {"platform": "retell", "key": KEY, "call_id": "call-1", "tool": "purchase_tickets"}


def test_the_key_ignores_argument_order_but_not_the_turn() -> None:
    assert request_key("call-1", "purchase_tickets", {"a": 2, "b": 1}, 1) == KEY
    assert request_key("call-1", "purchase_tickets", {"a": 2, "b": 1}, 2) != KEY
    assert request_key("call-2", "purchase_tickets", {"a": 2, "b": 1}, 1) != KEY


async def test_claim_then_finish_then_every_repeat_gets_the_answer(db: Database) -> None:
    assert await claim(db, **WHERE, now=NOW) is None
    await finish(db, platform="retell", key=KEY, answer=Answer(200, {"result": "ok"}), now=NOW)
    for _ in range(2):
        assert await claim(db, **WHERE, now=NOW) == Answer(200, {"result": "ok"})


async def test_a_repeat_waits_for_the_running_attempt(db: Database) -> None:
    assert await claim(db, **WHERE, now=NOW) is None
    waiting = asyncio.create_task(claim(db, **WHERE, now=NOW, wait=5))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    await finish(db, platform="retell", key=KEY, answer=Answer(200, {"result": "sold"}), now=NOW)
    assert await waiting == Answer(200, {"result": "sold"})


async def test_a_repeat_gives_up_with_in_progress(db: Database) -> None:
    assert await claim(db, **WHERE, now=NOW) is None
    with pytest.raises(Conflict) as refused:
        await claim(db, **WHERE, now=NOW, wait=0.1)
    assert refused.value.code == "in_progress"


async def test_a_released_or_abandoned_claim_runs_again(db: Database) -> None:
    assert await claim(db, **WHERE, now=NOW) is None
    await release(db, platform="retell", key=KEY)
    assert await claim(db, **WHERE, now=NOW) is None
    later = NOW + LEASE + timedelta(seconds=1)  # the first attempt's process died
    assert await claim(db, **WHERE, now=later, wait=0) is None
