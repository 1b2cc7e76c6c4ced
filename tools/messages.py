"""The message outbox: queue an email or SMS in the caller's unit of work, and let admins read
what was sent (or would have been, with no provider configured)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field
from sqlalchemy import select

from persistence.models import Message

from .common import Id, Out, Page
from .context import ToolContext
from .registry import HttpRoute, tool

Channel = Literal["email", "sms"]


def queue_message(
    ctx: ToolContext,
    *,
    channel: Channel,
    to: str,
    body: str,
    template: str,
    subject: str = "",
    customer_id: int | None = None,
    event_id: int | None = None,
    dedupe_key: str | None = None,
) -> Message:
    """Add a message to the outbox; it commits (or not) with the caller's change. Delivery runs
    after commit, so a slow provider never holds a transaction."""
    message = Message(
        channel=channel,
        to_address=to,
        subject=subject,
        body=body,
        template=template,
        customer_id=customer_id,
        event_id=event_id,
        dedupe_key=dedupe_key,
        created_at=ctx.now(),
    )
    ctx.session.add(message)
    return message


class ListMessagesIn(Page):
    status: Literal["queued", "sent", "failed", "skipped"] | None = None
    channel: Channel | None = None
    customer_id: Id | None = None
    event_id: Id | None = None


class MessageOut(Out):
    id: int
    channel: str
    to_address: str
    subject: str
    body: str
    template: str
    status: str
    attempts: int
    last_error: str | None
    provider: str | None
    customer_id: int | None
    event_id: int | None
    created_at: datetime
    sent_at: datetime | None


class ListMessagesOut(Out):
    messages: list[MessageOut] = Field(default_factory=list)


@tool(
    category="notifications",
    role="admin",
    read_only=True,
    examples=["show the last messages we sent", "did John's confirmation email go out"],
    http=HttpRoute("GET", "/api/messages"),
)
async def list_messages(ctx: ToolContext, args: ListMessagesIn) -> ListMessagesOut:
    """The message outbox, newest first: every email and SMS with its delivery state."""
    query = select(Message).order_by(Message.id.desc()).limit(args.limit).offset(args.offset)
    for column, value in (
        (Message.status, args.status),
        (Message.channel, args.channel),
        (Message.customer_id, args.customer_id),
        (Message.event_id, args.event_id),
    ):
        if value is not None:
            query = query.where(column == value)
    rows = (await ctx.session.scalars(query)).all()
    return ListMessagesOut(messages=[MessageOut.model_validate(m) for m in rows])
