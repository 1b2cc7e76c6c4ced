"""`aitickets voice-config` (generated from the registry, in the schema subset the platforms
accept), ElevenLabs' server tools on `POST /tools/{name}` with `X-Session-ID`, and `ask_tickets`
on `/mcp` with Vapi's `X-Call-Id` as the session."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from starlette.applications import Starlette
from starlette.testclient import TestClient

from aitickets.cli import main as cli_main
from aitickets.errors import InvalidInput
from aitickets.settings import Settings
from tests.conftest import ADMIN_KEY, FixedClock, auth
from tests.web import voice_platform_fixtures as fx
from tests.web.voice_platform_fixtures import counts, new_key, query, ticket_status
from tools import registry
from tools.voice_config import ASK_TOOL, PLATFORMS, parameters, voice_config
from web.app import create_app

URL = "https://tickets.example"
SCHEMA_KEYS = {"type", "description", "enum", "items", "properties", "required"}
TYPES = {"string", "integer", "number", "boolean", "array", "object"}

# The seeded venue and the platforms' secrets, for every test here.
db_url, settings, seeded_template = fx.db_url, fx.settings, fx.seeded_template


def _walk(schema: dict[str, Any], where: str) -> None:
    """Only what Vapi, Retell and ElevenLabs all accept; every property described."""
    assert set(schema) <= SCHEMA_KEYS, (where, set(schema) - SCHEMA_KEYS)
    assert schema["type"] in TYPES, where
    assert schema.get("description"), where
    if "enum" in schema:
        assert all(isinstance(v, str) for v in schema["enum"]), where
    for name, child in (schema.get("properties") or {}).items():
        _walk(child, f"{where}.{name}")
    if "items" in schema:
        _walk(schema["items"], f"{where}[]")
    assert set(schema.get("required", [])) <= set(schema.get("properties") or {}), where


def _definitions(platform: str, config: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """name → parameter schema, from each platform's own tool shape."""
    if platform == "vapi":
        return {t["function"]["name"]: t["function"]["parameters"] for t in config}
    if platform == "retell":
        return {t["name"]: t["parameters"] for t in config}
    return {
        t["name"]: t["api_schema"].get("request_body_schema", {"properties": {}}) for t in config
    }


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("role", ["agent", "staff", "admin"])
def test_every_tool_of_the_role_with_plain_schemas(platform: str, role: str) -> None:
    config = voice_config(platform, URL + "/", role)
    definitions = _definitions(platform, config)
    expected = {s.name for s in registry.for_role(role)}
    if role != "agent":
        expected.add(ASK_TOOL)
    assert set(definitions) == expected and len(config) == len(expected)
    for name, schema in definitions.items():
        if name == ASK_TOOL:
            assert schema["required"] == ["request"]
            continue
        fields = registry.get(name).input_model.model_fields
        names = {f.alias or n for n, f in fields.items()}
        assert set(schema["properties"]) == names, name
        for prop, child in schema["properties"].items():
            _walk(child, f"{name}.{prop}")


def test_each_platform_is_pointed_at_its_route_with_auth_placeholders() -> None:
    vapi = voice_config("vapi", URL, "staff")[0]
    assert vapi["type"] == "function" and vapi["server"]["url"] == f"{URL}/voice/vapi"
    assert vapi["server"]["headers"]["Authorization"] == "Bearer <AITICKETS_API_KEY>"
    retell = voice_config("retell", URL, "staff")[0]
    assert retell["type"] == "custom" and retell["url"] == f"{URL}/voice/retell"
    eleven = {t["name"]: t for t in voice_config("elevenlabs", URL, "staff")}
    schema = eleven["check_in_by_name"]["api_schema"]
    assert schema["url"] == f"{URL}/tools/check_in_by_name" and schema["method"] == "POST"
    headers = schema["request_headers"]
    assert headers["X-Session-ID"] == {"variable_name": "system__conversation_id"}
    assert "secret_id" in headers["Authorization"]
    refund = voice_config("vapi", URL, "staff")
    said = {t["function"]["name"]: t["function"]["description"] for t in refund}
    assert "confirm with the caller" in said["refund_ticket"]


def test_nested_models_and_optionals_are_flattened() -> None:
    schema = parameters(registry.get("purchase_tickets").input_model)
    customer = schema["properties"]["customer"]
    assert customer["type"] == "object" and customer["required"] == ["name"]
    assert schema["properties"]["payment"]["enum"] == ["cash", "comp", "card"]
    assert schema["properties"]["promo_code"]["type"] == "string"
    events = parameters(registry.get("list_events").input_model)
    assert (
        "from" in events["properties"] and "ISO 8601" in events["properties"]["from"]["description"]
    )


@pytest.mark.parametrize(
    ("platform", "url", "role"),
    [("zoom", URL, "staff"), ("vapi", "tickets.example", "staff"), ("vapi", URL, "public")],
)
def test_bad_arguments_are_refused(platform: str, url: str, role: str) -> None:
    with pytest.raises(InvalidInput):
        voice_config(platform, url, role)


