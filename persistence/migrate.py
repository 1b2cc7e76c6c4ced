"""Schema upgrades through Alembic, and the fast path the server takes at start.

Alembic owns the schema. At start the server asks the database which revision it is at: at the
head nothing runs; an empty database gets the models' tables and is stamped at the head (the
Alembic cookbook's way to build a fresh database; tests prove the migrations build the same
schema); a database behind the head runs the migrations. Alembic is imported only then, which
keeps it off the start-up path (bench/startup.py).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from .db import Database
from .models import Base

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest revision in migrations/versions; tests/persistence checks it against Alembic.
SCHEMA_HEAD = "0006"
VERSION_TABLE = "alembic_version"
# Serialises servers starting together on one fresh PostgreSQL database (SQLite's BEGIN
# IMMEDIATE already does).
_PG_LOCK_KEY = 7_324_001


def _config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`; safe to call on an up-to-date database."""
    from alembic import command

    command.upgrade(_config(url), revision)


def revision(url: str, message: str) -> None:
    from alembic import command

    command.revision(_config(url), message=message, autogenerate=True)


def _current(conn: Connection) -> str | None:
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def _create_and_stamp(conn: Connection) -> None:
    Base.metadata.create_all(conn)
    conn.execute(
        text(
            f"CREATE TABLE {VERSION_TABLE} (version_num VARCHAR(32) NOT NULL, "
            f"CONSTRAINT {VERSION_TABLE}_pkc PRIMARY KEY (version_num))"
        )
    )
    conn.execute(text(f"INSERT INTO {VERSION_TABLE} (version_num) VALUES (:v)"), {"v": SCHEMA_HEAD})


async def prepare(url: str) -> str:
    """Make the database at `url` ready to serve; says what it did."""
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            if not db.is_sqlite:
                await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
            current = await conn.run_sync(_current)
            if current == SCHEMA_HEAD:
                return "at head"
            if current is None and not await conn.run_sync(
                lambda sync: inspect(sync).get_table_names()
            ):
                await conn.run_sync(_create_and_stamp)
                return "created"
    finally:
        await db.dispose()
    # Alembic's env.py runs its own event loop, so it gets a thread of its own.
    await asyncio.to_thread(upgrade, url)
    return "upgraded"
