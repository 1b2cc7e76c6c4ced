"""The message outbox: queue an email or SMS in the caller's unit of work, deliver it from the
jobs table (Resend, Twilio, or the console when no key is configured) with retries, and let
admins read every message's delivery state.

A message leaves `queued` only as `sent`, `skipped` (the person opted out) or `failed` (the
provider refused it, or every attempt failed): a provider that times out or answers 5xx leaves
it queued for the next attempt, so nothing is lost."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator
from sqlalchemy import String, cast, literal, select, update

from aitickets.errors import Conflict
from aitickets.settings import Settings
from integrations import email, jobs, sms
from integrations.jobs import Clock, JobRun, Retry
from persistence.db import Database
from persistence.models import Customer, Job, Message

from .common import Id, In, Out, Page, get_or_404
from .context import ToolContext
from .registry import HttpRoute, tool
from .voice import speaks

Channel = Literal["email", "sms"]
SEND = "message.send"
MAX_ATTEMPTS = 6
# Messages that carry a sign-in secret (a one-time code, a magic link): delivered as written, but
# the outbox listing never shows their body, so that reading the outbox is not signing in.
SECRET_TEMPLATES = frozenset({"dashboard_code"})
REDACTED = "[not shown: this message carries a one-time sign-in code]"


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

    @model_validator(mode="after")
    def _redact(self) -> MessageOut:
        if self.template in SECRET_TEMPLATES:
            self.body = REDACTED
        return self


class ListMessagesOut(Out):
    messages: list[MessageOut] = Field(default_factory=list)


@tool(
    category="notifications",
    role="admin",
    read_only=True,
    examples=["show the last messages we sent", "did John's confirmation email go out"],
    http=HttpRoute("GET", "/api/messages"),
    voice=speaks(
        "messages we sent|did the email go out|email go out|last messages|outbox", "message email"
    ),
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


# --- delivery ---------------------------------------------------------------------------------


def opted_out(customer: Customer | None, channel: str) -> str | None:
    """Why this person must not get this message, or None."""
    if customer is None:
        return None
    if channel == "email" and not customer.email_opt_in:
        return "opted out of email"
    if channel == "sms":
        if (customer.preferences or {}).get("do_not_call"):
            return "asked not to be contacted by phone"
        if not customer.sms_opt_in:
            return "has not opted in to SMS"
    return None


async def _finish(db: Database, message_id: int, **values: object) -> None:
    async with db.unit_of_work() as session:
        await session.execute(
            update(Message)
            .where(Message.id == message_id)
            .values(attempts=Message.attempts + 1, **values)
        )


async def _mark_failed(run: JobRun, error: str) -> None:
    async with run.db.unit_of_work() as session:
        await session.execute(
            update(Message)
            .where(Message.id == run.payload["message_id"], Message.status == "queued")
            .values(status="failed", last_error=error)
        )


@jobs.handler(SEND, on_dead=_mark_failed)
async def deliver_message(run: JobRun) -> None:
    async with run.db.sessions() as session:
        message = await session.get(Message, run.payload["message_id"])
        customer = (
            await session.get(Customer, message.customer_id)
            if message is not None and message.customer_id
            else None
        )
    if message is None or message.status != "queued":
        return
    reason = opted_out(customer, message.channel)
    if reason:
        await _finish(run.db, message.id, status="skipped", last_error=f"not sent: {reason}")
        return
    name = (email if message.channel == "email" else sms).provider_name(run.settings)
    try:
        if message.channel == "email":
            sent = await email.send_email(
                run.settings,
                to=message.to_address,
                subject=message.subject,
                body=message.body,
                idempotency_key=f"message-{message.id}",
            )
        else:
            sent = await sms.send_sms(run.settings, to=message.to_address, body=message.body)
    except email.DeliveryFailed as exc:
        if exc.permanent:
            await _finish(run.db, message.id, status="failed", last_error=str(exc), provider=name)
            return
        await _finish(run.db, message.id, last_error=str(exc), provider=name)
        raise Retry(str(exc)) from None
    except Exception as exc:  # timeouts and anything unforeseen: try again later
        await _finish(run.db, message.id, last_error=f"{type(exc).__name__}: {exc}", provider=name)
        raise Retry(str(exc)) from None
    await _finish(
        run.db,
        message.id,
        status="sent",
        provider=sent.provider,
        provider_ref=sent.ref,
        sent_at=run.clock(),
        last_error=None,
    )


async def _to_console(settings: Settings, message: Message, customer: Customer | None) -> None:
    """Deliver to the log (no provider configured for the channel): nothing leaves the
    process, so it happens in place, with the same opt-out rules as a real send."""
    reason = opted_out(customer, message.channel)
    message.attempts += 1
    if reason:
        message.status, message.last_error = "skipped", f"not sent: {reason}"
        return
    if message.channel == "email":
        sent = await email.send_email(
            settings,
            to=message.to_address,
            subject=message.subject,
            body=message.body,
            idempotency_key=f"message-{message.id}",
        )
    else:
        sent = await sms.send_sms(settings, to=message.to_address, body=message.body)
    message.status, message.provider, message.last_error = "sent", sent.provider, None


@jobs.periodic("messages.enqueue", every_seconds=0)
async def enqueue_queued_messages(db: Database, settings: Settings, clock: Clock) -> int:
    """Give every queued message without a delivery job one (messages are queued by many
    modules in their own transactions; this is where they meet the jobs table). Messages for a
    channel with no provider go to the log here, in bulk: a job apiece would only add
    transactions, and on SQLite the door's check-ins wait behind each one."""
    console = {
        channel
        for channel, provider in (("email", email), ("sms", sms))
        if provider.provider_name(settings) == "console"
    }
    key = literal("message:") + cast(Message.id, String)
    async with db.unit_of_work() as session:
        rows = (
            await session.execute(
                select(Message, Customer)
                .outerjoin(Customer, Customer.id == Message.customer_id)
                .where(
                    Message.status == "queued",
                    ~select(Job.id).where(Job.dedupe_key == key).exists(),
                )
                .order_by(Message.id)
                .limit(200)
            )
        ).all()
        for message, customer in rows:
            if message.channel in console:
                await _to_console(settings, message, customer)
                message.sent_at = clock() if message.status == "sent" else None
                continue
            await jobs.enqueue(
                session,
                SEND,
                {"message_id": message.id},
                now=clock(),
                dedupe_key=f"message:{message.id}",
                max_attempts=MAX_ATTEMPTS,
            )
    return len(rows)


class RetryMessageIn(In):
    message_id: Id


@tool(
    category="notifications",
    role="admin",
    examples=["try sending message 12 again"],
    http=HttpRoute("POST", "/api/messages/{message_id}/retry"),
)
async def retry_message(ctx: ToolContext, args: RetryMessageIn) -> MessageOut:
    """Put a failed message back in the queue for another round of delivery attempts."""
    message = await get_or_404(ctx.session, Message, args.message_id, "message")
    if message.status != "failed":
        raise Conflict(f"Message {message.id} is {message.status}; only failed ones are retried.")
    message.status = "queued"
    await ctx.session.execute(
        update(Job)
        .where(Job.dedupe_key == f"message:{message.id}")
        .values(status="queued", attempts=0, run_at=ctx.now(), last_error=None)
    )
    await ctx.session.flush()
    return MessageOut.model_validate(message)
