"""Tool calls a voice platform may send more than once (Retell retries a request that failed or
timed out, up to twice): each one runs once, and every repeat gets the answer it gave.

Not tools: the adapter claims a request before running anything, and records the answer after.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from aitickets.errors import Conflict
from persistence.db import Database
from persistence.models import VoiceToolCall

# A claim still `running` after this long belongs to a process that died: a repeat takes it over.
LEASE = timedelta(minutes=3)
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict[str, Any]


def request_key(call_id: str, tool: str, arguments: Any, turn: int | None = None) -> str:
    """sha256 of the call, the tool, the arguments (key order ignored) and, when the platform
    says, how many times the caller had spoken: a retry repeats it, a second "yes" later in the
    same call does not."""
    canonical = json.dumps(
        [call_id, tool, arguments, turn],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _try_claim(
    db: Database, platform: str, key: str, call_id: str, tool: str, now: datetime
) -> Answer | bool | None:
    """None: ours to run; an Answer: already answered; True: another attempt is running."""
    try:
        async with db.unit_of_work() as session:
            row = await session.scalar(
                select(VoiceToolCall).where(
                    VoiceToolCall.platform == platform, VoiceToolCall.request_key == key
                )
            )
            if row is None:
                session.add(
                    VoiceToolCall(
                        platform=platform,
                        request_key=key,
                        call_id=call_id,
                        tool=tool,
                        status="running",
                        started_at=now,
                    )
                )
                return None
            if row.status == "done":
                return Answer(row.status_code, dict(row.response or {}))
            if row.started_at > now - LEASE:
                return True
            row.started_at = now  # the first attempt's process died: run it again
            return None
    except IntegrityError:  # PostgreSQL: another attempt inserted the same key just now
        return True


async def claim(
    db: Database,
    *,
    platform: str,
    key: str,
    call_id: str,
    tool: str,
    now: datetime,
    wait: float = 5.0,
) -> Answer | None:
    """None when this request is new (run it, then `finish` or `release`); the stored answer
    when it ran before. A repeat arriving while the first attempt still runs waits up to `wait`
    seconds for its answer, then is refused with 409 `in_progress` (the platform retries)."""
    deadline = time.monotonic() + wait
    while True:
        outcome = await _try_claim(db, platform, key, call_id, tool, now)
        if outcome is not True:
            return outcome  # type: ignore[return-value]
        if time.monotonic() >= deadline:
            raise Conflict(
                "That request is still being answered; try again in a moment.", code="in_progress"
            )
        await asyncio.sleep(POLL_SECONDS)


async def finish(db: Database, *, platform: str, key: str, answer: Answer, now: datetime) -> None:
    async with db.unit_of_work() as session:
        await session.execute(
            update(VoiceToolCall)
            .where(VoiceToolCall.platform == platform, VoiceToolCall.request_key == key)
            .values(
                status="done",
                status_code=answer.status_code,
                response=answer.body,
                finished_at=now,
            )
        )


async def release(db: Database, *, platform: str, key: str) -> None:
    """Forget a claim whose attempt failed unexpectedly, so that a retry runs it again."""
    async with db.unit_of_work() as session:
        await session.execute(
            delete(VoiceToolCall).where(
                VoiceToolCall.platform == platform,
                VoiceToolCall.request_key == key,
                VoiceToolCall.status == "running",
            )
        )
