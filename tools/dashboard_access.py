"""Who may open an event's dashboard, and the magic-link sign-in: a 6-digit code texted to an
allowed phone (single-use, 15 minutes, rate-limited, stored hashed) exchanged for a session.

Both sign-in tools draw on the sign-in window of the caller's address (RATE_LIMIT_AUTH, the one
wrong API keys draw on) on every surface: REST, `/tools/…`, MCP and the pages. The number of codes
a phone may be sent is counted per phone *and* per requester, so that nobody can use up a
promoter's codes and lock them out."""

from __future__ import annotations

import contextlib
import math
import secrets
from datetime import datetime, timedelta

from pydantic import Field
from sqlalchemy import select

from aitickets.errors import Conflict, Forbidden, NotFound, RateLimited
from integrations.ratelimit import Rate, wait_text
from persistence.models import DashboardAccess, DashboardCode, DashboardSession, Event

from .common import Id, In, Name, Out, Phone, normalise_phone
from .context import ToolContext
from .messages import queue_message
from .phrasing import count, listing, phone
from .registry import HttpRoute, tool
from .texted_codes import MAX_ATTEMPTS, guessed, sha
from .voice import Data, Speaks, speaks

CODE_MINUTES = 15
CODES_PER_WINDOW = 3  # per phone number and requester in CODE_MINUTES
CODE_RATE = Rate(CODES_PER_WINDOW, CODE_MINUTES * 60)
SESSION_HOURS = 12


def _phone_hash(phone: str) -> str:
    return sha(f"dashboard-phone:{phone}")


class DashboardAccessIn(In):
    event_id: Id
    phone: Phone


class GrantDashboardAccessIn(DashboardAccessIn):
    name: Name = "promoter"


class DashboardAccessOut(Out):
    id: int
    event_id: int
    phone: str
    name: str
    created_at: datetime


class ListDashboardAccessIn(In):
    event_id: Id


class ListDashboardAccessOut(Out):
    access: list[DashboardAccessOut]


class RequestDashboardCodeIn(In):
    event_id: Id
    phone: Phone


class RequestDashboardCodeOut(Out):
    message: str
    expires_in_minutes: int


class ConfirmDashboardCodeIn(In):
    event_id: Id
    phone: Phone
    code: str = Field(pattern=r"^\s*\d{6}\s*$", description="the 6 digits from the text message")


class ConfirmDashboardCodeOut(Out):
    confirmed: bool
    message: str
    session_token: str | None = Field(default=None, description="shown once; keep it secret")
    expires_at: datetime | None = None


class DashboardRef(In):
    event_id: Id
    session_token: str | None = Field(
        default=None,
        min_length=20,
        max_length=64,
        pattern=r"^[A-Za-z0-9_\-]+$",
        description="a dashboard session (from confirm_dashboard_code); staff keys need none",
    )


async def _sign_in_attempt(ctx: ToolContext) -> None:
    """One sign-in attempt from the caller's address; staff keys need no sign-in and are not
    counted."""
    rate = Rate.parse(ctx.settings.rate_limit_auth)
    if rate is None or ctx.actor.at_least("staff"):
        return
    wait = await ctx.limits.hit(rate, "auth", ctx.client_key())  # web/limits.py's window
    if wait:
        raise RateLimited(
            f"Too many sign-in attempts from your address; try again in {wait_text(wait)}.",
            retry_after=math.ceil(wait),
        )


async def _event(ctx: ToolContext, event_id: int) -> Event:
    event = await ctx.session.get(Event, event_id)
    if event is None:
        raise NotFound(f"No event with id {event_id}.", id=event_id)
    return event


async def _allowed_phones(ctx: ToolContext, event: Event) -> set[str]:
    phones = set(
        await ctx.session.scalars(
            select(DashboardAccess.phone).where(DashboardAccess.event_id == event.id)
        )
    )
    if event.promoter_phone:
        with contextlib.suppress(ValueError):  # a number typed in by hand long ago
            phones.add(normalise_phone(event.promoter_phone))
    return phones


