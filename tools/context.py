"""What a tool receives besides its arguments: the unit of work, who is asking, and the clock."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from aitickets.errors import Forbidden
from aitickets.settings import Settings
from integrations.ratelimit import RateLimits, address_key
from persistence.models import DomainEvent

from .registry import ROLE_RANK, Role

Clock = Callable[[], datetime]

# The address of the client being served, set by the web layer for each request (web/limits.py)
# after the trusted proxies are peeled off. Quotas that key on who is asking read it through
# ToolContext.client; calls from no network (the CLI, stdio MCP, jobs) have none.
CLIENT_ADDRESS: ContextVar[str | None] = ContextVar("aitickets_client_address", default=None)


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Actor:
    """Who is calling: an API key's name and role, or the anonymous public."""

    name: str
    role: Role
    key_id: int | None = None
    # Narrower than the role when set: only these tools (a stranger calling the phone line may
    # read event information and join a waitlist, not buy or cancel what the public role may).
    tools: frozenset[str] | None = None

    def at_least(self, role: Role) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    def may_use(self, tool: str) -> bool:
        """Within the allow-list, if there is one (the role is checked against each tool)."""
        return self.tools is None or tool in self.tools


PUBLIC = Actor(name="public", role="public")


@dataclass
class ToolContext:
    session: AsyncSession
    actor: Actor
    settings: Settings
    clock: Clock = system_clock
    emitted: list[DomainEvent] = field(default_factory=list)
    # The process's rate limits and quotas (the runner's; shared through Redis when configured).
    limits: RateLimits = field(default_factory=RateLimits)
    client: str | None = field(default_factory=CLIENT_ADDRESS.get)

    def now(self) -> datetime:
        return self.clock()

    def client_key(self) -> str:
        """The client's address as per-address limits count it (an IPv6 client by its /64)."""
        return address_key(self.client or "local")

    def requester(self) -> str:
        """Who a per-caller quota is kept for: the API key when there is one (a valid credential),
        else the client's address."""
        if self.actor.key_id is not None:
            return f"key:{self.actor.key_id}"
        return f"addr:{self.client_key()}"

    def require(self, role: Role, doing: str) -> None:
        if not self.actor.at_least(role):
            raise Forbidden(f"Only {role} keys may {doing}.")

    async def commit_now(self) -> None:
        """Commit the work so far and give the connection back, before a slow outside call.

        Only for tools that must call a network service (a payment gateway): no transaction may
        stay open across such a call, since on SQLite the whole process shares one connection.
        What is committed must be a safe state on its own (an intent the expiry machinery cleans
        up if the process dies), and a tool that compensates after a failed call must commit the
        compensation before raising (the runner rolls back whatever is open when a tool raises).
        The next statement begins a new transaction, which the runner commits as usual."""
        await self.session.commit()

    def emit(self, kind: str, payload: dict[str, Any], *, event_id: int | None = None) -> None:
        """Record a domain event in this unit of work (the outbox): it commits with the change."""
        record = DomainEvent(
            kind=kind,
            event_id=event_id,
            payload=payload,
            actor=self.actor.name,
            created_at=self.now(),
        )
        self.session.add(record)
        self.emitted.append(record)
