"""`GET /events/stream`: domain events as they happen, as server-sent events.

The stream reads the outbox (`domain_events`) after a cursor through the `read_domain_events`
tool, so it sees every change from any surface and any process (REST, MCP, voice, the CLI), and
a client that reconnects with `Last-Event-ID` misses nothing. Filters: `?event_id=7` (one show)
and `?types=ticket.checked_in,ticket.*` (kinds, `*` as a suffix wildcard). Staff keys and
above only; heartbeats keep proxies from closing idle streams. The tool scrubs payloads: phone
numbers, tokens, codes and links never reach a listener, and sign-in events are not read out.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aitickets.errors import Forbidden, InvalidInput, Unauthorized
from aitickets.parsing import whole_number
from tools.common import MAX_ID
from tools.context import Actor
from tools.runner import ToolRunner
from tools.stream import DomainEventOut

if TYPE_CHECKING:  # sse_starlette is imported on first use: the server start stays fast
    from sse_starlette import ServerSentEvent

BATCH = 200
MAX_TYPES = 20


@dataclass(frozen=True)
class StreamFilter:
    event_id: int | None = None
    kinds: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()

    def wants(self, kind: str) -> bool:
        if not self.kinds and not self.prefixes:
            return True
        return kind in self.kinds or kind.startswith(self.prefixes)

    @classmethod
    def from_query(cls, request: Request) -> StreamFilter:
        params = request.query_params
        event_id = None
        if raw := params.get("event_id"):
            event_id = whole_number(raw, below=MAX_ID + 1)
            if not event_id:
                raise InvalidInput("event_id: must be a positive whole number.")
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
    cursor = whole_number(raw, below=MAX_ID + 1)
    if cursor is None:
        raise InvalidInput("Last-Event-ID: must be the id of an event this stream sent.")
    return cursor


def to_sse(event: DomainEventOut) -> ServerSentEvent:
    from sse_starlette import ServerSentEvent

    return ServerSentEvent(data=event.model_dump_json(), id=str(event.id), event=event.kind)


async def stream(
    runner: ToolRunner,
    actor: Actor,
    filt: StreamFilter,
    cursor: int | None,
    *,
    poll: float,
    max_seconds: float,
) -> AsyncIterator[ServerSentEvent]:
    """Events after `cursor` (default: from now on) that pass `filt`, until `max_seconds`."""
    from sse_starlette import ServerSentEvent

    deadline = time.monotonic() + max_seconds
    yield ServerSentEvent(comment="stream open", retry=int(poll * 1000) + 1000)
    if cursor is None:
        cursor = (await runner.call("read_domain_events", {}, actor)).last_id
    while True:
        arguments = {"after_id": cursor, "event_id": filt.event_id, "limit": BATCH}
        page = await runner.call("read_domain_events", arguments, actor)
        cursor = page.last_id
        for event in page.events:
            if filt.wants(event.kind):
                yield to_sse(event)
        if not page.more:
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
    cursor = _cursor_from(request)
    settings = request.app.state.settings
    return EventSourceResponse(
        stream(
            request.app.state.runner,
            actor,
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
