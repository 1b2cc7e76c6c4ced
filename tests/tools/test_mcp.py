"""The MCP server built from the registry, through fastmcp's in-memory client."""

from __future__ import annotations

import json

import fastmcp
import pytest
from fastmcp.exceptions import ToolError

from persistence.db import Database
from tests.conftest import ACTORS
from tests.factories import make_event, make_tier
from tools import registry
from tools.mcp import build_server
from tools.runner import ToolRunner


def _client(runner: ToolRunner, role: str) -> fastmcp.Client:
    return fastmcp.Client(build_server(runner, ACTORS[role]))


async def test_every_registry_tool_becomes_one_mcp_tool_for_admin(runner: ToolRunner) -> None:
    async with _client(runner, "admin") as client:
        tools = await client.list_tools()
    assert sorted(t.name for t in tools) == sorted(spec.name for spec in registry)


async def test_tools_carry_annotations_schemas_and_descriptions(runner: ToolRunner) -> None:
    async with _client(runner, "admin") as client:
        tools = {t.name: t for t in await client.list_tools()}
    for spec in registry:
        tool = tools[spec.name]
        assert tool.description == spec.description
        schema = spec.input_model.model_json_schema()  # fastmcp inlines the $defs
        assert tool.input_schema.get("properties", {}).keys() == schema.get("properties", {}).keys()
        assert tool.input_schema.get("required") == schema.get("required")
        assert tool.input_schema["additionalProperties"] is False
        assert tool.output_schema is not None and tool.output_schema["type"] == "object"
        hints = tool.annotations
        assert hints is not None
        assert (hints.read_only_hint, hints.destructive_hint) == (spec.read_only, spec.destructive)
        assert (hints.idempotent_hint, hints.open_world_hint) == (spec.idempotent, spec.open_world)
    assert tools["delete_event"].annotations.destructive_hint is True
    assert tools["list_events"].annotations.read_only_hint is True


@pytest.mark.parametrize("role", ["agent", "staff", "admin"])
async def test_the_tool_list_follows_the_role(runner: ToolRunner, role: str) -> None:
    async with _client(runner, role) as client:
        names = {t.name for t in await client.list_tools()}
    assert names == {spec.name for spec in registry.for_role(role)}


async def test_agent_does_not_see_personal_data_or_admin_tools(runner: ToolRunner) -> None:
    async with _client(runner, "agent") as client:
        names = {t.name for t in await client.list_tools()}
    assert "list_events" in names
    assert not names & {"search_customers", "create_api_key", "delete_event", "refund_order"}


async def test_a_call_returns_structured_content_matching_the_output(
    runner: ToolRunner, db: Database
) -> None:
    event_id = await make_event(db, "MCP Jazz")
    await make_tier(db, event_id, "GA", price_cents=0, capacity=10)
    async with _client(runner, "agent") as client:
        result = await client.call_tool("list_events", {"q": "jazz"})
    assert not result.is_error
    assert result.structured_content["total"] == 1
    assert result.structured_content["events"][0]["name"] == "MCP Jazz"
    assert json.loads(result.content[0].text) == result.structured_content


async def test_calls_go_through_the_runner_and_write(runner: ToolRunner) -> None:
    async with _client(runner, "admin") as client:
        venue = await client.call_tool("create_venue", {"name": "Hall", "timezone": "UTC"})
        listed = await client.call_tool("list_venues", {})
    assert venue.structured_content["name"] == "Hall"
    assert [v["name"] for v in listed.structured_content["venues"]] == ["Hall"]


async def test_a_weak_role_calling_a_hidden_tool_gets_a_typed_error(runner: ToolRunner) -> None:
    async with _client(runner, "agent") as client:
        with pytest.raises(ToolError) as caught:
            await client.call_tool("create_venue", {"name": "Hall", "timezone": "UTC"})
    error = json.loads(str(caught.value))["error"]
    assert error["code"] == "forbidden"


async def test_bad_input_is_a_tool_error_naming_the_field(runner: ToolRunner) -> None:
    async with _client(runner, "admin") as client:
        with pytest.raises(ToolError) as caught:
            await client.call_tool("create_venue", {"name": "", "bogus": 1})
    error = json.loads(str(caught.value))["error"]
    assert error["code"] == "invalid_input"
    assert "name" in error["message"] or "bogus" in error["message"]


async def test_not_found_is_a_tool_error_not_a_crash(runner: ToolRunner) -> None:
    async with _client(runner, "admin") as client:
        result = await client.call_tool("get_event", {"event_id": 999}, raise_on_error=False)
    assert result.is_error
    assert json.loads(result.content[0].text)["error"]["code"] == "not_found"


async def test_destructive_tools_are_marked_for_the_client_to_confirm(
    runner: ToolRunner, db: Database
) -> None:
    event_id = await make_event(db, "Doomed")
    async with _client(runner, "admin") as client:
        tools = {t.name: t for t in await client.list_tools()}
        deleted = await client.call_tool("delete_event", {"event_id": event_id})
        gone = await client.call_tool("get_event", {"event_id": event_id}, raise_on_error=False)
    assert tools["delete_event"].meta["confirm"] is True
    assert tools["list_events"].meta["confirm"] is False
    assert deleted.structured_content["id"] == event_id
    assert gone.is_error


async def test_resources_list_upcoming_events_and_the_about_page(
    runner: ToolRunner, db: Database
) -> None:
    await make_event(db, "Resource Night")
    async with _client(runner, "agent") as client:
        uris = {str(r.uri) for r in await client.list_resources()}
        upcoming = await client.read_resource("aitickets://events/upcoming")
        about = await client.read_resource("aitickets://about")
    assert uris == {"aitickets://events/upcoming", "aitickets://about"}
    events = json.loads(upcoming[0].text)["events"]
    assert [e["name"] for e in events] == ["Resource Night"]
    assert "sections" in json.loads(about[0].text)


async def test_prompts_for_the_door_and_the_box_office(runner: ToolRunner) -> None:
    async with _client(runner, "staff") as client:
        names = {p.name for p in await client.list_prompts()}
        door = await client.get_prompt("door_check_in", {"event": "Jazz Night"})
        box = await client.get_prompt("box_office", {"event": "Jazz Night"})
    assert names == {"door_check_in", "box_office"}
    door_text = door.messages[0].content.text
    assert "Jazz Night" in door_text and "check_in_ticket" in door_text
    assert "purchase_tickets" in box.messages[0].content.text
    for tool in ("check_in_ticket", "check_in_by_name", "check_in_party", "undo_check_in"):
        assert tool in registry  # the prompts name tools that exist
