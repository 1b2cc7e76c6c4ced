"""The jobs table: enqueue in the caller's transaction, atomic claims, backoff, dead letters,
leases and restarts, and the dispatcher's cursor over the domain-event outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest

from integrations import jobs
from integrations.jobs import Retry, Worker, backoff_seconds, claim, dispatch, enqueue, run_job
from persistence.models import ConsumerCursor, DomainEvent
from tests.conftest import NOW
from tests.integrations.helpers import jobs_of

CALLS: list[dict] = []


@jobs.handler("test.ok")
async def _ok(run: jobs.JobRun) -> None:
    CALLS.append(run.payload)


@jobs.handler("test.flaky")
async def _flaky(run: jobs.JobRun) -> None:
    CALLS.append({"attempt": run.attempt})
    if run.attempt < 3:
        raise RuntimeError("provider down")


DEAD: list[str] = []


async def _record_dead(run: jobs.JobRun, error: str) -> None:
    DEAD.append(error)


@jobs.handler("test.broken", on_dead=_record_dead)
async def _broken(run: jobs.JobRun) -> None:
    raise Retry("never works")


@pytest.fixture(autouse=True)
def _reset() -> None:
    CALLS.clear()
    DEAD.clear()


async def _add(db, kind="test.ok", **kw) -> bool:
    async with db.unit_of_work() as s:
        return await enqueue(s, kind, {"n": 1}, now=NOW, **kw)


def test_backoff_doubles_from_the_base_and_is_capped() -> None:
    assert [backoff_seconds(30, a) for a in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_seconds(30, 40) == 6 * 3600


async def test_enqueue_commits_with_the_callers_transaction(db) -> None:
    with pytest.raises(ZeroDivisionError):
        async with db.unit_of_work() as s:
            await enqueue(s, "test.ok", {}, now=NOW)
            1 / 0  # noqa: B018
    assert await jobs_of(db) == []
    await _add(db)
    assert len(await jobs_of(db)) == 1


async def test_dedupe_key_makes_a_second_enqueue_a_no_op(db) -> None:
    assert await _add(db, dedupe_key="once") is True
    assert await _add(db, dedupe_key="once") is False
    assert len(await jobs_of(db)) == 1


async def test_a_claimed_job_is_not_claimed_again_while_leased(db) -> None:
    await _add(db)
    first = await claim(db, "w1", NOW, lease_seconds=60)
    second = await claim(db, "w2", NOW, lease_seconds=60)
    assert [j.locked_by for j in first] == ["w1"] and second == []
    assert first[0].attempts == 1 and first[0].status == "running"


async def test_future_jobs_wait_for_their_time(db) -> None:
    await _add(db, run_at=NOW + timedelta(hours=1))
    assert await claim(db, "w", NOW, lease_seconds=60) == []
    assert len(await claim(db, "w", NOW + timedelta(hours=1), lease_seconds=60)) == 1


async def test_a_stale_lease_is_taken_back(db) -> None:
    await _add(db)
    await claim(db, "dead-worker", NOW, lease_seconds=30)
    again = await claim(db, "w2", NOW + timedelta(seconds=31), lease_seconds=30)
    assert [j.locked_by for j in again] == ["w2"] and again[0].attempts == 2


async def test_failures_back_off_exponentially_then_succeed(db, settings, clock) -> None:
    await _add(db, kind="test.flaky")
    w = Worker(db, settings, clock, name="w")
    await w.tick()
    (job,) = await jobs_of(db)
    assert job.status == "queued" and job.run_at == clock() + timedelta(seconds=30)
    assert "provider down" in job.last_error
    await w.tick()  # not due yet
    assert len(CALLS) == 1
    clock.advance(seconds=30)
    await w.tick()
    (job,) = await jobs_of(db)
    assert job.run_at == clock() + timedelta(seconds=60)
    clock.advance(seconds=60)
    await w.tick()
    (job,) = await jobs_of(db)
    assert job.status == "done" and job.attempts == 3 and [c["attempt"] for c in CALLS] == [1, 2, 3]


async def test_the_last_failed_attempt_dead_letters_the_job(db, settings, clock) -> None:
    await _add(db, kind="test.broken", max_attempts=2)
    w = Worker(db, settings, clock, name="w")
    await w.tick()
    clock.advance(seconds=31)
    await w.tick()
    (job,) = await jobs_of(db)
    assert job.status == "dead" and job.attempts == 2 and "never works" in job.last_error
    assert len(DEAD) == 1
    clock.advance(hours=10)
    assert await w.tick() == 0  # dead jobs stay dead


async def test_an_unknown_kind_is_dead_lettered_not_crashing_the_worker(db, settings, clock):
    await _add(db, kind="no.such.kind", max_attempts=1)
    await Worker(db, settings, clock, name="w").tick()
    (job,) = await jobs_of(db)
    assert job.status == "dead" and "no handler" in job.last_error


async def test_a_job_survives_a_restart(db, settings, clock, tmp_path) -> None:
    """A worker claims a job and its process dies; a new process (new Database, same file)
    runs it once the lease is over."""
    from persistence.db import Database

    await _add(db)
    await claim(db, "gone:1:x", clock(), lease_seconds=30)
    await db.dispose()
    fresh = Database(settings.resolved_database_url)
    try:
        w = Worker(fresh, settings, clock, name="w2")
        assert await w.tick() == 0
        clock.advance(seconds=31)
        await w.tick()
        (job,) = await jobs_of(fresh)
        assert job.status == "done" and CALLS == [{"n": 1}]
    finally:
        await fresh.dispose()


async def test_jobs_of_a_dead_local_process_are_reclaimed_at_start(db, clock) -> None:
    import socket

    await _add(db)
    owner = f"{socket.gethostname()}:999999:abc"  # no such pid
    await claim(db, owner, clock(), lease_seconds=3600)
    assert await jobs.reclaim_orphans(db, clock()) == 1
    (job,) = await jobs_of(db)
    assert job.status == "queued" and job.locked_by is None


async def test_a_running_local_worker_is_not_robbed(db, clock) -> None:
    import os
    import socket

    await _add(db)
    await claim(db, f"{socket.gethostname()}:{os.getpid()}:me", clock(), lease_seconds=3600)
    assert await jobs.reclaim_orphans(db, clock()) == 0


async def test_a_job_settled_by_another_worker_is_not_overwritten(db, settings, clock) -> None:
    await _add(db)
    (job,) = await claim(db, "w1", NOW, lease_seconds=1)
    await claim(db, "w2", NOW + timedelta(seconds=2), lease_seconds=60)
    await run_job(job, "w1", db, settings, clock)  # w1 lost its lease: its outcome is dropped
    (row,) = await jobs_of(db)
    assert row.status == "running" and row.locked_by == "w2"


SEEN: list[int] = []


async def _seen(session, event, settings, clock) -> None:
    SEEN.append(event.id)


async def test_dispatch_hands_each_domain_event_to_consumers_once(db, settings, clock) -> None:
    SEEN.clear()
    jobs.CONSUMERS["test.seen"] = _seen
    try:
        async with db.unit_of_work() as s:
            for i in range(3):
                s.add(DomainEvent(kind="x.y", payload={"i": i}, created_at=NOW))
        assert await dispatch(db, settings, clock) == 3
        assert await dispatch(db, settings, clock) == 0
        assert len(SEEN) == 3
        async with db.sessions() as s:
            cursor = await s.get(ConsumerCursor, jobs.DISPATCH_CURSOR)
        assert cursor.position == max(SEEN)
    finally:
        del jobs.CONSUMERS["test.seen"]


async def test_dispatch_waits_at_a_fresh_gap_in_the_stream(db, settings, clock) -> None:
    SEEN.clear()
    jobs.CONSUMERS["test.seen"] = _seen
    try:
        async with db.unit_of_work() as s:
            s.add(DomainEvent(id=1, kind="a", payload={}, created_at=clock()))
            s.add(DomainEvent(id=3, kind="b", payload={}, created_at=clock()))
        assert await dispatch(db, settings, clock) == 1  # id 2 may still be committing
        clock.advance(seconds=6)
        assert await dispatch(db, settings, clock) == 1  # it never came: move on
        assert SEEN == [1, 3]
    finally:
        del jobs.CONSUMERS["test.seen"]


async def test_a_failing_consumer_does_not_stop_the_stream(db, settings, clock) -> None:
    async def boom(session, event, settings, clock):
        raise RuntimeError("bad consumer")

    SEEN.clear()
    jobs.CONSUMERS["test.boom"] = boom
    jobs.CONSUMERS["test.seen"] = _seen
    try:
        async with db.unit_of_work() as s:
            s.add(DomainEvent(kind="a", payload={}, created_at=NOW))
        assert await dispatch(db, settings, clock) == 1
        assert len(SEEN) == 1
    finally:
        del jobs.CONSUMERS["test.boom"], jobs.CONSUMERS["test.seen"]
