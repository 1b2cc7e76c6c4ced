"""Shared fixtures: a migrated SQLite file per test (copied from one template), a fixed clock,
a tool runner with actors of each role, and a Starlette test client."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from starlette.testclient import TestClient

from aitickets.settings import Settings
from persistence import migrate
from persistence.db import Database
from tools.context import PUBLIC, Actor
from tools.runner import ToolRunner

ADMIN_KEY = "test-admin-key-0123456789"
NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # a Tuesday, noon in New York

ACTORS = {
    "admin": Actor(name="admin", role="admin"),
    "staff": Actor(name="door", role="staff"),
    "agent": Actor(name="assistant", role="agent"),
    "public": PUBLIC,
}


class FixedClock:
    """A clock tests can move: `clock.advance(hours=2)`."""

    def __init__(self, at: datetime = NOW) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built the way the server builds an empty database (tests/persistence proves the
    Alembic migrations build the same schema)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(migrate.prepare(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def db_url(tmp_path: Path, template_db: Path) -> str:
    target = tmp_path / "test.db"
    shutil.copyfile(template_db, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        DATABASE_URL=db_url,
        AITICKETS_DATA_DIR=tmp_path,
        AITICKETS_API_KEY=ADMIN_KEY,
        AITICKETS_TIMEZONE="America/New_York",
        _env_file=None,
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.resolved_database_url)
    yield database
    await database.dispose()


@pytest.fixture
def runner(db: Database, settings: Settings, clock: FixedClock) -> ToolRunner:
    return ToolRunner(db, settings, clock=clock)


Call = Callable[..., Awaitable[Any]]


@pytest.fixture
def call(runner: ToolRunner) -> Call:
    """`await call("create_venue", name=..., as_="staff")` runs a tool as that role."""

    async def _call(tool: str, /, as_: str = "admin", **arguments: Any) -> Any:
        return await runner.call(tool, arguments, ACTORS[as_])

    return _call


@pytest.fixture
def client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    from web.app import create_app

    app = create_app(settings, clock=clock, migrate_on_start=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def auth(key: str = ADMIN_KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
