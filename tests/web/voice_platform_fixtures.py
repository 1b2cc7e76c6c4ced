"""Fixtures for the voice-platform adapter tests: the seeded demo venue (Jazz Night tonight) and
settings with each platform's secret, and helpers that read the database afterwards."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from aitickets.settings import Settings
from tests.agent.conftest import seeded_template  # noqa: F401  (fixture)
from tests.conftest import ADMIN_KEY, auth

VAPI_SECRET = "vapi-secret-0123456789"
RETELL_KEY = "key_retell_0123456789abcdef"
TWILIO_TOKEN = "twilio-auth-token-0123456789"
PUBLIC_URL = "https://tickets.example"


@pytest.fixture
def db_url(tmp_path: Path, seeded_template: Path) -> str:  # noqa: F811
    target = tmp_path / "test.db"
    shutil.copyfile(seeded_template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        DATABASE_URL=db_url,
        AITICKETS_DATA_DIR=tmp_path,
        AITICKETS_API_KEY=ADMIN_KEY,
        AITICKETS_TIMEZONE="America/New_York",
        AITICKETS_PUBLIC_URL=PUBLIC_URL,
        VAPI_SECRET=VAPI_SECRET,
        RETELL_API_KEY=RETELL_KEY,
        TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
        _env_file=None,
    )


def query(settings: Settings, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(settings.resolved_database_url.split("///", 1)[1])
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def counts(settings: Settings) -> dict[str, int]:
    """Rows per table: a refused request must leave every count as it was."""
    conn = sqlite3.connect(settings.resolved_database_url.split("///", 1)[1])
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def ticket_status(settings: Settings, holder: str, event: str | None = "Jazz Night") -> list[str]:
    """The statuses of a person's tickets for one show (or for every show)."""
    rows = query(
        settings,
        "SELECT t.status FROM tickets t JOIN customers c ON c.id = t.customer_id "
        "JOIN events e ON e.id = t.event_id WHERE c.name = ? AND (? IS NULL OR e.name = ?) "
        "ORDER BY t.id",
        holder,
        event,
        event,
    )
    return [r[0] for r in rows]


def new_key(client: TestClient, role: str) -> str:
    created = client.post("/api/keys", json={"name": role, "role": role}, headers=auth())
    return str(created.json()["key"])
