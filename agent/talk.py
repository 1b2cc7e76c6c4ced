"""`aitickets talk`: a conversation with the voice agent in the terminal, against the local
database (checkpoints included, so `--session` resumes one)."""

from __future__ import annotations

import asyncio
import sys
from typing import Literal

from aitickets.settings import get_settings
from persistence import migrate
from persistence.db import Database
from tools.context import Actor
from tools.runner import ToolRunner


async def talk(*, role: Literal["admin", "staff"] = "staff", session_id: str = "terminal") -> int:
    import tools  # noqa: F401  (registers every tool)

    from .service import open_agent

    settings = get_settings()
    await migrate.prepare(settings.resolved_database_url)
    db = Database(settings.resolved_database_url)
    agent = await open_agent(ToolRunner(db, settings), settings)
    actor = Actor(name=f"terminal-{role}", role=role)
    print("Say something (empty line or Ctrl-D to stop).", file=sys.stderr)
    try:
        while True:
            try:
                line = (await asyncio.to_thread(input, "you> ")).strip()
            except EOFError:
                break
            if not line:
                break
            reply = await agent.turn(line, session_id=session_id, actor=actor)
            extra = f"  [{reply.tool or '-'} via {reply.routed_by}]" if reply.tool else ""
            print(f"agent> {reply.speech}{extra}")
    finally:
        await agent.aclose()
        await db.dispose()
    return 0
