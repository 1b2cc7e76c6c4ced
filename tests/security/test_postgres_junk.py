"""Junk that PostgreSQL itself refuses (NUL in text and JSON, half a surrogate pair) and the rest
of the junk suite's worst cases, on a real PostgreSQL: a 4xx, never a 500, nothing written.
Run by `make test-postgres` / `.ci/run` when PostgreSQL answers on 127.0.0.1:5432."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from starlette.testclient import TestClient

from aitickets.settings import Settings
from persistence import migrate
from tests.conftest import ADMIN_KEY, auth
from tests.postgres.conftest import pg_url  # noqa: F401 (the fixture)

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_client(pg_url: str, tmp_path: Path) -> Iterator[TestClient]:  # noqa: F811
    from web.app import create_app

    asyncio.run(migrate.prepare(pg_url))
    settings = Settings(
        DATABASE_URL=pg_url,
        AITICKETS_DATA_DIR=tmp_path,
        AITICKETS_API_KEY=ADMIN_KEY,
        RATE_LIMIT_PUBLIC="100000/60",
        _env_file=None,
    )
    with TestClient(
        create_app(settings, migrate_on_start=False), raise_server_exceptions=False
    ) as c:
        yield c


def _rows(pg_url: str) -> dict[str, int]:  # noqa: F811
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # type: ignore[index]


def test_text_postgres_cannot_hold_is_a_4xx(pg_client: TestClient, pg_url: str) -> None:  # noqa: F811
    venue = pg_client.post(
        "/api/venues", json={"name": "Hall", "timezone": "America/New_York"}, headers=auth()
    )
    assert venue.status_code == 201, venue.text
    before = _rows(pg_url)
    json_bodies = [
        ("POST", "/api/venues", b'{"name": "Hall\\u0000", "timezone": "UTC"}'),
        ("POST", "/api/venues", b'{"name": "Hall \\ud800", "timezone": "UTC"}'),
        ("POST", "/voice/action", b'{"action": "find customer a\\u0000b"}'),
        ("POST", "/voice/action", b'{"action": "find customer \\udfff"}'),
        ("POST", "/tools/search_customers", b'{"q": "\\u0000"}'),
        (
            "POST",
            "/api/events",
            b'{"name": "F", "venue_id": 1, "starts_at": "9999-12-31T23:59:59-14:00"}',
        ),
        ("POST", "/api/venues", b"[" * 3000 + b"]" * 3000),
        ("POST", "/tools/read_domain_events", b'{"after_id": 4611686018427387904}'),
        ("POST", f"/api/tickets/events/{2**31}/purchase", b'{"tier_id": 1, "quantity": 1}'),
        ("POST", "/tools/refund_ticket", b'{"ticket_id": 1, "amount_cents": 9999999999999}'),
    ]
    for method, url, body in json_bodies:
        response = pg_client.request(
            method, url, content=body, headers={**auth(), "Content-Type": "application/json"}
        )
        assert 400 <= response.status_code < 500, (
            url,
            body[:60],
            response.status_code,
            response.text,
        )
    too_big = 2**31  # ids are INTEGER columns: one past PostgreSQL's int4
    for url in (
        "/api/events?q=a%00b",
        "/events?q=a%00b",
        "/api/event-goers?q=%00",
        "/events/%00",
        f"/api/events/{too_big}",
        f"/api/tickets/{too_big}",
        f"/api/events?venue_id={too_big}",
        f"/events/{too_big}",
        f"/dashboard/{too_big}",
    ):
        response = pg_client.get(url, headers=auth())
        assert 400 <= response.status_code < 500, (url, response.status_code, response.text[:200])
    for url in (f"/api/events?category={too_big}", f"/api/events?category={10**14}"):
        response = pg_client.get(url)  # a number no id can be is read as a category name
        assert response.status_code == 200 and response.json()["events"] == [], url
    assert _rows(pg_url) == before