async def authorise(ctx: ToolContext, args: DashboardRef) -> Event:
    """Staff keys see any event; otherwise a live session for this very event is needed."""
    event = await _event(ctx, args.event_id)
    if ctx.actor.at_least("staff"):
        return event
    if args.session_token:
        session = await ctx.session.scalar(
            select(DashboardSession).where(DashboardSession.token_hash == sha(args.session_token))
        )
        if (
            session is not None
            and session.event_id == event.id
            and session.revoked_at is None
            and session.expires_at > ctx.now()
        ):
            return event
    raise Forbidden("Sign in to this event's dashboard first (a code is sent by text message).")


@tool(
    category="dashboard",
    role="staff",
    undo="revoke_dashboard_access",
    examples=["let 555-010-0199 open the dashboard for Jazz Night"],
    http=HttpRoute("POST", "/api/events/{event_id}/dashboard-access", 201),
    voice=speaks(
        "give access|grant access|access to the dashboard|let see the dashboard",
        "grant give",
        say=lambda d, a, s: (
            f"{'The promoter' if d['name'] == 'promoter' else d['name']} can now open the "
            f"{s.event_name(d.get('event_id'))} dashboard "
            f"from {phone(d['phone'])}."
        ),
        slots={"name": "grantee"},
    ),
)
async def grant_dashboard_access(
    ctx: ToolContext, args: GrantDashboardAccessIn
) -> DashboardAccessOut:
    """Allow a phone number (a promoter, a manager) to open an event's dashboard by text
    message code. The event's promoter phone, when set, is always allowed."""
    await _event(ctx, args.event_id)
    existing = await ctx.session.scalar(
        select(DashboardAccess).where(
            DashboardAccess.event_id == args.event_id, DashboardAccess.phone == args.phone
        )
    )
    if existing is not None:
        raise Conflict("That number can already open this event's dashboard.")
    row = DashboardAccess(
        event_id=args.event_id, phone=args.phone, name=args.name, created_at=ctx.now()
    )
    ctx.session.add(row)
    await ctx.session.flush()
    ctx.emit("dashboard.access_granted", {"access_id": row.id}, event_id=args.event_id)
    return DashboardAccessOut.model_validate(row)


@tool(
    category="dashboard",
    role="staff",
    idempotent=True,
    undo="grant_dashboard_access",
    examples=["stop 555-010-0199 opening the Jazz Night dashboard"],
    http=HttpRoute("DELETE", "/api/events/{event_id}/dashboard-access"),
    voice=speaks(
        "revoke access|take away access|remove access|no longer see|cut off access", "revoke"
    ),
)
async def revoke_dashboard_access(ctx: ToolContext, args: DashboardAccessIn) -> DashboardAccessOut:
    """Stop a phone number from opening an event's dashboard; its open sessions end too."""
    row = await ctx.session.scalar(
        select(DashboardAccess).where(
            DashboardAccess.event_id == args.event_id, DashboardAccess.phone == args.phone
        )
    )
    if row is None:
        raise NotFound("That number has no access to this event's dashboard.")
    out = DashboardAccessOut.model_validate(row)
    await ctx.session.delete(row)
    sessions = await ctx.session.scalars(
        select(DashboardSession).where(
            DashboardSession.event_id == args.event_id, DashboardSession.revoked_at.is_(None)
        )
    )
    for session in sessions:  # sessions do not record the phone: end them all, to be safe
        session.revoked_at = ctx.now()
    ctx.emit("dashboard.access_revoked", {"access_id": out.id}, event_id=args.event_id)
    return out


def _dashboard_people(d: Data, a: Data, s: Speaks) -> str:
    people = [f"{g['name']} ({phone(g['phone'])})" for g in d.get("access") or []]
    if not people:
        return "Nobody has access to that dashboard yet."
    return f"{count(len(people), 'phone')} can open it: {listing(people)}."


@tool(
    category="dashboard",
    role="staff",
    read_only=True,
    examples=["who can open the Jazz Night dashboard"],
    http=HttpRoute("GET", "/api/events/{event_id}/dashboard-access"),
    voice=speaks(
        "who can see|who has access|allowed to see|who can open", "access", say=_dashboard_people
    ),
)
async def list_dashboard_access(
    ctx: ToolContext, args: ListDashboardAccessIn
) -> ListDashboardAccessOut:
    """The phone numbers allowed to open an event's dashboard."""
    await _event(ctx, args.event_id)
    rows = await ctx.session.scalars(
        select(DashboardAccess)
        .where(DashboardAccess.event_id == args.event_id)
        .order_by(DashboardAccess.id)
    )
    return ListDashboardAccessOut(access=[DashboardAccessOut.model_validate(r) for r in rows])


