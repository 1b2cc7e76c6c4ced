"""Alembic owns the schema: the migrations build exactly the models' schema, and the start-up
fast path (create and stamp) builds the same."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from persistence import migrate
from persistence.models import Base


def _diff(path: Path) -> list[object]:
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    return list(diff)


def _version(path: Path) -> str | None:
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    return version


def test_schema_head_constant_is_alembics_head() -> None:
    script = ScriptDirectory.from_config(migrate._config("sqlite:///unused.db"))
    assert script.get_current_head() == migrate.SCHEMA_HEAD


def test_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    path = tmp_path / "migrated.db"
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    assert _diff(path) == []
    assert _version(path) == migrate.SCHEMA_HEAD


async def test_fresh_database_is_created_and_stamped_at_head(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    url = f"sqlite+aiosqlite:///{path}"
    assert await migrate.prepare(url) == "created"
    assert _diff(path) == []
    assert _version(path) == migrate.SCHEMA_HEAD
    assert await migrate.prepare(url) == "at head"
    await asyncio.to_thread(migrate.upgrade, url)  # Alembic agrees there is nothing to do
    assert _version(path) == migrate.SCHEMA_HEAD


async def test_database_behind_head_is_upgraded_by_alembic(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:  # something that is not ours: Alembic must take over
        conn.execute(text("CREATE TABLE legacy (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    assert await migrate.prepare(f"sqlite+aiosqlite:///{path}") == "upgraded"
    assert _version(path) == migrate.SCHEMA_HEAD
