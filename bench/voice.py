"""Server-side voice turn latency with the local router, checkpoint included.

Seeds the demo venue in a temporary SQLite database, opens the agent the way the server does
(AsyncSqliteSaver, durability="exit", transcripts recorded) and times `turn()` over a mix of
conversations. Prints p50/p95/p99; the target is p95 ≤ 50 ms.

    .venv/bin/python bench/voice.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CONVERSATION = [
    "Check in Sarah Lee for tonight's show",
    "how many are in tonight?",
    "undo that",
    "How much revenue did we make last week?",
    "how many have we sold for jazz night?",
    "refund Mike's ticket",
    "no",
    "who's on the guest list tonight",
    "tell me about Maria Garcia",
    "is comedy hour sold out",
    "make Jane Smith a VIP",
    "undo that",
    "what's on this week",
]


async def main(rounds: int) -> None:
    import tools  # noqa: F401
    from agent.service import open_agent
    from aitickets.settings import Settings
    from persistence import migrate
    from persistence.db import Database
    from tools.context import Actor
    from tools.demo import seed_demo
    from tools.runner import ToolRunner

    folder = Path(tempfile.mkdtemp(prefix="voicebench"))
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    settings = Settings(DATABASE_URL=url, AITICKETS_DATA_DIR=folder, _env_file=None)
    await migrate.prepare(url)
    now = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    await seed_demo(settings, clock=lambda: now)
    db = Database(url)
    agent = await open_agent(ToolRunner(db, settings, clock=lambda: now), settings)
    actor = Actor(name="bench", role="staff")
    for line in CONVERSATION:  # warm-up: imports, caches
        await agent.turn(line, session_id="warm", actor=actor)
    times: list[float] = []
    for round_ in range(rounds):
        for line in CONVERSATION:
            started = time.perf_counter()
            await agent.turn(line, session_id=f"s{round_}", actor=actor)
            times.append((time.perf_counter() - started) * 1000)
    await agent.aclose()
    await db.dispose()
    times.sort()
    q = statistics.quantiles(times, n=100)
    print(
        f"{len(times)} turns: p50 {statistics.median(times):.1f} ms, p95 {q[94]:.1f} ms, "
        f"p99 {q[98]:.1f} ms, max {times[-1]:.1f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    asyncio.run(main(parser.parse_args().rounds))
