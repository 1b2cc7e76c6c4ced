"""What a run needs besides its state: the tool runner, who is speaking, the router's catalog
and ranker, and the optional LLM. Passed as LangGraph's runtime context, never checkpointed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from aitickets.settings import Settings
from tools.context import Actor
from tools.registry import ToolSpec
from tools.runner import ToolRunner

from .router.catalog import Catalog, CatalogCache
from .router.rank import Ranker


@dataclass
class AgentContext:
    runner: ToolRunner
    actor: Actor
    settings: Settings
    catalog: CatalogCache
    ranker: Ranker
    llm: Any | None = None  # agent.llm.LlmRouter when OPENROUTER_API_KEY is set
    stats: dict[str, Any] = field(default_factory=dict)
    zones: dict[int, str] = field(default_factory=dict)  # event id → its venue's time zone

    def know(self, catalog: Catalog) -> None:
        """Remember the shows' names and venue zones for this turn's times and sentences."""
        self.stats["names"] = {s.id: s.name for s in catalog.shows}
        self.zones = {s.id: s.timezone for s in catalog.shows}

    def tz_for(self, event_id: int | None) -> ZoneInfo:
        """The venue's zone: the show's own, else the one every show shares, else the
        server's default (times are said and read in the venue's zone, never the server's)."""
        zone = self.zones.get(event_id) if event_id else None
        shared = set(self.zones.values())
        if zone is None and len(shared) == 1:
            zone = next(iter(shared))
        return ZoneInfo(zone or self.settings.default_timezone)

    @property
    def tz(self) -> ZoneInfo:
        return self.tz_for(None)

    def specs(self) -> list[ToolSpec]:
        return self.runner.tools.for_role(self.actor.role)
