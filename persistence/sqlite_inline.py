"""sqlite3 behind aiosqlite's async surface, run in the calling thread.

SQLAlchemy's aiosqlite dialect hops to a worker thread for every call; on the hot paths that
hop costs more than the SQLite work itself (measured: 402 vs 1,128 check-ins/s through the same
engine, `bench/door.py`). A statement on a local SQLite file takes microseconds, and SQLite has
one writer anyway, so running it in the event loop's thread is both faster and simpler. The
engine passes `connect` as `async_creator`; everything above sees a normal async engine.
"""

from __future__ import annotations

import sqlite3
from typing import Any


class InlineCursor:
    """The cursor half of the aiosqlite surface that SQLAlchemy calls."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, seq: Any) -> InlineCursor:
        self._cursor.executemany(sql, seq)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """The connection half; `_connection` is read by SQLAlchemy to tell open from closed."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._connection = conn

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def create_function(self, *args: Any, **kw: Any) -> None:
        self._conn.create_function(*args, **kw)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()

    def stop(self) -> None:
        self._conn.close()


async def connect(path: str) -> InlineConnection:
    # isolation_level=None: transactions are begun explicitly (BEGIN IMMEDIATE, see db.py), so
    # pysqlite never opens a deferred one that could fail to upgrade to a write lock.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    return InlineConnection(conn)
