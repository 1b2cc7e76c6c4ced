"""What a run needs besides its state: the tool runner, who is speaking, the router's catalog
and lexicon, and the optional LLM. Passed as LangGraph's runtime context, never checkpointed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from aitickets.settings import Settings
from tools.context import Actor
from tools.registry import ToolSpec
from tools.runner import ToolRunner

from .router.catalog import CatalogCache
from .router.lexicon import Lexicon


@dataclass
class AgentContext:
    runner: ToolRunner
    actor: Actor
    settings: Settings
    catalog: CatalogCache
    lexicon: Lexicon
    llm: Any | None = None  # agent.llm.LlmRouter when OPENROUTER_API_KEY is set
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.default_timezone)

    def specs(self) -> list[ToolSpec]:
        return self.runner.tools.for_role(self.actor.role)
