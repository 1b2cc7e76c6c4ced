"""The names the router matches against (customers, events, tiers), read through the tools and
kept for a few seconds, so that a turn does not list the database again."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aitickets.errors import TicketsError
from tools.about import list_team_members
from tools.common import name_key
from tools.context import Actor
from tools.customers import search_customers
from tools.events import list_events
from tools.registry import ToolFn
from tools.runner import ToolRunner

TTL_SECONDS = 15.0
PAGE = 200


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str | None
    key: str  # name_key(name)


@dataclass(frozen=True)
class Tier:
    id: int
    name: str
    price_cents: int
    key: str


@dataclass(frozen=True)
class Show:
    id: int
    name: str
    starts_at: datetime
    timezone: str
    status: str
    key: str
    tiers: tuple[Tier, ...] = ()


@dataclass
class Catalog:
    people: list[Person] = field(default_factory=list)
    shows: list[Show] = field(default_factory=list)
    team: list[str] = field(default_factory=list)  # About-page team members' names
    loaded_at: float = 0.0

    def person(self, ident: int) -> Person | None:
        return next((p for p in self.people if p.id == ident), None)

    def show(self, ident: int) -> Show | None:
        return next((s for s in self.shows if s.id == ident), None)


class CatalogCache:
    """One catalog per role (a staff session never sees what only admins may list)."""

    def __init__(self, runner: ToolRunner, ttl: float = TTL_SECONDS) -> None:
        self.runner = runner
        self.ttl = ttl
        self._by_role: dict[str, Catalog] = {}
        self._loading: set[str] = set()
        self._tasks: set[asyncio.Task[Catalog]] = set()

    def invalidate(self) -> None:
        self._by_role.clear()

    async def get(self, actor: Actor) -> Catalog:
        """Fresh within the TTL; past it the old catalog answers while a reload runs."""
        cached = self._by_role.get(actor.role)
        if cached is None:
            return await self._load(actor)
        if time.monotonic() - cached.loaded_at >= self.ttl and actor.role not in self._loading:
            self._loading.add(actor.role)
            task = asyncio.get_running_loop().create_task(self._load(actor))
            task.add_done_callback(lambda _t: self._loading.discard(actor.role))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return cached

    async def _load(self, actor: Actor) -> Catalog:
        catalog = Catalog(
            people=await self._people(actor),
            shows=await self._shows(actor),
            team=await self._team(actor),
            loaded_at=time.monotonic(),
        )
        self._by_role[actor.role] = catalog
        return catalog

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _read(self, tool: ToolFn, args: dict[str, Any], actor: Actor) -> Any:
        spec = self.runner.spec(tool.__name__)
        if not spec.allows(actor.role):
            return None
        try:
            return await self.runner.call(spec.name, args, actor)
        except TicketsError:
            return None

    async def _people(self, actor: Actor) -> list[Person]:
        people: list[Person] = []
        offset = 0
        while offset < 5 * PAGE:
            page = await self._read(search_customers, {"limit": PAGE, "offset": offset}, actor)
            if page is None:
                break
            people += [Person(c.id, c.name, c.email, name_key(c.name)) for c in page.customers]
            offset += PAGE
            if offset >= page.total:
                break
        return people

    async def _team(self, actor: Actor) -> list[str]:
        page = await self._read(list_team_members, {}, actor)
        return [m.name for m in getattr(page, "team", None) or []]

    async def _shows(self, actor: Actor) -> list[Show]:
        since = self.runner.clock() - timedelta(days=3)
        args = {"limit": PAGE, "from": since.isoformat(), "include_hidden": True}
        page = await self._read(list_events, args, actor)
        if page is None:
            return []
        return [
            Show(
                e.id,
                e.name,
                e.starts_at,
                e.timezone,
                e.status,
                name_key(e.name),
                tuple(Tier(t.id, t.name, t.price_cents, name_key(t.name)) for t in e.tiers),
            )
            for e in page.events
        ]
