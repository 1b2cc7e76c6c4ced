"""The MCP server, built from the registry: every registry entry becomes one MCP tool.

Nothing is written twice: a tool's name, description, input and output JSON schemas and
annotations come from its `ToolSpec`, and a call goes through `ToolRunner.call` with the caller's
`Actor`, so roles, validation and typed errors are exactly those of REST and voice. The tool list
follows the caller's role. A few resources (upcoming events, the About page) and prompts (door
check-in, box office) help an assistant start.

fastmcp is heavy to import (~1.4 s): this module is imported only when MCP is first used.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastmcp import FastMCP
from fastmcp.exceptions import ToolError
from fastmcp.server.middleware import Middleware, MiddlewareContext
from fastmcp.tools.base import Tool, ToolResult
from mcp_types import TextContent, ToolAnnotations
from pydantic import PrivateAttr

from aitickets.errors import TicketsError
from aitickets.settings import Settings

from .context import Actor
from .registry import ROLE_RANK, Registry, ToolSpec, registry
from .runner import ToolRunner

# Who is calling: a fixed actor (stdio, in-memory tests) or a function of the current request.
ActorSource = Callable[[], Awaitable[Actor]]

INSTRUCTIONS = """\
AI Tickets runs a venue's events: listings, ticket sales, the door (check-in) and the guest CRM.
Every tool is typed; errors say what to fix. Tools marked destructive cannot be undone: confirm
with the person first. Amounts are integer cents; times are ISO 8601 with a time zone."""


def _as_source(actor: Actor | ActorSource) -> ActorSource:
    if isinstance(actor, Actor):
        fixed = actor

        async def source() -> Actor:
            return fixed

        return source
    return actor


def _error_text(exc: TicketsError) -> str:
    return json.dumps(exc.to_body())


class RegistryTool(Tool):
    """One registry entry seen as an MCP tool; `run` delegates to the runner."""

    _spec: ToolSpec = PrivateAttr()
    _runner: ToolRunner = PrivateAttr()
    _actor: ActorSource = PrivateAttr()

    @classmethod
    def build(cls, spec: ToolSpec, runner: ToolRunner, actor: ActorSource) -> RegistryTool:
        tool = cls(
            name=spec.name,
            description=spec.description,
            parameters=spec.input_model.model_json_schema(),
            output_schema=spec.output_model.model_json_schema(mode="serialization"),
            annotations=ToolAnnotations(
                read_only_hint=spec.read_only,
                destructive_hint=spec.destructive,
                idempotent_hint=spec.idempotent,
                open_world_hint=spec.open_world,
            ),
            tags={spec.category, f"role:{spec.role}"},
            meta={"category": spec.category, "role": spec.role, "confirm": spec.confirm},
        )
        tool._spec, tool._runner, tool._actor = spec, runner, actor
        return tool

    async def run(self, arguments: dict[str, Any]) -> ToolResult:
        try:
            actor = await self._actor()
            result = await self._runner.call(self._spec.name, arguments, actor)
        except TicketsError as exc:
            raise ToolError(_error_text(exc)) from None
        data = result.model_dump(mode="json")
        return ToolResult(
            content=[TextContent(type="text", text=result.model_dump_json())],
            structured_content=data,
        )


class RoleFilter(Middleware):
    """Lists only the tools the caller's role may use."""

    def __init__(self, tools: Registry, actor: ActorSource) -> None:
        self.tools = tools
        self.actor = actor

    async def on_list_tools(self, context: MiddlewareContext, call_next: Any) -> Sequence[Tool]:
        listed = await call_next(context)
        actor = await self.actor()
        return [t for t in listed if self._allows(t, actor.role)]

    def _allows(self, tool: Tool, role: str) -> bool:
        if tool.name in self.tools:
            return self.tools.get(tool.name).allows(role)
        # A tool added beside the registry (ask_tickets) names its least role in its meta.
        least = (tool.meta or {}).get("role")
        return least in ROLE_RANK and ROLE_RANK.get(role, -1) >= ROLE_RANK[least]


def build_server(
    runner: ToolRunner,
    actor: Actor | ActorSource,
    *,
    tools: Registry = registry,
    name: str | None = None,
) -> FastMCP:
    """A FastMCP server exposing `tools` as `actor` (fixed, or resolved per request)."""
    source = _as_source(actor)
    server = FastMCP(
        name or runner.settings.org_name or "AI Tickets",
        instructions=INSTRUCTIONS,
        middleware=[RoleFilter(tools, source)],
        mask_error_details=True,
    )
    for spec in tools:
        server.add_tool(RegistryTool.build(spec, runner, source))
    _add_resources(server, runner, source)
    _add_prompts(server)
    return server


async def _read(runner: ToolRunner, source: ActorSource, tool: str, args: dict[str, Any]) -> str:
    try:
        result = await runner.call(tool, args, await source())
    except TicketsError as exc:
        return _error_text(exc)
    return result.model_dump_json()


def _add_resources(server: FastMCP, runner: ToolRunner, source: ActorSource) -> None:
    @server.resource(
        "aitickets://events/upcoming",
        name="upcoming_events",
        description="The next 50 public events with venue, start time and status (JSON).",
        mime_type="application/json",
    )
    async def upcoming_events() -> str:
        return await _read(runner, source, "list_events", {"limit": 50})

    @server.resource(
        "aitickets://about",
        name="about_page",
        description="The organisation's About page: sections and team (JSON).",
        mime_type="application/json",
    )
    async def about_page() -> str:
        return await _read(runner, source, "get_about_page", {})


def _add_prompts(server: FastMCP) -> None:
    @server.prompt(name="door_check_in", description="Run the door for one event: scan or name.")
    def door_check_in(event: str) -> str:
        return (
            f"You are working the door for the event {event!r}. First find its id with "
            "list_events. For each guest: if they show a QR code, call check_in_ticket with the "
            "token and the event id; if they give a name, call check_in_by_name (ask which one "
            "when the answer is ambiguous); for a group use check_in_party. Read refusals out "
            "plainly (already checked in, refunded, wrong event). A mistaken admission is undone "
            "with undo_check_in. Every few guests, get_checkin_stats gives the count."
        )

    @server.prompt(name="box_office", description="Sell tickets at the box office.")
    def box_office(event: str) -> str:
        return (
            f"You are selling tickets at the box office for {event!r}. Find the event with "
            "list_events and its tiers with get_ticket_availability. Ask for the buyer's name and "
            "email (phone optional), the tier and the quantity, read the total back, and only "
            "then call purchase_tickets with payment 'cash' (or 'comp' when told it is free). "
            "Say how many seats remain after the sale. Refunds are refund_order or "
            "refund_ticket and need the person's explicit confirmation."
        )


async def serve_stdio(settings: Settings, raw_key: str) -> int:
    """`aitickets mcp`: the server over stdio as the key's actor (stdout is the protocol)."""
    from persistence import migrate
    from persistence.db import Database

    from .keys import resolve_key

    url = settings.resolved_database_url
    await migrate.prepare(url)
    db = Database(url)
    try:
        actor = await resolve_key(db, settings, raw_key) if raw_key else None
        if actor is None:
            print(
                "aitickets mcp: give a valid API key (AITICKETS_API_KEY or --key).",
                file=sys.stderr,
            )
            return 2
        server = build_server(ToolRunner(db, settings), actor)
        await server.run_stdio_async(show_banner=False)
        return 0
    finally:
        await db.dispose()