@tool(
    category="dashboard",
    role="public",
    examples=["text me a code for the dashboard"],
    http=HttpRoute("POST", "/api/events/{event_id}/dashboard/code", 202),
)
async def request_dashboard_code(
    ctx: ToolContext, args: RequestDashboardCodeIn
) -> RequestDashboardCodeOut:
    """Text a 6-digit sign-in code for an event's dashboard to an allowed phone number. The
    answer is the same whether or not the number is allowed; at most 3 codes per number every
    15 minutes."""
    await _sign_in_attempt(ctx)
    event = await _event(ctx, args.event_id)
    now = ctx.now()
    phone_hash = _phone_hash(args.phone)
    # Per phone and requester: someone else asking for this number uses up only their own codes.
    wait = await ctx.limits.hit(CODE_RATE, "dashboard-code", phone_hash, ctx.requester())
    if wait:
        raise RateLimited(
            f"Too many codes were asked for this number; try again in {wait_text(wait)}.",
            retry_after=math.ceil(wait),
        )
    allowed = args.phone in await _allowed_phones(ctx, event)
    salt = secrets.token_hex(16)
    code = f"{secrets.randbelow(10**6):06d}"
    ctx.session.add(
        DashboardCode(
            event_id=event.id,
            phone_hash=phone_hash,
            code_hash=sha(salt + code) if allowed else None,
            salt=salt,
            expires_at=now + timedelta(minutes=CODE_MINUTES),
            created_at=now,
        )
    )
    if allowed:
        base = ctx.settings.public_base_url.rstrip("/")
        queue_message(
            ctx,
            channel="sms",
            to=args.phone,
            body=(
                f"{code} is your code for the {event.name} dashboard. It works once, for "
                f"{CODE_MINUTES} minutes: {base}/dashboard/{event.id}/login"
            ),
            template="dashboard_code",
            event_id=event.id,
        )
    return RequestDashboardCodeOut(
        message="If that number may open this dashboard, a code is on its way by text message.",
        expires_in_minutes=CODE_MINUTES,
    )


@tool(
    category="dashboard",
    role="public",
    examples=["my code is 123456"],
    http=HttpRoute("POST", "/api/events/{event_id}/dashboard/session", 200),
)
async def confirm_dashboard_code(
    ctx: ToolContext, args: ConfirmDashboardCodeIn
) -> ConfirmDashboardCodeOut:
    """Exchange the texted 6-digit code for a dashboard session (valid 12 hours). A code works
    once, for 15 minutes, and 5 wrong guesses void it; a refusal is confirmed=false."""
    await _sign_in_attempt(ctx)
    now = ctx.now()
    row = await ctx.session.scalar(
        select(DashboardCode)
        .where(
            DashboardCode.event_id == args.event_id,
            DashboardCode.phone_hash == _phone_hash(args.phone),
            DashboardCode.code_hash.is_not(None),
            DashboardCode.used_at.is_(None),
            DashboardCode.expires_at > now,
            DashboardCode.attempts < MAX_ATTEMPTS,
        )
        .order_by(DashboardCode.id.desc())
        .limit(1)
    )
    refused = ConfirmDashboardCodeOut(
        confirmed=False, message="That code is wrong or has expired; ask for a new one."
    )
    if row is None or row.code_hash is None:
        return refused
    if not guessed(row, args.code):
        return refused
    row.used_at = now
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=SESSION_HOURS)
    ctx.session.add(
        DashboardSession(
            event_id=args.event_id, token_hash=sha(token), expires_at=expires, created_at=now
        )
    )
    ctx.emit("dashboard.signed_in", {}, event_id=args.event_id)
    return ConfirmDashboardCodeOut(
        confirmed=True, message="Signed in.", session_token=token, expires_at=expires
    )
