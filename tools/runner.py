"""Runs a registry entry: role check, input validation, one unit of work, typed errors."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError

from aitickets.errors import Conflict, Forbidden, InvalidInput, TicketsError, Unauthorized
from aitickets.parsing import NUL_MESSAGE, holds_nul
from aitickets.settings import Settings
from integrations.ratelimit import RateLimits
from persistence.db import Database

from .context import Actor, Clock, ToolContext, system_clock
from .keys import key_in_force
from .registry import Registry, ToolSpec, registry

log = logging.getLogger(__name__)


def describe_validation_error(exc: ValidationError) -> str:
    """One sentence a person can act on, e.g. "quantity: must be at least 1"."""
    parts = []
    for err in exc.errors(include_url=False)[:3]:
        where = ".".join(str(p) for p in err["loc"]) or "input"
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def _revoked() -> Unauthorized:
    return Unauthorized("That API key is not valid (unknown or revoked).", code="key_revoked")


class ToolRunner:
    """The one way every surface (REST, MCP, voice, CLI) executes a tool."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Clock = system_clock,
        tools: Registry = registry,
        limits: RateLimits | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.tools = tools
        # One store of limits per process (the web middleware draws on the same one).
        self.limits = limits or RateLimits(settings.redis_url)

    def spec(self, name: str) -> ToolSpec:
        return self.tools.get(name)

    def narrowed(self, names: frozenset[str]) -> ToolRunner:
        """The same runner seeing only `names`: for a caller limited to a few tools, so that
        whatever lists or ranks tools never considers the others."""
        return ToolRunner(
            self.db,
            self.settings,
            clock=self.clock,
            tools=self.tools.subset(names),
            limits=self.limits,
        )

    def parse(self, spec: ToolSpec, arguments: Any) -> BaseModel:
        if isinstance(arguments, spec.input_model):
            return arguments
        if holds_nul(arguments):  # query strings, forms and paths decode %00 to a NUL
            raise InvalidInput(NUL_MESSAGE)
        try:
            return spec.input_model.model_validate(arguments or {})
        except ValidationError as exc:
            raise InvalidInput(describe_validation_error(exc)) from None

    async def ensure_in_force(self, actor: Actor) -> None:
        """Refuse a revoked key before work that is not one tool call (a voice agent turn reads
        and records before it calls tools); tool calls check it in their own transaction."""
        if actor.key_id is None:
            return
        async with self.db.unit_of_work() as session:
            if not await key_in_force(session, actor.key_id):
                raise _revoked()

    async def call(self, name: str, arguments: Any, actor: Actor) -> BaseModel:
        spec = self.tools.get(name)
        if not spec.allows(actor.role):
            raise Forbidden(f"A {actor.role} key may not use {name}; it needs {spec.role}.")
        if not actor.may_use(name):
            raise Forbidden(f"This caller may not use {name}.")
        args = self.parse(spec, arguments)
        try:
            async with self.db.unit_of_work() as session:
                if actor.key_id is not None and not await key_in_force(session, actor.key_id):
                    raise _revoked()
                ctx = ToolContext(session, actor, self.settings, self.clock, limits=self.limits)
                return await spec.fn(ctx, args)
        except TicketsError:
            raise
        except IntegrityError as exc:
            log.info("integrity error in %s: %s", name, exc.orig)
            raise Conflict("That conflicts with a record that already exists.") from None


async def call_offline(settings: Settings, name: str, arguments: dict[str, Any]) -> Any:
    """Run one tool as an admin with no server and no key: the CLI's way to the registry."""
    from persistence import migrate

    await migrate.prepare(settings.resolved_database_url)
    db = Database(settings.resolved_database_url)
    try:
        return await ToolRunner(db, settings).call(name, arguments, Actor("cli", "admin"))
    finally:
        await db.dispose()
