"""`ask_tickets` as an MCP tool on `/mcp`, beside the registry's tools: the caller's words go to
the voice agent. Its session is the call: Vapi opens a connection per tool call and sends
`X-Call-Id` (`X-Chat-Id` in a chat); `X-Session-ID` works for any client; without one, every
call is a new session. Imported with fastmcp, on the first `/mcp` request."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastmcp import FastMCP
from fastmcp.exceptions import ToolError
from fastmcp.server.dependencies import get_http_request
from fastmcp.tools.base import Tool, ToolResult
from mcp_types import TextContent, ToolAnnotations
from pydantic import PrivateAttr

from agent.service import VoiceReply
from aitickets.errors import TicketsError
from tools.voice_config import ASK_DESCRIPTION, ASK_MIN_ROLE, ASK_SCHEMA, ASK_TOOL

from . import voice_calls
from .mcp import request_actor

SESSION_HEADERS = ("x-call-id", "x-chat-id", "x-session-id")


def _session() -> str:
    headers = get_http_request().headers
    for name in SESSION_HEADERS:
        if headers.get(name):
            return voice_calls.session_id(headers[name], name)
    return uuid.uuid4().hex


class AskTicketsTool(Tool):
    _state: Any = PrivateAttr()

    @classmethod
    def build(cls, state: Any) -> AskTicketsTool:
        tool = cls(
            name=ASK_TOOL,
            description=ASK_DESCRIPTION,
            parameters=ASK_SCHEMA,
            output_schema=VoiceReply.model_json_schema(),
            annotations=ToolAnnotations(
                read_only_hint=False,
                destructive_hint=True,  # it may refund or cancel, after asking the caller
                idempotent_hint=False,
                open_world_hint=False,
            ),
            tags={"voice", f"role:{ASK_MIN_ROLE}"},
            meta={"category": "voice", "role": ASK_MIN_ROLE, "confirm": False},
        )
        tool._state = state
        return tool

    async def run(self, arguments: dict[str, Any]) -> ToolResult:
        try:
            actor = await request_actor()
            reply = await voice_calls.ask(self._state, arguments, actor, _session())
        except TicketsError as exc:
            raise ToolError(json.dumps(exc.to_body())) from None
        return ToolResult(
            content=[TextContent(type="text", text=reply.speech)],
            structured_content=reply.model_dump(mode="json"),
        )


def add_ask_tool(server: FastMCP, state: Any) -> None:
    server.add_tool(AskTicketsTool.build(state))
