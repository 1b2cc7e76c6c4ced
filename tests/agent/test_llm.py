"""The optional OpenRouter router, with the HTTP layer mocked (httpx2.MockTransport): one call
at most, only the top candidates, the local result on errors and timeouts."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
import pytest

from agent.llm import MAX_TOOLS, full_schema, prompt_payload
from agent.service import VoiceAgent
from aitickets.settings import Settings
from tests.conftest import ACTORS
from tools.registry import registry
from tools.runner import ToolRunner


def _completion(tool: str | None, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": None if tool else "no idea"}
    if tool:
        message["tool_calls"] = [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": tool, "arguments": json.dumps(arguments or {})},
            }
        ]
    return {
        "id": "gen-1",
        "object": "chat.completion",
        "created": 1,
        "model": "openai/gpt-4o-mini",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


class Recorder:
    def __init__(self, respond: Any) -> None:
        self.respond = respond
        self.requests: list[dict[str, Any]] = []

    async def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(json.loads(request.content))
        return await self.respond(request)


def _agent(runner: ToolRunner, settings: Settings, handler: Recorder, timeout: float = 2.0):  # type: ignore[no-untyped-def]
    configured = settings.model_copy(
        update={"openrouter_api_key": "sk-test", "llm_router_timeout": timeout}
    )
    client = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    return VoiceAgent(runner, settings=configured, llm_http_client=client)


async def test_llm_picks_among_top_candidates(runner: ToolRunner, settings: Settings) -> None:
    async def respond(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json=_completion("get_checkin_stats", {"event_id": 1}))

    handler = Recorder(respond)
    agent = _agent(runner, settings, handler)
    reply = await agent.turn("door numbers?", session_id="l", actor=ACTORS["staff"])
    assert reply.routed_by == "llm" and reply.tool == "get_checkin_stats" and reply.success
    assert len(handler.requests) == 1
    sent = handler.requests[0]
    assert sent["model"] == "openai/gpt-4o-mini"
    assert 1 <= len(sent["tools"]) <= MAX_TOOLS
    await agent.aclose()


async def test_confident_local_routing_makes_no_call(
    runner: ToolRunner, settings: Settings
) -> None:
    async def respond(request: httpx2.Request) -> httpx2.Response:
        raise AssertionError("no LLM call expected")

    handler = Recorder(respond)
    agent = _agent(runner, settings, handler)
    reply = await agent.turn(
        "How much revenue did we make last week?", session_id="l", actor=ACTORS["staff"]
    )
    assert reply.routed_by == "local" and reply.tool == "get_revenue_report"
    assert handler.requests == []
    await agent.aclose()


@pytest.mark.parametrize("status", [500, 429, 401])
async def test_http_errors_fall_back_to_local(
    runner: ToolRunner, settings: Settings, status: int
) -> None:
    async def respond(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(status, json={"error": {"message": "nope"}})

    handler = Recorder(respond)
    agent = _agent(runner, settings, handler)
    reply = await agent.turn("door numbers tonight?", session_id="l", actor=ACTORS["staff"])
    assert reply.routed_by == "local" and len(handler.requests) == 1
    assert agent.last_stats.get("llm_error")
    await agent.aclose()


async def test_slow_llm_is_abandoned_at_the_budget(runner: ToolRunner, settings: Settings) -> None:
    async def respond(request: httpx2.Request) -> httpx2.Response:
        await asyncio.sleep(1.0)
        return httpx2.Response(200, json=_completion("list_events"))

    agent = _agent(runner, settings, Recorder(respond), timeout=0.1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    reply = await agent.turn("door numbers tonight?", session_id="l", actor=ACTORS["staff"])
    assert loop.time() - started < 0.9
    assert reply.routed_by == "local"
    await agent.aclose()


async def test_unknown_or_unoffered_tool_is_ignored(runner: ToolRunner, settings: Settings) -> None:
    async def respond(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json=_completion("delete_venue", {"venue_id": 1}))

    agent = _agent(runner, settings, Recorder(respond))
    reply = await agent.turn("door numbers tonight?", session_id="l", actor=ACTORS["staff"])
    assert reply.routed_by == "local" and reply.tool != "delete_venue"
    await agent.aclose()


def test_prompt_is_at_most_a_tenth_of_all_schemas() -> None:
    specs = list(registry)
    everything = json.dumps([full_schema(s) for s in specs])
    ours = json.dumps(prompt_payload("check in John Smith", specs[:MAX_TOOLS], {"event_id": 1}))
    assert len(ours) * 10 <= len(everything), (len(ours), len(everything))
