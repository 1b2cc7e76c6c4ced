"""Notifications that follow from domain events: a confirmation with ticket links after every
purchase; the event's update, postponement or cancellation to every holder, once (dedupe keys);
and auto-reminders N hours before an event (per event, default 24), scheduled as durable jobs
so they survive restarts and are never sent twice."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from pydantic import Field
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from aitickets.errors import InvalidInput
from aitickets.settings import Settings
from integrations import jobs
from integrations.jobs import Clock, JobRun
from persistence.models import (
    Customer,
    DomainEvent,
    Event,
    Job,
    Message,
    Order,
    ReminderSetting,
    Ticket,
    TicketTier,
    Venue,
)

from . import message_templates as tpl
from .common import Id, In, Out, get_or_404
from .context import Actor, ToolContext
from .messages import queue_message
from .registry import HttpRoute, tool
from .site import org_name
from .voice import speaks

SYSTEM = Actor(name="notifications", role="admin")
REMIND = "reminder.send"
HOLDING = ("valid", "checked_in")
SCHEDULE_AHEAD = timedelta(days=120)


def system_context(session: AsyncSession, settings: Settings, clock: Clock) -> ToolContext:
    return ToolContext(session, SYSTEM, settings, clock)


def ticket_link(settings: Settings, access_token: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}/my-tickets/{access_token}"


async def queue_once(ctx: ToolContext, *, dedupe_key: str, **fields: Any) -> Message | None:
    """queue_message unless a message with this dedupe key exists (then None)."""
    exists = await ctx.session.scalar(select(Message.id).where(Message.dedupe_key == dedupe_key))
    if exists is not None:
        return None
    message = queue_message(ctx, dedupe_key=dedupe_key, **fields)
    await ctx.session.flush()
    return message


async def notify_person(
    ctx: ToolContext,
    customer: Customer,
    rendered: tpl.Rendered,
    *,
    template: str,
    key: str,
    event_id: int | None,
) -> int:
    """Email (when there is an address) and SMS (when they opted in); returns how many queued.
    Email opt-outs are recorded as `skipped` by the sender, so the outbox shows the decision."""
    queued = 0
    common = {"template": template, "customer_id": customer.id, "event_id": event_id}
    if customer.email:
        sent = await queue_once(
            ctx,
            dedupe_key=f"{key}:email",
            channel="email",
            to=customer.email,
            subject=rendered.subject,
            body=rendered.email,
            **common,
        )
        queued += sent is not None
    if customer.phone and customer.sms_opt_in and not customer.preferences.get("do_not_call"):
        sent = await queue_once(
            ctx,
            dedupe_key=f"{key}:sms",
            channel="sms",
            to=customer.phone,
            body=rendered.sms,
            **common,
        )
        queued += sent is not None
    return queued


async def holders(
    session: AsyncSession, event_id: int, statuses: tuple[str, ...] = HOLDING
) -> list[tuple[Customer, str]]:
    """Each distinct customer holding a ticket of the event, with one of their order links."""
    rows = (
        await session.execute(
            select(Customer, Order.access_token)
            .join(Ticket, Ticket.customer_id == Customer.id)
            .join(Order, Order.id == Ticket.order_id)
            .where(Ticket.event_id == event_id, Ticket.status.in_(statuses))
            .order_by(Customer.id, Order.id)
        )
    ).all()
    seen: dict[int, tuple[Customer, str]] = {}
    for customer, token in rows:
        seen.setdefault(customer.id, (customer, token))
    return list(seen.values())


async def _event_and_venue(session: AsyncSession, event_id: int) -> tuple[Event, Venue] | None:
    row = (
        await session.execute(
            select(Event, Venue).join(Venue, Venue.id == Event.venue_id).where(Event.id == event_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


# --- reacting to domain events ----------------------------------------------------------------


@jobs.consumer("notifications", kinds={"ticket.purchased", "event.created", "event.updated"})
async def on_domain_event(
    session: AsyncSession, event: DomainEvent, settings: Settings, clock: Clock
) -> None:
    ctx = system_context(session, settings, clock)
    payload = event.payload or {}
    if event.kind == "ticket.purchased":
        await _confirmation(ctx, payload)
    elif event.kind == "event.created" and event.event_id:
        await schedule_reminder(session, event.event_id, settings, clock())
    elif event.kind == "event.updated" and event.event_id:
        await _event_changed(ctx, event)


async def _confirmation(ctx: ToolContext, payload: dict[str, Any], key: str = "") -> int:
    order = await ctx.session.get(Order, payload.get("order_id") or 0)
    if order is None:
        return 0
    customer = await ctx.session.get(Customer, order.customer_id)
    found = await _event_and_venue(ctx.session, order.event_id)
    tier = await ctx.session.get(TicketTier, payload.get("tier_id") or 0)
    if customer is None or found is None:
        return 0
    event, venue = found
    link = ticket_link(ctx.settings, order.access_token)
    ids = [int(i) for i in payload.get("ticket_ids") or []]
    rendered = tpl.confirmation(
        org=await org_name(ctx.session, ctx.settings),
        name=customer.name,
        event=event.name,
        when=tpl.local_time(event.starts_at, venue.timezone),
        venue=venue.name,
        tier=tier.name if tier else "ticket",
        count=len(ids) or int(payload.get("quantity") or 1),
        link=link,
        ticket_links=[f"{link}/tickets/{i}.pdf" for i in ids],
    )
    return await notify_person(
        ctx,
        customer,
        rendered,
        template="confirmation",
        key=key or f"confirmation:{order.id}",
        event_id=event.id,
    )


async def _event_changed(ctx: ToolContext, domain: DomainEvent) -> None:
    payload = domain.payload or {}
    changes = set(payload.get("changes") or [])
    found = await _event_and_venue(ctx.session, domain.event_id or 0)
    if found is None:
        return
    event, venue = found
    org = await org_name(ctx.session, ctx.settings)
    when = tpl.local_time(event.starts_at, venue.timezone)
    if payload.get("status") == "cancelled":
        # Cancelling refunds the tickets first, so refunded holders are holders here.
        for customer, _token in await holders(ctx.session, event.id, (*HOLDING, "refunded")):
            rendered = tpl.cancellation(org=org, name=customer.name, event=event.name, when=when)
            await notify_person(
                ctx,
                customer,
                rendered,
                template="cancellation",
                key=f"cancelled:{event.id}:{customer.id}",
                event_id=event.id,
            )
        return
    if payload.get("postponed"):
        moved = event.status != "postponed"
        for customer, token in await holders(ctx.session, event.id):
            rendered = tpl.postponement(
                org=org,
                name=customer.name,
                event=event.name,
                when=when if moved else None,
                reason=payload.get("reason"),
                link=ticket_link(ctx.settings, token),
            )
            await notify_person(
                ctx,
                customer,
                rendered,
                template="postponement",
                key=f"postponed:{domain.id}:{customer.id}",
                event_id=event.id,
            )
    elif changes & {"starts_at", "ends_at", "venue_id"}:
        for customer, token in await holders(ctx.session, event.id):
            rendered = tpl.event_update(
                org=org,
                name=customer.name,
                event=event.name,
                when=when,
                venue=venue.name,
                link=ticket_link(ctx.settings, token),
            )
            await notify_person(
                ctx,
                customer,
                rendered,
                template="event_update",
                key=f"updated:{domain.id}:{customer.id}",
                event_id=event.id,
            )
    if changes & {"starts_at", "status"}:
        await schedule_reminder(ctx.session, event.id, ctx.settings, ctx.now())


# --- auto-reminders ---------------------------------------------------------------------------


def _reminder_key(event_id: int, starts_at: datetime) -> str:
    return f"reminder:{event_id}:{starts_at.isoformat()}"


async def _setting(session: AsyncSession, event_id: int, settings: Settings) -> tuple[int, bool]:
    row = await session.get(ReminderSetting, event_id)
    return (row.hours_before, row.enabled) if row else (settings.reminder_hours, True)


async def schedule_reminder(
    session: AsyncSession, event_id: int, settings: Settings, now: datetime
) -> datetime | None:
    """Queue (or move) the reminder job of the event's current date; returns when it runs."""
    event = await session.get(Event, event_id)
    if event is None or event.status != "scheduled" or event.starts_at <= now:
        return None
    hours, enabled = await _setting(session, event_id, settings)
    key = _reminder_key(event.id, event.starts_at)
    if not enabled:
        await session.execute(delete(Job).where(Job.dedupe_key == key, Job.status == "queued"))
        return None
    run_at = max(event.starts_at - timedelta(hours=hours), now)
    payload = {"event_id": event.id, "starts_at": event.starts_at.isoformat()}
    if await jobs.enqueue(session, REMIND, payload, now=now, run_at=run_at, dedupe_key=key):
        return run_at
    moved = await session.execute(
        update(Job).where(Job.dedupe_key == key, Job.status == "queued").values(run_at=run_at)
    )
    return run_at if moved.rowcount else None  # type: ignore[attr-defined]