def test_the_cli_prints_json_to_paste(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["voice-config", "retell", "--url", URL, "--role", "admin"]) == 0
    out = capsys.readouterr()
    printed = json.loads(out.out)
    assert {t["name"] for t in printed} >= {ASK_TOOL, "create_api_key", "add_staff_phone"}
    assert "RETELL_API_KEY" in out.err
    assert cli_main(["voice-config", "vapi", "--url", "ftp://x"]) == 2


def test_elevenlabs_ask_tickets_keeps_the_conversation_by_header(
    client: TestClient, settings: Settings
) -> None:
    headers = {**auth(new_key(client, "staff")), "X-Session-ID": "conv_123"}
    asked = client.post(
        "/tools/ask_tickets", json={"request": "refund Mike's ticket"}, headers=headers
    )
    assert asked.status_code == 200 and asked.json()["awaiting"] == "confirmation"
    assert asked.json()["session_id"] == "conv_123"
    elsewhere = {**headers, "X-Session-ID": "conv_456"}
    other = client.post("/tools/ask_tickets", json={"request": "yes"}, headers=elsewhere)
    assert other.json()["tool"] != "refund_ticket"
    done = client.post("/tools/ask_tickets", json={"request": "yes"}, headers=headers)
    assert done.json()["tool"] == "refund_ticket" and done.json()["success"]
    assert ticket_status(settings, "Mike Brown", None).count("refunded") == 1


def test_elevenlabs_direct_tools_are_the_generic_route(
    client: TestClient, settings: Settings
) -> None:
    [(event_id,)] = query(settings, "SELECT id FROM events WHERE name = 'Jazz Night'")
    headers = {**auth(new_key(client, "staff")), "X-Session-ID": "conv_123"}
    response = client.post(
        "/tools/check_in_by_name", json={"name": "Sarah Lee", "event_id": event_id}, headers=headers
    )
    assert response.status_code == 200
    assert set(ticket_status(settings, "Sarah Lee")) == {"checked_in"}


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ({"request": "hi"}, {}, 401),
        ({"request": "hi"}, {"agent": "1"}, 403),
        ({}, {"staff": "1"}, 422),
        ({"request": 5}, {"staff": "1"}, 422),
        ({"request": "x" * 2001}, {"staff": "1"}, 422),
        ({"request": "hi"}, {"staff": "1", "X-Session-ID": "s" * 129}, 422),
    ],
)
def test_elevenlabs_ask_tickets_refusals_change_nothing(
    client: TestClient, settings: Settings, body: dict, headers: dict, status: int
) -> None:
    sent = {k: v for k, v in headers.items() if k not in ("agent", "staff")}
    for role in ("agent", "staff"):
        if role in headers:
            sent.update(auth(new_key(client, role)))
    before = counts(settings)
    response = client.post("/tools/ask_tickets", json=body, headers=sent)
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]
    assert counts(settings) == before


@pytest.fixture
async def app(settings: Settings, clock: FixedClock) -> AsyncIterator[Starlette]:
    """The app with its lifespan in a task of its own (as tests/web/test_mcp_http.py)."""
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


async def _mcp(
    app: Starlette, key: str, call: tuple[str, dict[str, Any]] | None, **headers: str
) -> Any:
    """One MCP connection, as Vapi opens one per tool call."""
    http = httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app),
        base_url="http://testserver",
        headers={"Authorization": f"Bearer {key}", **headers},
        timeout=30,
    )
    async with (
        http,
        streamable_http_client("http://testserver/mcp", http_client=http) as streams,
        ClientSession(streams[0], streams[1]) as session,
    ):
        await session.initialize()
        tools = {t.name for t in (await session.list_tools()).tools}
        result = await session.call_tool(*call) if call else None
        return tools, result


async def test_mcp_ask_tickets_uses_vapis_call_id_as_the_session(
    app: Starlette, settings: Settings
) -> None:
    ask = ("ask_tickets", {"request": "refund Mike's ticket"})
    tools, asked = await _mcp(app, ADMIN_KEY, ask, **{"X-Call-Id": "vapi-call-9"})
    assert ASK_TOOL in tools and not asked.is_error
    assert asked.structured_content["awaiting"] == "confirmation"
    _, done = await _mcp(
        app, ADMIN_KEY, ("ask_tickets", {"request": "yes"}), **{"X-Call-Id": "vapi-call-9"}
    )
    assert done.structured_content["tool"] == "refund_ticket"
    assert "Refunded" in done.content[0].text
    assert ticket_status(settings, "Mike Brown", None).count("refunded") == 1
    assert query(settings, "SELECT DISTINCT session_id FROM voice_turns") == [("vapi-call-9",)]


async def test_mcp_ask_tickets_is_listed_for_staff_not_agents(app: Starlette) -> None:
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        created = await http.post("/api/keys", json={"name": "a", "role": "agent"}, headers=auth())
    agent = created.json()["key"]
    tools, refused = await _mcp(app, agent, ("ask_tickets", {"request": "hi"}))
    assert ASK_TOOL not in tools and refused.is_error
    assert json.loads(refused.content[0].text)["error"]["code"] == "forbidden"
