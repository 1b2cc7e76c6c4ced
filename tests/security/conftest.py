"""Fixtures of the attack suite: what every table holds, to prove a refused request changed
nothing (rows compared by content, not only counted)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from aitickets.settings import Settings

Rows = dict[str, list[tuple[Any, ...]]]


@pytest.fixture
def db_rows(settings: Settings) -> Iterator[Callable[[], Rows]]:
    """`db_rows()` → every row of every table, sorted: equal before and after means nothing
    was written."""
    conn = sqlite3.connect(settings.resolved_database_url.split("///", 1)[1])
    tables = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
    ]

    def take() -> Rows:
        return {
            t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables
        }

    yield take
    conn.close()
