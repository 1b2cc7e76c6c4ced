"""Bad input never gives a 500 and a refused request changes nothing: every generated route is
fed wrong types, huge and negative numbers, wildcards and junk against a small real world (so
ids resolve and the deeper checks run), and must answer 4xx with a JSON error."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from aitickets.settings import Settings
from persistence.db import Database
from tests.conftest import auth
from tests.factories import make_customer, make_event, make_ticket, make_tier
from tools import registry

ROUTES = sorted({(r.method, r.path, s.name) for s in registry for r in s.http})
JUNK: list[Any] = [-1, 0, 10**20, -(10**20), "%_", "", "x" * 5000, None, [], {}, True, 1.5, "1e400"]
PATH_IDS = ("1", "abc", "-5", "99999999999999999999999")


@pytest.fixture
async def world(db: Database) -> None:
    event = await make_event(db)
    tier = await make_tier(db, event, capacity=10)
    customer = await make_customer(db, email="john@example.com")
    await make_ticket(db, event, tier, customer)


@pytest.fixture
def snapshot(settings: Settings) -> Iterator[Any]:
    conn = sqlite3.connect(settings.resolved_database_url.split("///", 1)[1])
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]

    def take() -> list[int]:
        return [conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables]

    yield take
    conn.close()


def _bodies(tool_name: str) -> list[dict[str, Any]]:
    fields = registry.get(tool_name).input_model.model_fields
    return [{}, *({name: junk for name in fields} for junk in JUNK)]


@pytest.mark.parametrize(("method", "path", "tool_name"), ROUTES, ids=lambda v: str(v))
def test_junk_gets_a_4xx_and_a_refusal_changes_nothing(
    world: None, client: TestClient, snapshot: Any, method: str, path: str, tool_name: str
) -> None:
    rows = snapshot()
    for junk_id in PATH_IDS:
        url = re.sub(r"\{[^}]+\}", junk_id, path)
        for body in _bodies(tool_name):
            if method in ("GET", "DELETE"):
                params = {k: str(v) for k, v in body.items() if v is not None}
                response = client.request(method, url, params=params, headers=auth())
            else:
                response = client.request(method, url, json=body, headers=auth())
            assert response.status_code < 500, (method, url, body, response.text[:300])
            if response.status_code >= 400:
                error = response.json()["error"]
                assert error["code"] and error["message"]
                assert snapshot() == rows, ("a refused request wrote rows", method, url, body)
            else:
                rows = snapshot()