@jobs.handler(REMIND)
async def send_reminders(run: JobRun) -> None:
    """Remind every holder, unless the event moved, was cancelled or has begun."""
    async with run.db.unit_of_work() as session:
        ctx = system_context(session, run.settings, run.clock)
        found = await _event_and_venue(session, int(run.payload["event_id"]))
        if found is None:
            return
        event, venue = found
        if (
            event.status != "scheduled"
            or event.starts_at.isoformat() != run.payload["starts_at"]
            or event.starts_at <= ctx.now()
            or not (await _setting(session, event.id, run.settings))[1]
        ):
            return
        when = tpl.local_time(event.starts_at, venue.timezone)
        org = await org_name(session, run.settings)
        for customer, token in await holders(session, event.id):
            rendered = tpl.reminder(
                org=org,
                name=customer.name,
                event=event.name,
                when=when,
                venue=venue.name,
                link=ticket_link(run.settings, token),
            )
            await notify_person(
                ctx,
                customer,
                rendered,
                template="reminder",
                event_id=event.id,
                key=f"reminder:{event.id}:{run.payload['starts_at']}:{customer.id}",
            )


@jobs.periodic("reminders.schedule", every_seconds=300)
async def schedule_upcoming(db: Any, settings: Settings, clock: Clock) -> int:
    """Events made before the worker ran (or by the seed) get their reminder jobs too."""
    now = clock()
    async with db.unit_of_work() as session:
        ids = (
            await session.scalars(
                select(Event.id).where(
                    Event.status == "scheduled",
                    Event.starts_at > now,
                    Event.starts_at < now + SCHEDULE_AHEAD,
                )
            )
        ).all()
        for event_id in ids:
            await schedule_reminder(session, event_id, settings, now)
    return len(ids)


