"""Durable jobs: a table claimed atomically, retried with exponential backoff, dead-lettered after
the last attempt, and a worker loop that survives restarts.

- `enqueue(session, …)` adds a job in the caller's transaction (it commits with the change that
  caused it); a `dedupe_key` makes a second enqueue of the same work a no-op.
- `claim(…)` takes due jobs with one `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)
  RETURNING` on PostgreSQL, and the same conditional UPDATE … RETURNING on SQLite (whose
  `BEGIN IMMEDIATE` transactions never interleave). A claim is a lease: a job whose worker died
  is taken again once `locked_until` passes, or at once when the dead worker was on this host.
- Handlers are registered by kind with `@handler("kind")`; they run outside any transaction and
  open short units of work of their own, so a slow provider never holds the database.
- Consumers of the `domain_events` outbox (`@consumer("name")`) are called by the dispatcher
  step of the worker, each event once, in the transaction that advances the shared cursor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from aitickets.settings import Settings
from persistence.db import Database
from persistence.models import ConsumerCursor, DomainEvent, Job

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
MAX_BACKOFF_SECONDS = 6 * 3600
DISPATCH_CURSOR = "dispatcher"
GAP_WAIT = timedelta(seconds=5)  # how long an id gap may be an uncommitted transaction


@dataclass
class JobRun:
    """What a handler gets: the job's payload and attempt number, and the means to do work."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int
    db: Database
    settings: Settings
    clock: Clock

    @property
    def last_attempt(self) -> bool:
        return self.attempt >= self.max_attempts


class Retry(Exception):
    """Raise from a handler to try again later (after `after` seconds, else the backoff)."""

    def __init__(self, reason: str, *, after: float | None = None) -> None:
        super().__init__(reason)
        self.after = after


class GiveUp(Exception):
    """Raise from a handler when trying again cannot help: the job is dead-lettered at once, with
    the reason as its last error, for a person to look at (GET /api/jobs?status=dead)."""


Handler = Callable[[JobRun], Awaitable[None]]
DeadHook = Callable[[JobRun, str], Awaitable[None]]
Consumer = Callable[[AsyncSession, DomainEvent, Settings, Clock], Awaitable[None]]
Periodic = Callable[[Database, Settings, Clock], Awaitable[Any]]


@dataclass
class _Kind:
    fn: Handler
    on_dead: DeadHook | None = None


HANDLERS: dict[str, _Kind] = {}
CONSUMERS: dict[str, Consumer] = {}
# Which kinds a consumer reacts to, decided once per dispatch batch (absent: every kind); the
# dispatcher skips the rest outright, without a savepoint or a call.
KindFilter = Callable[[AsyncSession], Awaitable[Callable[[str], bool]]]
CONSUMER_FILTERS: dict[str, KindFilter] = {}
PERIODIC: dict[str, tuple[float, Periodic]] = {}


def handler(kind: str, *, on_dead: DeadHook | None = None) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = _Kind(fn, on_dead)
        return fn

    return register


def consumer(
    name: str, *, kinds: Iterable[str] | None = None, wants: KindFilter | None = None
) -> Callable[[Consumer], Consumer]:
    """Register an outbox consumer: `kinds` for a fixed set, `wants` to decide per batch from
    the database (webhooks: the kinds someone subscribed to)."""
    if kinds is not None:
        fixed = frozenset(kinds)

        async def wants_fixed(_session: AsyncSession) -> Callable[[str], bool]:
            return fixed.__contains__

        wants = wants_fixed

    def register(fn: Consumer) -> Consumer:
        CONSUMERS[name] = fn
        if wants is not None:
            CONSUMER_FILTERS[name] = wants
        return fn

    return register


def periodic(name: str, every_seconds: float) -> Callable[[Periodic], Periodic]:
    """A sweep the worker runs every so often (expiring holds, scheduling reminders, …)."""

    def register(fn: Periodic) -> Periodic:
        PERIODIC[name] = (every_seconds, fn)
        return fn

    return register


BUSY_PAUSE_SECONDS = 0.05


def backoff_seconds(base: float, attempt: int) -> float:
    """base, 2·base, 4·base … after attempts 1, 2, 3 …, capped at six hours."""
    return float(min(base * 2 ** max(attempt - 1, 0), MAX_BACKOFF_SECONDS))


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _upsert_insert(session: AsyncSession) -> Any:
    """The dialect's INSERT with ON CONFLICT (imported on first use: it keeps start-up fast)."""
    if _dialect(session) == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


