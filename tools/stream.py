"""The domain-event log, read after a cursor: what `GET /events/stream` sends, and what any
staff client may page through. Payloads leave scrubbed: phone numbers, tokens, codes and links
never reach a reader, and sign-in events are not read out at all."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy import func, select

from persistence.models import DomainEvent

from .common import MAX_ID, Id, In, Out
from .context import ToolContext
from .registry import HttpRoute, tool

# Kinds about signing in (magic links, one-time codes) carry secrets by nature.
SECRET_KINDS = re.compile(r"magic|login|otp|auth\.|session|dashboard_code|password", re.I)
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


class ReadDomainEventsIn(In):
    after_id: int | None = Field(
        default=None, ge=0, le=MAX_ID, description="cursor; none: just tell me the latest id"
    )
    event_id: Id | None = Field(default=None, description="only events about this show")
    limit: int = Field(default=200, ge=1, le=500)


class DomainEventOut(Out):
    id: int
    kind: str
    event_id: int | None
    actor: str
    at: datetime
    payload: dict[str, Any]


class ReadDomainEventsOut(Out):
    events: list[DomainEventOut]
    last_id: int = Field(description="the cursor to continue from")
    more: bool = Field(description="a full page was read: ask again at once")


@tool(
    category="events",
    role="staff",
    read_only=True,
    examples=["what happened since event 120", "show the latest activity for Jazz Night"],
    http=HttpRoute("GET", "/api/domain-events"),
)
async def read_domain_events(ctx: ToolContext, args: ReadDomainEventsIn) -> ReadDomainEventsOut:
    """Domain events (ticket.purchased, ticket.checked_in, event.updated, …) after a cursor, in
    order, optionally for one show; without a cursor, only the latest id to start from."""
    if args.after_id is None:
        latest = await ctx.session.scalar(select(func.max(DomainEvent.id)))
        return ReadDomainEventsOut(events=[], last_id=int(latest or 0), more=False)
    query = (
        select(DomainEvent)
        .where(DomainEvent.id > args.after_id)
        .order_by(DomainEvent.id)
        .limit(args.limit)
    )
    if args.event_id is not None:
        query = query.where(DomainEvent.event_id == args.event_id)
    rows = (await ctx.session.scalars(query)).all()
    events = [
        DomainEventOut(
            id=row.id,
            kind=row.kind,
            event_id=row.event_id,
            actor=row.actor,
            at=row.created_at,
            payload=scrub(row.payload or {}),
        )
        for row in rows
        if not SECRET_KINDS.search(row.kind)
    ]
    return ReadDomainEventsOut(
        events=events,
        last_id=rows[-1].id if rows else args.after_id,
        more=len(rows) == args.limit,
    )
