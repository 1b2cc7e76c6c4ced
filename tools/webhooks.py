"""Outbound webhooks: subscriptions per event kind (or `*`), a signed delivery of every matching
domain event through the jobs table (retried with backoff), a log of every attempt, a test ping.

Every change is a domain event whichever surface made it (REST, MCP, voice, the website), so
every change reaches subscribers. Targets that are not globally routable (private, loopback,
link-local, shared, metadata …) are refused unless AITICKETS_WEBHOOK_ALLOW_PRIVATE=1, and each
delivery connects to the address it checked (integrations/webhook_http.py).
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from aitickets.errors import InvalidInput, NotFound
from aitickets.settings import Settings
from integrations import jobs, webhook_http
from integrations.jobs import Clock, JobRun, Retry
from persistence.models import DomainEvent, WebhookAttempt, WebhookDelivery, WebhookSubscription

from .common import Id, In, Out, Page
from .context import ToolContext
from .registry import HttpRoute, tool
from .voice import speaks

DELIVER = "webhook.deliver"
MAX_ATTEMPTS = 8  # with the default 30 s base: retries over about an hour
EventKind = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^(\*|[a-z_]+(\.[a-z_*]+)*)$")
]


class RegisterWebhookIn(In):
    url: str = Field(min_length=8, max_length=2000, description="Where to POST, http(s)://…")
    events: list[EventKind] = Field(
        default_factory=lambda: ["*"],
        min_length=1,
        max_length=50,
        description='Event kinds such as "ticket.purchased", or "*" for everything.',
    )
    description: str = Field(default="", max_length=300)
    secret: str | None = Field(
        default=None, min_length=16, max_length=100, description="Generated when not given."
    )


class WebhookOut(Out):
    id: int
    url: str
    events: list[str]
    description: str
    active: bool
    created_at: datetime


class RegisterWebhookOut(WebhookOut):
    secret: str = Field(description="Verify X-AITickets-Signature with it; shown once.")


class ListWebhooksOut(Out):
    webhooks: list[WebhookOut]


class WebhookRef(In):
    webhook_id: Id


class DeliveriesIn(Page):
    webhook_id: Id


class AttemptOut(Out):
    number: int
    status_code: int | None
    error: str | None
    duration_ms: int
    created_at: datetime


class DeliveryOut(Out):
    id: int
    delivery_key: str
    event_kind: str
    domain_event_id: int | None
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptOut] = Field(default_factory=list)


class DeliveriesOut(Out):
    webhook_id: int
    deliveries: list[DeliveryOut]


class DeleteWebhookOut(Out):
    id: int
    url: str
    deleted: bool = True


# --- the work ---------------------------------------------------------------------------------


def matches(subscribed: list[str], kind: str) -> bool:
    """ "*" matches all; "ticket.*" every ticket event; otherwise the exact kind."""
    for pattern in subscribed:
        if pattern == "*" or pattern == kind:
            return True
        if pattern.endswith(".*") and kind.startswith(pattern[:-1]):
            return True
    return False


def _body(
    delivery_key: str, kind: str, event_id: int | None, data: dict[str, Any], created_at: datetime
) -> str:
    return json.dumps(
        {
            "id": delivery_key,
            "type": kind,
            "created_at": created_at.isoformat(),
            "event_id": event_id,
            "data": data,
        },
        separators=(",", ":"),
        sort_keys=True,
        default=str,
    )


async def _add_delivery(
    session: AsyncSession,
    sub: WebhookSubscription,
    *,
    kind: str,
    domain_event_id: int | None,
    body_of: Any,
    now: datetime,
) -> WebhookDelivery:
    key = str(uuid.uuid4())
    delivery = WebhookDelivery(
        subscription_id=sub.id,
        delivery_key=key,
        domain_event_id=domain_event_id,
        event_kind=kind,
        body=body_of(key),
        created_at=now,
    )
    session.add(delivery)
    await session.flush()
    await jobs.enqueue(
        session,
        DELIVER,
        {"delivery_id": delivery.id},
        now=now,
        dedupe_key=f"webhook:{delivery.id}",
        max_attempts=MAX_ATTEMPTS,
    )
    return delivery


async def _subscribed(session: AsyncSession) -> Callable[[str], bool]:
    """The kinds someone has subscribed to, read once per dispatch batch."""
    subs = (
        await session.scalars(select(WebhookSubscription).where(WebhookSubscription.active))
    ).all()
    session.info["active_webhooks"] = subs
    return lambda kind: any(matches(sub.events, kind) for sub in subs)


@jobs.consumer("webhooks", wants=_subscribed)
async def fan_out(
    session: AsyncSession, event: DomainEvent, settings: Settings, clock: Clock
) -> None:
    # Loaded once per dispatch batch (the batch's session), not once per event.
    subs = session.info.get("active_webhooks")
    if subs is None:
        subs = (
            await session.scalars(select(WebhookSubscription).where(WebhookSubscription.active))
        ).all()
        session.info["active_webhooks"] = subs
    for sub in subs:
        if matches(sub.events, event.kind):
            await _add_delivery(
                session,
                sub,
                kind=event.kind,
                domain_event_id=event.id,
                body_of=lambda key, e=event: _body(
                    key, e.kind, e.event_id, e.payload, e.created_at
                ),
                now=clock(),
            )


@jobs.handler(DELIVER, on_dead=lambda run, error: _give_up(run, error))
async def deliver(run: JobRun) -> None:
    async with run.db.sessions() as session:
        found = (
            await session.execute(
                select(WebhookDelivery, WebhookSubscription)
                .join(WebhookSubscription)
                .where(WebhookDelivery.id == run.payload["delivery_id"])
            )
        ).first()
    if found is None:
        return  # the subscription was deleted: nothing left to deliver
    delivery, sub = found
    if delivery.status == "delivered" or not sub.active:
        return
    try:
        target = await webhook_http.pin_target(
            sub.url,
            allow_private=run.settings.webhook_allow_private,
            timeout_s=run.settings.webhook_timeout_seconds,
        )
    except webhook_http.UnsafeTarget as exc:
        result = webhook_http.PostResult(None, str(exc), 0)
    else:
        result = await webhook_http.post(
            target,
            delivery.body.encode(),
            secret=sub.secret,
            event=delivery.event_kind,
            delivery=delivery.delivery_key,
            timeout_s=run.settings.webhook_timeout_seconds,
        )
    now = run.clock()
    async with run.db.unit_of_work() as session:
        session.add(
            WebhookAttempt(
                delivery_id=delivery.id,
                number=run.attempt,
                status_code=result.status_code,
                error=result.error,
                duration_ms=result.duration_ms,
                created_at=now,
            )
        )
        values: dict[str, Any] = {
            "attempts": WebhookDelivery.attempts + 1,
            "last_status_code": result.status_code,
            "last_error": None if result.ok else (result.error or f"HTTP {result.status_code}"),
        }
        if result.ok:
            values.update(status="delivered", delivered_at=now)
        await session.execute(
            update(WebhookDelivery).where(WebhookDelivery.id == delivery.id).values(**values)
        )
    if not result.ok:
        raise Retry(result.error or f"the receiver answered HTTP {result.status_code}")


async def _give_up(run: JobRun, error: str) -> None:
    async with run.db.unit_of_work() as session:
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == run.payload["delivery_id"])
            .values(status="failed")
        )


# --- tools ------------------------------------------------------------------------------------


async def _subscription(ctx: ToolContext, webhook_id: int) -> WebhookSubscription:
    sub = await ctx.session.get(WebhookSubscription, webhook_id)
    if sub is None:
        raise NotFound(f"No webhook with id {webhook_id}.", id=webhook_id)
    return sub


@tool(
    category="webhooks",
    role="admin",
    examples=["send ticket sales to https://hooks.example.com/sales", "add a webhook"],
    http=HttpRoute("POST", "/api/webhooks/outbound", 201),
    voice=speaks(slots={"events": "webhook_events"}),
)
async def register_webhook(ctx: ToolContext, args: RegisterWebhookIn) -> RegisterWebhookOut:
    """Subscribe a URL to domain events (kinds like "ticket.purchased", "event.*", or "*").
    Each delivery is signed with the returned secret (X-AITickets-Signature: t=…,v1=HMAC-SHA256
    of "<t>.<body>") and retried with backoff until the receiver answers 2xx."""
    try:
        await webhook_http.check_target(args.url, allow_private=ctx.settings.webhook_allow_private)
    except webhook_http.UnsafeTarget as exc:
        raise InvalidInput(str(exc), code="unsafe_url") from None
    sub = WebhookSubscription(
        url=args.url,
        events=sorted(set(args.events)),
        secret=args.secret or "whsec_" + secrets.token_urlsafe(24),
        description=args.description,
        created_at=ctx.now(),
    )
    ctx.session.add(sub)
    await ctx.session.flush()
    return RegisterWebhookOut(**WebhookOut.model_validate(sub).model_dump(), secret=sub.secret)


@tool(
    category="webhooks",
    role="admin",
    read_only=True,
    examples=["list the webhooks"],
    http=HttpRoute("GET", "/api/webhooks/outbound"),
)
async def list_webhooks(ctx: ToolContext, args: Page) -> ListWebhooksOut:
    """The outbound webhook subscriptions: URL, event kinds, whether active (never the secret)."""
    rows = (
        await ctx.session.scalars(
            select(WebhookSubscription)
            .order_by(WebhookSubscription.id)
            .limit(args.limit)
            .offset(args.offset)
        )
    ).all()
    return ListWebhooksOut(webhooks=[WebhookOut.model_validate(r) for r in rows])


@tool(
    category="webhooks",
    role="admin",
    destructive=True,
    examples=["delete webhook 3", "stop sending to the sales hook"],
    http=HttpRoute("DELETE", "/api/webhooks/outbound/{webhook_id}"),
)
async def delete_webhook(ctx: ToolContext, args: WebhookRef) -> DeleteWebhookOut:
    """Delete a webhook subscription and its delivery log; pending deliveries are dropped."""
    sub = await _subscription(ctx, args.webhook_id)
    out = DeleteWebhookOut(id=sub.id, url=sub.url)
    ids = select(WebhookDelivery.id).where(WebhookDelivery.subscription_id == sub.id)
    await ctx.session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids)))
    await ctx.session.execute(
        delete(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)
    )
    await ctx.session.delete(sub)
    return out


@tool(
    category="webhooks",
    role="admin",
    read_only=True,
    examples=["did the sales webhook get through", "show deliveries of webhook 2"],
    http=HttpRoute("GET", "/api/webhooks/outbound/{webhook_id}/deliveries"),
)
async def get_webhook_deliveries(ctx: ToolContext, args: DeliveriesIn) -> DeliveriesOut:
    """A webhook's deliveries, newest first, each with every attempt's HTTP status or error."""
    await _subscription(ctx, args.webhook_id)
    rows = (
        await ctx.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == args.webhook_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(args.limit)
            .offset(args.offset)
        )
    ).all()
    attempts = (
        await ctx.session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_([r.id for r in rows]))
            .order_by(WebhookAttempt.id)
        )
    ).all()
    log: dict[int, list[AttemptOut]] = {}
    for attempt in attempts:
        log.setdefault(attempt.delivery_id, []).append(AttemptOut.model_validate(attempt))
    return DeliveriesOut(
        webhook_id=args.webhook_id,
        deliveries=[
            DeliveryOut.model_validate(r).model_copy(update={"attempt_log": log.get(r.id, [])})
            for r in rows
        ],
    )


@tool(
    category="webhooks",
    role="admin",
    examples=["send a test ping to webhook 1"],
    http=HttpRoute("POST", "/api/webhooks/outbound/{webhook_id}/test", 202),
)
async def ping_webhook(ctx: ToolContext, args: WebhookRef) -> DeliveryOut:
    """Queue a signed `ping` delivery to a webhook now (retried like any other); see its result
    in the deliveries log."""
    sub = await _subscription(ctx, args.webhook_id)
    now = ctx.now()
    delivery = await _add_delivery(
        ctx.session,
        sub,
        kind="ping",
        domain_event_id=None,
        body_of=lambda key: _body(key, "ping", None, {"webhook_id": sub.id}, now),
        now=now,
    )
    return DeliveryOut.model_validate(delivery)