async def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    now: datetime,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 5,
) -> bool:
    """Add a job in the caller's unit of work. False when `dedupe_key` already exists."""
    values = {
        "kind": kind,
        "payload": payload or {},
        "status": "queued",
        "attempts": 0,
        "max_attempts": max_attempts,
        "run_at": run_at or now,
        "dedupe_key": dedupe_key,
        "created_at": now,
    }
    if dedupe_key is None:
        await session.execute(insert(Job).values(**values))
        return True
    stmt = (
        _upsert_insert(session)(Job)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim(
    db: Database, worker: str, now: datetime, *, lease_seconds: float, limit: int = 10
) -> list[Job]:
    """Take up to `limit` due jobs (and jobs whose lease ran out) for `worker`, atomically."""
    due = (Job.status == "queued") & (Job.run_at <= now)
    stale = (Job.status == "running") & (Job.locked_until < now)
    pick = select(Job.id).where(due | stale).order_by(Job.run_at, Job.id).limit(limit)
    if not db.is_sqlite:
        pick = pick.with_for_update(skip_locked=True)
    stmt = (
        update(Job)
        .where(Job.id.in_(pick.scalar_subquery()))
        .values(
            status="running",
            locked_by=worker,
            locked_until=now + timedelta(seconds=lease_seconds),
            attempts=Job.attempts + 1,
        )
        .returning(Job)
        .execution_options(synchronize_session=False)
    )
    async with db.unit_of_work() as session:
        return list((await session.scalars(stmt)).all())


async def _settle(db: Database, job_id: int, worker: str, **values: Any) -> bool:
    """Record a job's outcome, if this worker still holds it."""
    async with db.unit_of_work() as session:
        result = await session.execute(
            update(Job)
            .where(Job.id == job_id, Job.locked_by == worker, Job.status == "running")
            .values(locked_by=None, locked_until=None, **values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def run_job(job: Job, worker: str, db: Database, settings: Settings, clock: Clock) -> str:
    """Run one claimed job; returns its new status (done, queued for a retry, or dead)."""
    run = JobRun(
        job.id, job.kind, dict(job.payload), job.attempts, job.max_attempts, db, settings, clock
    )
    kind = HANDLERS.get(job.kind)
    try:
        if kind is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        await kind.fn(run)
    except Exception as exc:  # a handler's failure is the job's, never the worker's
        error = f"{type(exc).__name__}: {exc}"[:2000]
        retryable = kind is not None and not run.last_attempt and not isinstance(exc, GiveUp)
        if retryable:
            after = exc.after if isinstance(exc, Retry) and exc.after is not None else None
            delay = (
                after
                if after is not None
                else backoff_seconds(settings.retry_base_seconds, run.attempt)
            )
            run_at = clock() + timedelta(seconds=delay)
            await _settle(db, job.id, worker, status="queued", run_at=run_at, last_error=error)
            log.info(
                "job %s (%s) attempt %s failed, retry in %.1fs: %s",
                job.id,
                job.kind,
                run.attempt,
                delay,
                error,
            )
            return "queued"
        await _settle(db, job.id, worker, status="dead", last_error=error, finished_at=clock())
        log.warning(
            "job %s (%s) is dead after %s attempts: %s", job.id, job.kind, run.attempt, error
        )
        if kind is not None and kind.on_dead is not None:
            try:
                await kind.on_dead(run, error)
            except Exception:
                log.exception("dead-letter hook of job %s failed", job.id)
        return "dead"
    await _settle(db, job.id, worker, status="done", finished_at=clock(), last_error=None)
    return "done"


async def reclaim_orphans(db: Database, now: datetime) -> int:
    """Jobs left `running` by a process of this host that no longer exists go back in line."""
    host = socket.gethostname()
    async with db.unit_of_work() as session:
        owners = (
            await session.scalars(select(Job.locked_by).where(Job.status == "running").distinct())
        ).all()
        dead = [o for o in owners if o and _is_dead_local(o, host)]
        if not dead:
            return 0
        result = await session.execute(
            update(Job)
            .where(Job.status == "running", Job.locked_by.in_(dead))
            .values(status="queued", run_at=now, locked_by=None, locked_until=None)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def _is_dead_local(owner: str, host: str) -> bool:
    owner_host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if owner_host != host or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


async def _cursor(session: AsyncSession, name: str, *, lock: bool) -> ConsumerCursor:
    await session.execute(
        _upsert_insert(session)(ConsumerCursor)
        .values(name=name, position=0)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    query = select(ConsumerCursor).where(ConsumerCursor.name == name)
    if lock and _dialect(session) == "postgresql":
        query = query.with_for_update()
    return (await session.scalars(query)).one()


async def dispatch(db: Database, settings: Settings, clock: Clock, *, batch: int = 50) -> int:
    """Hand new domain events to every consumer, each once: the fan-out commits with the cursor.
    An id gap younger than GAP_WAIT may be a transaction still committing: stop before it.
    Batches stay small because on SQLite the batch holds the process's one connection, and the
    door's check-ins wait behind it."""
    async with db.unit_of_work() as session:
        cursor = await _cursor(session, DISPATCH_CURSOR, lock=True)
        rows = (
            await session.scalars(
                select(DomainEvent)
                .where(DomainEvent.id > cursor.position)
                .order_by(DomainEvent.id)
                .limit(batch)
            )
        ).all()
        wanted = (
            {
                name: await CONSUMER_FILTERS[name](session)
                for name in CONSUMERS.keys() & CONSUMER_FILTERS.keys()
            }
            if rows
            else {}
        )
        done = 0
        expected = cursor.position + 1
        for event in rows:
            if event.id != expected and clock() - event.created_at < GAP_WAIT:
                break
            for name, fn in CONSUMERS.items():
                if name in wanted and not wanted[name](event.kind):
                    continue
                try:
                    async with session.begin_nested():
                        await fn(session, event, settings, clock)
                except Exception:  # one bad consumer must not stall the stream for the others
                    log.exception("consumer %s failed on domain event %s", name, event.id)
            cursor.position = event.id
            expected = event.id + 1
            done += 1
        if done:
            cursor.updated_at = clock()
        return done


@dataclass
class Worker:
    """Dispatches domain events, runs periodic sweeps and due jobs until stopped."""

    db: Database
    settings: Settings
    clock: Clock
    name: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    )
    batch: int = 10
    _last_run: dict[str, datetime] = field(default_factory=dict)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def tick(self) -> int:
        """One round; returns how much work was found (0 means the worker may sleep)."""
        work = await dispatch(self.db, self.settings, self.clock)
        now = self.clock()
        for name, (every, fn) in PERIODIC.items():
            last = self._last_run.get(name)
            if last is None or (now - last).total_seconds() >= every or now < last:
                self._last_run[name] = now
                try:
                    await fn(self.db, self.settings, self.clock)
                except Exception:
                    log.exception("periodic task %s failed", name)
        jobs = await claim(
            self.db,
            self.name,
            now,
            lease_seconds=self.settings.job_lease_seconds,
            limit=self.batch,
        )
        if jobs:
            await asyncio.gather(
                *(run_job(j, self.name, self.db, self.settings, self.clock) for j in jobs)
            )
        return work + len(jobs)

    async def run_until_idle(self, max_rounds: int = 50) -> int:
        """Tests and tools: keep ticking until nothing is left to do now."""
        total = 0
        for _ in range(max_rounds):
            found = await self.tick()
            total += found
            if not found:
                break
        return total

    async def run(self) -> None:
        reclaimed = await reclaim_orphans(self.db, self.clock())
        if reclaimed:
            log.info("worker %s took back %s jobs of a process that died", self.name, reclaimed)
        while not self._stop.is_set():
            try:
                found = await self.tick()
            except Exception:
                log.exception("worker round failed; trying again shortly")
                found = 0
            # Idle: wait for the poll interval. Busy: still pause a moment, so that while
            # requests stream in a round handles a batch of their events rather than one or
            # two (each round is a few transactions on the connection the requests need).
            pause = BUSY_PAUSE_SECONDS if found else self.settings.worker_poll_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=pause)

    def stop(self) -> None:
        self._stop.set()


def load_handlers() -> None:
    """Importing the tool modules registers their handlers, consumers and sweeps."""
    import tools  # noqa: F401


@asynccontextmanager
async def worker_service(app: Any) -> AsyncIterator[None]:
    """The in-server worker (a web.app SERVICES entry), on when AITICKETS_WORKER is set, which
    `aitickets serve` does by default; the test client leaves it off unless a test sets it."""
    settings: Settings = app.state.settings
    if not settings.worker_enabled:
        yield
        return
    load_handlers()
    worker = Worker(app.state.runner.db, settings, app.state.clock)
    task = asyncio.create_task(worker.run(), name="aitickets-worker")
    app.state.worker = worker
    try:
        yield
    finally:
        worker.stop()
        try:
            await asyncio.wait_for(task, timeout=10)
        except (TimeoutError, asyncio.CancelledError):
            task.cancel()


async def run_worker(settings: Settings, clock: Clock) -> None:
    """`aitickets worker`: the same loop in a process of its own, until SIGINT or SIGTERM."""
    import signal

    from persistence import migrate

    load_handlers()
    await migrate.prepare(settings.resolved_database_url)
    db = Database(settings.resolved_database_url)
    worker = Worker(db, settings, clock)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, worker.stop)
    log.info("worker %s started", worker.name)
    try:
        await worker.run()
    finally:
        await db.dispose()
