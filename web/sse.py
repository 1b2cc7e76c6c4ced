"""`GET /events/stream`: domain events as they happen, as server-sent events.

The stream reads the outbox (`domain_events`) after a cursor, so it sees every change from any
surface and any process (REST, MCP, voice, the CLI), and a client that reconnects with
`Last-Event-ID` misses nothing. Filters: `?event_id=7` (one show) and `?types=ticket.checked_in,
ticket.*` (kinds, `*` as a suffix wildcard). Staff keys and above only; heartbeats keep proxies
from closing idle streams. Payloads are filtered on the way out: phone numbers, tokens, codes
and links never reach a listener, and sign-in events are not streamed at all.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aitickets.errors import Forbidden, InvalidInput, Unauthorized
from persistence.db import Database
from persistence.models import DomainEvent

if TYPE_CHECKING:  # sse_starlette is imported on first use: the server start stays fast
    from sse_starlette import ServerSentEvent

BATCH = 200
MAX_TYPES = 20

# Kinds about signing in (magic links, one-time codes) carry secrets by nature: never streamed.
_SECRET_KINDS = re.compile(r"magic|login|otp|auth\.|session|dashboard_code|password", re.I)
# Payload keys whose values are secrets or contact details; dropped at any depth.
_SECRET_KEYS = re.compile(
    r"phone|token|secret|password|magic|link|url|code|otp|card|iban|signature", re.I
)
# Values that look like a phone number or a link with a token, whatever key they hide under.
_PHONE_VALUE = re.compile(r"\+\d{7,15}|\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}")
_LINK_VALUE = re.compile(r"https?://|/my-tickets/|token=|/dashboard/", re.I)
_KEEP_CODE_KEYS = {"error_code", "currency_code", "status_code"}


def scrub(value: Any) -> Any:
    """A payload without phone numbers, tokens, codes or links (recursively)."""
    if isinstance(value, dict):
        return {
            k: scrub(v)
            for k, v in value.items()
            if k in _KEEP_CODE_KEYS or not _SECRET_KEYS.search(str(k))
        }
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, str) and (
        _PHONE_VALUE.fullmatch(value.strip()) or _LINK_VALUE.search(value)
    ):
        return "[redacted]"
    return value


@dataclass(frozen=True)
class StreamFilter:
    event_id: int | None = None
    kinds: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()

    def wants(self, kind: str) -> bool:
        if _SECRET_KINDS.search(kind):
            return False
        if not self.kinds and not self.prefixes:
            return True
        return kind in self.kinds or kind.startswith(self.prefixes)

    @classmethod
    def from_query(cls, request: Request) -> StreamFilter:
        params = request.query_params
        event_id = None
        if raw := params.get("event_id"):
            if not raw.isdigit() or not 0 < int(raw) < 2**53:
                raise InvalidInput("event_id: must be a positive whole number.")
            event_id = int(raw)
        wanted = [t.strip() for t in params.get("types", "").split(",") if t.strip()]
        if len(wanted) > MAX_TYPES or any(not re.fullmatch(r"[a-z_.]{1,64}\*?", t) for t in wanted):
            raise InvalidInput(
                "types: give up to 20 event kinds separated by commas, like "
                "ticket.purchased,ticket.* (lower-case letters, dots, underscores)."
            )
        kinds = frozenset(t for t in wanted if not t.endswith("*"))
        prefixes = tuple(t[:-1] for t in wanted if t.endswith("*"))
        return cls(event_id=event_id, kinds=kinds, prefixes=prefixes)


def _cursor_from(request: Request) -> int | None:
    raw = request.headers.get("last-event-id") or request.query_params.get("last_event_id")
    if raw is None or raw == "":
        return None
    if not raw.strip().isdigit() or int(raw) >= 2**63:
        raise InvalidInput("Last-Event-ID: must be the id of an event this stream sent.")
    return int(raw)


async def _latest_id(db: Database) -> int:
    async with db.sessions() as session:
        row = await session.scalar(select(DomainEvent.id).order_by(DomainEvent.id.desc()).limit(1))
    return int(row or 0)


async def read_after(db: Database, cursor: int, event_id: int | None) -> list[DomainEvent]:
    query = select(DomainEvent).where(DomainEvent.id > cursor).order_by(DomainEvent.id).limit(BATCH)
    if event_id is not None:
        query = query.where(DomainEvent.event_id == event_id)
    async with db.sessions() as session:
        return list((await session.scalars(query)).all())


def to_sse(row: DomainEvent) -> ServerSentEvent:
    from sse_starlette import ServerSentEvent

    body = {
        "id": row.id,
        "kind": row.kind,
        "event_id": row.event_id,
        "actor": row.actor,
        "at": row.created_at.isoformat(),
        "payload": scrub(row.payload or {}),
    }
    return ServerSentEvent(data=json.dumps(body, default=str), id=str(row.id), event=row.kind)


async def stream(
    db: Database,
    filt: StreamFilter,
    cursor: int,
    *,
    poll: float,
    max_seconds: float,
) -> AsyncIterator[ServerSentEvent]:
    """Events after `cursor` that pass `filt`, until `max_seconds` have passed."""
    from sse_starlette import ServerSentEvent

    deadline = time.monotonic() + max_seconds
    yield ServerSentEvent(comment="stream open", retry=int(poll * 1000) + 1000)
    while True:
        rows = await read_after(db, cursor, filt.event_id)
        for row in rows:
            cursor = row.id
            if filt.wants(row.kind):
                yield to_sse(row)
        if len(rows) < BATCH:
            if time.monotonic() >= deadline:
                return
            await anyio.sleep(poll)


async def events_stream(request: Request) -> Response:
    from sse_starlette import EventSourceResponse

    actor = await request.app.state.auth.actor(request)
    if actor.role == "public":
        raise Unauthorized("The event stream needs a staff key: 'Authorization: Bearer <key>'.")
    if not actor.at_least("staff"):
        raise Forbidden("Only staff keys may follow the event stream.")
    filt = StreamFilter.from_query(request)
    db: Database = request.app.state.runner.db
    cursor = _cursor_from(request)
    if cursor is None:
        cursor = await _latest_id(db)
    settings = request.app.state.settings
    return EventSourceResponse(
        stream(
            db,
            filt,
            cursor,
            poll=settings.sse_poll_seconds,
            max_seconds=settings.sse_max_seconds,
        ),
        ping=settings.sse_heartbeat_seconds,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def routes() -> list[Route]:
    return [Route("/events/stream", events_stream, methods=["GET"])]