class ConfigureAutoReminderIn(In):
    event_id: Id
    hours_before: int = Field(default=24, ge=1, le=720, description="Hours before the start.")
    enabled: bool = True


class AutoReminderOut(Out):
    event_id: int
    hours_before: int
    enabled: bool
    runs_at: datetime | None = Field(description="When the reminder goes out; null if it won't.")


@tool(
    category="notifications",
    role="staff",
    idempotent=True,
    examples=["remind ticket holders 48 hours before jazz night", "turn off reminders for 12"],
    http=HttpRoute("PUT", "/api/events/{event_id}/reminder"),
    voice=speaks(
        say=lambda d, a, s: (
            f"{s.event_name(d['event_id'])} ticket holders get a reminder "
            f"{d['hours_before']} hours before it starts."
            if d.get("enabled")
            else f"No reminder for {s.event_name(d['event_id'])}."
        ),
        slots={"hours_before": "hours_before"},
    ),
)
async def configure_auto_reminder(
    ctx: ToolContext, args: ConfigureAutoReminderIn
) -> AutoReminderOut:
    """Set how many hours before an event its holders get an automatic reminder (default 24),
    or turn the reminder off. Each date of an event is reminded at most once."""
    await get_or_404(ctx.session, Event, args.event_id, "event")
    row = await ctx.session.get(ReminderSetting, args.event_id)
    if row is None:
        row = ReminderSetting(event_id=args.event_id)
        ctx.session.add(row)
    row.hours_before, row.enabled, row.updated_at = args.hours_before, args.enabled, ctx.now()
    await ctx.session.flush()
    runs_at = await schedule_reminder(ctx.session, args.event_id, ctx.settings, ctx.now())
    return AutoReminderOut(
        event_id=args.event_id,
        hours_before=row.hours_before,
        enabled=row.enabled,
        runs_at=runs_at,
    )


class ResendTicketsIn(In):
    order_id: Id


class ResendTicketsOut(Out):
    order_id: int
    messages_queued: int = Field(description="an email and, when the buyer takes texts, an SMS")


@tool(
    category="notifications",
    role="staff",
    examples=["resend order 12's tickets", "send Ann her tickets again"],
    http=HttpRoute("POST", "/api/orders/{order_id}/resend", 201),
)
async def resend_tickets(ctx: ToolContext, args: ResendTicketsIn) -> ResendTicketsOut:
    """Send an order's confirmation again (its ticket link and PDFs) to the buyer's email, and
    by SMS when they take texts; for a buyer who lost the first one."""
    order = await get_or_404(ctx.session, Order, args.order_id, "order")
    tickets = (
        await ctx.session.scalars(
            select(Ticket).where(Ticket.order_id == order.id, Ticket.status.in_(HOLDING))
        )
    ).all()
    if not tickets:
        raise InvalidInput(f"Order {order.id} has no valid tickets to send.", code="no_tickets")
    payload = {
        "order_id": order.id,
        "tier_id": tickets[0].tier_id,
        "ticket_ids": [t.id for t in tickets],
        "quantity": len(tickets),
    }
    # A fresh key each time: a resend is asked for on purpose, so it is never deduplicated.
    key = f"resend:{order.id}:{secrets.token_hex(6)}"
    queued = await _confirmation(ctx, payload, key=key)
    if not queued:
        raise InvalidInput(
            f"Order {order.id}'s buyer has no email or phone to send to.", code="no_contact"
        )
    ctx.emit("order.tickets_resent", {"order_id": order.id, "messages": queued})
    return ResendTicketsOut(order_id=order.id, messages_queued=queued)
