"""The engine and its unit of work, tuned per backend.

SQLite (default): one connection, run inline (see sqlite_inline.py), WAL, a busy timeout, foreign
keys, and `BEGIN IMMEDIATE` for every transaction so that a second process can never interleave
a read-then-write. PostgreSQL: psycopg's async driver with a pool and a lock timeout, so a
contended row lock becomes a `Busy` answer instead of a hang.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from aitickets.errors import Busy

from . import sqlite_inline

SQLITE_BUSY_TIMEOUT_MS = 5000
PG_LOCK_TIMEOUT_MS = 3000


def normalise_url(url: str) -> URL:
    """Accept the URLs people paste (`postgres://`, `sqlite:///`) and pick the async driver."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif parsed.drivername in ("postgresql", "postgresql+psycopg2", "postgresql+asyncpg"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_engine(url: URL) -> AsyncEngine:
    path = url.database or ""
    if not path or path == ":memory:":
        raise ValueError("use a SQLite file, not :memory: (every connection would see its own)")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url,
        async_creator=lambda: sqlite_inline.connect(path),
        # One connection: SQLite has one writer, and several connections waiting on each other
        # sit in SQLite's sleeping busy handler (a 0.8 s tail, STACK_NOTES.md).
        pool_size=1,
        max_overflow=0,
        pool_timeout=10,
        pool_reset_on_return=None,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin_immediate(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _postgres_engine(url: URL) -> AsyncEngine:
    return create_async_engine(
        url,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        connect_args={"options": f"-c lock_timeout={PG_LOCK_TIMEOUT_MS}"},
    )


class Database:
    """One per process: the engine, a session factory, and the unit-of-work helper."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        if self.url.get_backend_name() == "sqlite":
            self.engine = _sqlite_engine(self.url)
        else:
            self.engine = _postgres_engine(self.url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=True)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """A session committed on success and rolled back on any error; lock waits become Busy."""
        async with self.sessions() as session:
            try:
                yield session
                await session.commit()
            except (OperationalError, DBAPIError) as exc:
                await session.rollback()
                if is_lock_timeout(exc):
                    raise Busy("The database is busy right now; please try again.") from exc
                raise
            except BaseException:
                await session.rollback()
                raise

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()


def is_lock_timeout(exc: DBAPIError) -> bool:
    message = str(exc.orig).lower()
    return "database is locked" in message or "lock timeout" in message or "55p03" in message
