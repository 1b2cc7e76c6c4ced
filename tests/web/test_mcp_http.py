"""MCP over streamable HTTP at /mcp, with the official `mcp` SDK client and bearer keys."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from sqlalchemy import select
from starlette.applications import Starlette

from aitickets.settings import Settings
from persistence.models import DomainEvent
from tests.conftest import ADMIN_KEY, FixedClock
from tools import registry
from web.app import create_app

BASE = "http://testserver"


@pytest.fixture
async def app(settings: Settings, clock: FixedClock) -> AsyncIterator[Starlette]:
    """The app with its lifespan running in a task of its own (its task groups must be entered
    and left in one task; pytest-asyncio sets up and tears down fixtures in different ones)."""
    application = create_app(settings, clock=clock, migrate_on_start=False)
    started, stop = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        async with application.router.lifespan_context(application):
            started.set()
            await stop.wait()

    task = asyncio.create_task(run())
    await asyncio.wait_for(started.wait(), 10)
    yield application
    stop.set()
    await asyncio.wait_for(task, 10)


def _http(app: Starlette, key: str | None, **headers: str) -> httpx2.AsyncClient:
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url=BASE, headers=headers, timeout=30
    )


async def _session_run(app: Starlette, key: str, calls: list[tuple[str, dict[str, Any]]]) -> Any:
    async with (
        _http(app, key) as http,
        streamable_http_client(f"{BASE}/mcp", http_client=http) as streams,
        ClientSession(streams[0], streams[1]) as session,
    ):
        await session.initialize()
        tools = (await session.list_tools()).tools
        results = [await session.call_tool(name, args) for name, args in calls]
        return tools, results


async def _key(app: Starlette, role: str) -> str:
    async with _http(app, ADMIN_KEY) as http:
        created = await http.post("/api/keys", json={"name": f"{role} mcp", "role": role})
    assert created.status_code == 201
    return str(created.json()["key"])


async def test_official_client_lists_annotated_tools_and_calls_one(app: Starlette) -> None:
    async with _http(app, ADMIN_KEY) as http:
        venue = (await http.post("/api/venues", json={"name": "Hall", "timezone": "UTC"})).json()
    tools, results = await _session_run(
        app, ADMIN_KEY, [("list_venues", {}), ("get_venue", {"venue_id": venue["id"]})]
    )
    assert {t.name for t in tools} == {s.name for s in registry} | {"ask_tickets"}
    assert all(
        t.annotations is not None and t.annotations.read_only_hint is not None for t in tools
    )
    assert all(t.output_schema is not None for t in tools)
    listed, one = results
    assert not listed.is_error and listed.structured_content["venues"][0]["name"] == "Hall"
    assert one.structured_content["id"] == venue["id"]


async def test_the_tool_list_over_http_follows_the_keys_role(app: Starlette) -> None:
    agent = await _key(app, "agent")
    tools, results = await _session_run(app, agent, [("create_venue", {"name": "X"})])
    assert {t.name for t in tools} == {s.name for s in registry.for_role("agent")}
    assert results[0].is_error
    assert json.loads(results[0].content[0].text)["error"]["code"] == "forbidden"


async def test_staff_key_sees_staff_tools_but_not_admin_ones(app: Starlette) -> None:
    staff = await _key(app, "staff")
    tools, _ = await _session_run(app, staff, [])
    names = {t.name for t in tools}
    assert "check_in_ticket" in names and "search_customers" in names
    assert "create_api_key" not in names and "delete_venue" not in names


async def test_no_key_is_refused_before_any_mcp_code(app: Starlette) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    async with _http(app, None) as http:
        for method in ("GET", "POST", "DELETE"):
            response = await http.request(method, "/mcp", json=body)
            assert response.status_code == 401, method
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    "headers",
    [
        {"Upgrade": "websocket", "Connection": "Upgrade"},
        {"X-Forwarded-For": "127.0.0.1"},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer not-a-key"},
        {"Cookie": "session=admin"},
    ],
)
async def test_no_header_trick_gets_past_mcp_auth(app: Starlette, headers: dict[str, str]) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_api_keys"}}
    async with _http(app, None, **headers) as http:
        response = await http.post("/mcp", json=body)
    assert response.status_code == 401
    assert "keys" not in response.text


async def test_the_official_client_fails_without_a_key(app: Starlette) -> None:
    with pytest.raises(BaseException):  # noqa: B017 - the SDK wraps the 401 in task-group errors
        await _session_run(app, "", [])


async def test_a_revoked_key_is_refused(app: Starlette) -> None:
    async with _http(app, ADMIN_KEY) as http:
        created = (await http.post("/api/keys", json={"name": "temp", "role": "staff"})).json()
        await http.delete(f"/api/keys/{created['id']}")
    app.state.auth.forget_all()
    async with _http(app, created["key"]) as http:
        response = await http.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert response.status_code == 401


async def test_mcp_mutations_record_domain_events_as_the_key(app: Starlette) -> None:
    staff = await _key(app, "staff")
    async with _http(app, ADMIN_KEY) as http:
        venue = (await http.post("/api/venues", json={"name": "Hall", "timezone": "UTC"})).json()
    _, results = await _session_run(
        app,
        staff,
        [
            (
                "create_event",
                {"name": "Via MCP", "venue_id": venue["id"], "starts_at": "2026-12-05T20:00:00Z"},
            )
        ],
    )
    assert not results[0].is_error, results[0].content
    async with app.state.runner.db.sessions() as session:
        kinds = (await session.execute(select(DomainEvent.kind, DomainEvent.actor))).all()
    assert ("event.created", "staff mcp") in [tuple(k) for k in kinds]


def test_the_web_app_does_not_import_fastmcp_at_start() -> None:
    code = (
        "import sys, web.app; "
        "print(any(m.split('.')[0] in ('fastmcp', 'mcp', 'sse_starlette') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_cli_refuses_to_serve_stdio_without_a_valid_key(settings: Settings) -> None:
    env = {
        "DATABASE_URL": settings.resolved_database_url,
        "AITICKETS_API_KEY": "",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-m", "aitickets.cli", "mcp", "--key", "wrong"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 2
    assert "API key" in out.stderr
