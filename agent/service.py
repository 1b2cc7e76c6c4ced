"""The voice agent as a service: one `turn()` per utterance, checkpointed per session id.

`VoiceAgent` compiles the graph with a checkpointer (in-memory unless given one), keeps the
router's ranker and catalog, and records every turn in the transcript table."""

from __future__ import annotations

import time
from contextlib import AsyncExitStack
from typing import Any, Literal

from pydantic import BaseModel

from aitickets.settings import Settings
from tools.context import Actor
from tools.runner import ToolRunner

from .context import AgentContext
from .router.catalog import CatalogCache
from .router.rank import Ranker


class VoiceReply(BaseModel):
    speech: str
    success: bool
    tool: str | None
    arguments: dict[str, Any]
    data: dict[str, Any] | None
    routed_by: Literal["local", "llm", "memory"]
    awaiting: Literal["confirmation", "choice", "value"] | None
    session_id: str


class VoiceAgent:
    def __init__(
        self,
        runner: ToolRunner,
        *,
        checkpointer: Any | None = None,
        settings: Settings | None = None,
        llm_http_client: Any | None = None,
        record: bool = True,
    ) -> None:
        from langgraph.checkpoint.memory import InMemorySaver

        from .graph import builder

        self.runner = runner
        self.settings = settings or runner.settings
        self.graph = builder.compile(checkpointer=checkpointer or InMemorySaver())
        self.ranker = Ranker.build(runner.tools)
        self.catalog = CatalogCache(runner)
        self.record = record
        self.llm = None
        if self.settings.openrouter_api_key:
            from .llm import LlmRouter

            self.llm = LlmRouter(self.settings, http_async_client=llm_http_client)
        self._stack = AsyncExitStack()
        self.last_stats: dict[str, Any] = {}
        self._narrowed: dict[frozenset[str], ToolRunner] = {}

    def _runner_for(self, actor: Actor) -> ToolRunner:
        """An actor limited to a few tools (a stranger on the phone line) gets a runner that
        sees only those, so the router never ranks, offers or refuses the others by name."""
        if actor.tools is None:
            return self.runner
        runner = self._narrowed.get(actor.tools)
        if runner is None:
            runner = self._narrowed[actor.tools] = self.runner.narrowed(actor.tools)
        return runner

    async def turn(self, text: str, *, session_id: str, actor: Actor) -> VoiceReply:
        from langgraph.types import Command

        started = time.perf_counter()
        config = {"configurable": {"thread_id": session_id}}
        context = AgentContext(
            runner=self._runner_for(actor),
            actor=actor,
            settings=self.settings,
            catalog=self.catalog,
            ranker=self.ranker,
            llm=self.llm,
        )
        snapshot = await self.graph.aget_state(config)
        waiting = bool(snapshot.interrupts)
        payload: Any = Command(resume=text) if waiting else {"text": text}
        result = await self.graph.ainvoke(payload, config, context=context, durability="exit")
        self.last_stats = context.stats
        reply = self._reply(result, session_id)
        if self.record:
            from memory.transcripts import record_turn

            await record_turn(
                self.runner.db,
                session_id=session_id,
                actor=actor.name,
                text=text,
                reply=reply.model_dump(),
                latency_ms=(time.perf_counter() - started) * 1000,
                at=self.runner.clock(),
            )
        return reply

    @staticmethod
    def _reply(result: dict[str, Any], session_id: str) -> VoiceReply:
        interrupts = result.get("__interrupt__") or []
        if interrupts:
            value = interrupts[0].value
            return VoiceReply(
                speech=value["speech"],
                success=bool(value.get("success", True)),
                tool=value.get("tool"),
                arguments=value.get("arguments") or {},
                data=value.get("data"),
                routed_by=value.get("routed_by", "local"),
                awaiting="confirmation",
                session_id=session_id,
            )
        outcome = result.get("outcome") or {}
        return VoiceReply(
            speech=outcome.get("speech") or "Sorry, I didn't get that.",
            success=bool(outcome.get("success", False)),
            tool=outcome.get("tool"),
            arguments=outcome.get("arguments") or {},
            data=outcome.get("data"),
            routed_by=outcome.get("routed_by", "local"),
            awaiting=outcome.get("awaiting"),
            session_id=session_id,
        )

    async def aclose(self) -> None:
        await self.catalog.aclose()
        await self._stack.aclose()


async def open_agent(runner: ToolRunner, settings: Settings) -> VoiceAgent:
    """A VoiceAgent whose checkpoints live in SQLite or PostgreSQL per DATABASE_URL."""
    import dateparser.search  # noqa: F401  (a cold import costs ~0.7 s: not in a turn)

    from memory.checkpoints import open_checkpointer

    stack = AsyncExitStack()
    saver = await stack.enter_async_context(open_checkpointer(settings))
    agent = VoiceAgent(runner, checkpointer=saver, settings=settings)
    agent._stack = stack
    return agent
