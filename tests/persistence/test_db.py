"""The engine's promises: SQLite pragmas, aware UTC datetimes, and all-or-nothing units of work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import StatementError

from persistence.db import Database, normalise_url
from persistence.models import Venue
from tests.conftest import NOW


async def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(db: Database) -> None:
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() >= 1000


async def test_datetimes_come_back_aware_in_utc(db: Database) -> None:
    eastern = timezone(timedelta(hours=-5))
    async with db.unit_of_work() as session:
        venue = Venue(name="Hall", created_at=datetime(2026, 12, 1, 20, 0, tzinfo=eastern))
        session.add(venue)
    async with db.sessions() as session:
        stored = await session.scalar(select(Venue.created_at))
    assert stored == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    assert stored is not None and stored.tzinfo is not None


async def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        async with db.unit_of_work() as session:
            session.add(Venue(name="Hall", created_at=datetime(2026, 12, 1, 20, 0)))


async def test_unit_of_work_rolls_back_everything_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as session:
            session.add(Venue(name="Half-made", created_at=NOW))
            await session.flush()
            raise RuntimeError("boom")
    async with db.sessions() as session:
        assert await session.scalar(select(func.count(Venue.id))) == 0


async def test_foreign_keys_are_enforced(db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    from persistence.models import Event

    with pytest.raises(IntegrityError):
        async with db.unit_of_work() as session:
            session.add(
                Event(name="Orphan", venue_id=999, starts_at=NOW, created_at=NOW, updated_at=NOW)
            )


def test_pasted_urls_get_the_async_drivers() -> None:
    assert normalise_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///x.db").drivername == "sqlite+aiosqlite"


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(ValueError, match="memory"):
        Database("sqlite+aiosqlite:///:memory:")
