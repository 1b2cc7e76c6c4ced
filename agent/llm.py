"""The optional LLM router: one OpenRouter call through langchain-openai, offered only the top
candidate tools of the local ranker with compact schemas and the focus, within a time budget.
Any error or a late answer returns None and the local result stands."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any

from aitickets.settings import Settings
from tools.registry import ToolSpec

from .prompts import ROUTER_SYSTEM, focus_line

if TYPE_CHECKING:
    from .context import AgentContext

log = logging.getLogger(__name__)
MAX_TOOLS = 12


def compact_schema(spec: ToolSpec) -> dict[str, Any]:
    """Name, one-line summary and argument types: what the model needs to pick and fill."""
    schema = spec.input_model.model_json_schema(by_alias=True)
    properties = {}
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type")
        if kind is None:
            kinds = [p.get("type") for p in prop.get("anyOf", []) if p.get("type") != "null"]
            kind = kinds[0] if kinds else "string"
        entry: dict[str, Any] = {"type": kind}
        enum = prop.get("enum") or next(
            (p["enum"] for p in prop.get("anyOf", []) if "enum" in p), None
        )
        if enum:
            entry["enum"] = enum
        properties[name] = entry
    return {
        "type": "function",
        "function": {
            "name": spec.name,
            "description": spec.summary,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": schema.get("required", []),
            },
        },
    }


def full_schema(spec: ToolSpec) -> dict[str, Any]:
    """What sending a tool in full costs: description and complete JSON schema."""
    return {
        "type": "function",
        "function": {
            "name": spec.name,
            "description": spec.description,
            "parameters": spec.input_model.model_json_schema(by_alias=True),
        },
    }


def prompt_payload(text: str, specs: list[ToolSpec], focus: dict[str, Any]) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "system", "content": f"{ROUTER_SYSTEM}\n{focus_line(focus)}"},
            {"role": "user", "content": text},
        ],
        "tools": [compact_schema(s) for s in specs[:MAX_TOOLS]],
    }


class LlmRouter:
    def __init__(self, settings: Settings, *, http_async_client: Any | None = None) -> None:
        from langchain_openai import ChatOpenAI

        self.settings = settings
        self.timeout = settings.llm_router_timeout
        self.model = ChatOpenAI(
            model=settings.llm_router_model,
            api_key=settings.openrouter_api_key,  # type: ignore[arg-type]
            base_url=settings.openrouter_base_url,
            timeout=self.timeout,
            max_retries=0,
            temperature=0,
            http_async_client=http_async_client,
        )

    async def choose(
        self, text: str, names: list[str], focus: dict[str, Any], ctx: AgentContext
    ) -> tuple[str, dict[str, Any]] | None:
        specs = [ctx.runner.spec(n) for n in names[:MAX_TOOLS] if n in ctx.runner.tools]
        allowed = {s.name for s in specs}
        payload = prompt_payload(text, specs, focus)
        bound = self.model.bind_tools(payload["tools"], tool_choice="auto")
        ctx.stats["llm_calls"] = ctx.stats.get("llm_calls", 0) + 1
        try:
            message = await asyncio.wait_for(bound.ainvoke(payload["messages"]), self.timeout)
        except Exception as exc:  # any failure: the local router answers
            log.info("LLM router failed (%s); using the local router", type(exc).__name__)
            ctx.stats["llm_error"] = type(exc).__name__
            return None
        calls = getattr(message, "tool_calls", None) or []
        if not calls or calls[0]["name"] not in allowed:
            return None
        arguments = calls[0].get("args") or {}
        if isinstance(arguments, str):
            arguments = json.loads(arguments or "{}")
        fields = ctx.runner.spec(calls[0]["name"]).input_model.model_fields
        aliases = {(f.alias or n): n for n, f in fields.items()}
        clean = {aliases[k]: v for k, v in arguments.items() if k in aliases and v is not None}
        return calls[0]["name"], clean
