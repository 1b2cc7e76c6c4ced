"""Two workers on one PostgreSQL database: every job runs exactly once (FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from aitickets.settings import Settings
from integrations import jobs
from integrations.jobs import Worker, enqueue
from persistence import migrate
from persistence.db import Database
from tests.conftest import FixedClock
from tests.postgres.conftest import pg_url  # noqa: F401 - the fixture

pytestmark = pytest.mark.postgres

RUNS: Counter[int] = Counter()


@jobs.handler("test.pg.count")
async def _count(run: jobs.JobRun) -> None:
    await asyncio.sleep(0.001)  # let the other worker interleave
    RUNS[run.payload["n"]] += 1


async def test_two_workers_run_each_job_once(pg_url: str, tmp_path) -> None:  # noqa: F811
    await migrate.prepare(pg_url)
    settings = Settings(DATABASE_URL=pg_url, AITICKETS_DATA_DIR=tmp_path, _env_file=None)
    clock = FixedClock()
    first, second = Database(pg_url), Database(pg_url)
    try:
        async with first.unit_of_work() as s:
            for n in range(300):
                await enqueue(s, "test.pg.count", {"n": n}, now=clock())
        w1 = Worker(first, settings, clock, name="pg:1:a", batch=7)
        w2 = Worker(second, settings, clock, name="pg:2:b", batch=7)
        await asyncio.gather(w1.run_until_idle(200), w2.run_until_idle(200))
        assert len(RUNS) == 300 and set(RUNS.values()) == {1}
    finally:
        await first.dispose()
        await second.dispose()
