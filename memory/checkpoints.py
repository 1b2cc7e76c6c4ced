"""The checkpointer for a database URL: SQLite (a file beside the app database) by default,
PostgreSQL when DATABASE_URL is PostgreSQL, so a conversation survives a restart and moves
between server instances."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aitickets.settings import Settings
from persistence.db import normalise_url


def checkpoint_path(settings: Settings) -> Path:
    """`data/aitickets.db` → `data/aitickets.checkpoints.db` (its own file: its own writer)."""
    url = normalise_url(settings.resolved_database_url)
    database = Path(url.database or settings.data_dir / "aitickets.db")
    return database.with_name(f"{database.stem}.checkpoints.db")


def postgres_dsn(settings: Settings) -> str | None:
    url = normalise_url(settings.resolved_database_url)
    if not url.drivername.startswith("postgresql"):
        return None
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def open_checkpointer(settings: Settings) -> AsyncIterator[Any]:
    dsn = postgres_dsn(settings)
    if dsn is not None:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

        async with AsyncPostgresSaver.from_conn_string(dsn) as saver:
            await saver.setup()
            yield saver
        return
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    path = checkpoint_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    async with AsyncSqliteSaver.from_conn_string(str(path)) as saver:
        await saver.conn.execute("PRAGMA journal_mode=WAL")
        await saver.conn.execute("PRAGMA synchronous=NORMAL")
        await saver.setup()
        yield saver
