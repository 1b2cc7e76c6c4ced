"""Sign-in for people on the website: an API key or a code texted to a staff phone becomes a
session (12 hours, the raw token only in the browser's HttpOnly cookie, its hash here).

A session acts with the role of what it stands for, read again on every request: revoking the
key or removing the staff phone ends it, and a phone moved from admin to staff is staff at once.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from pydantic import Field
from sqlalchemy import delete, func, select, update

from aitickets.errors import RateLimited
from persistence.db import Database
from persistence.models import ApiKey, SignInCode, StaffPhone, WebSession

from .common import In, Out, Phone
from .context import Actor, ToolContext
from .messages import queue_message
from .registry import tool
from .texted_codes import MAX_ATTEMPTS, guessed, sha

CODE_MINUTES = 10
CODES_PER_WINDOW = 3  # per phone number in CODE_MINUTES
SESSION_HOURS = 12
TOKEN_PATTERN = r"^[A-Za-z0-9_\-]{20,64}$"


def _phone_hash(phone: str) -> str:
    return sha(f"sign-in-phone:{phone}")


class RequestSignInCodeIn(In):
    phone: Phone


class RequestSignInCodeOut(Out):
    message: str
    expires_in_minutes: int


class ConfirmSignInCodeIn(In):
    phone: Phone
    code: str = Field(pattern=r"^\s*\d{6}\s*$", description="the 6 digits from the text message")


class WebSessionOut(Out):
    confirmed: bool
    message: str
    session_token: str | None = Field(default=None, description="shown once; keep it secret")
    name: str | None = None
    role: str | None = None
    expires_at: datetime | None = None


class OpenWebSessionIn(In):
    pass


class CloseWebSessionIn(In):
    session_token: str = Field(pattern=TOKEN_PATTERN)


class CloseWebSessionOut(Out):
    closed: bool


async def _open(
    ctx: ToolContext,
    *,
    name: str,
    role: str,
    api_key_id: int | None = None,
    staff_phone_id: int | None = None,
) -> WebSessionOut:
    token = secrets.token_urlsafe(32)
    expires = ctx.now() + timedelta(hours=SESSION_HOURS)
    # Ended sessions and old codes are of no use to anyone: each sign-in sweeps them away.
    stale = ctx.now() - timedelta(days=1)
    await ctx.session.execute(
        delete(WebSession).where((WebSession.expires_at < stale) | (WebSession.revoked_at < stale))
    )
    await ctx.session.execute(delete(SignInCode).where(SignInCode.expires_at < stale))
    ctx.session.add(
        WebSession(
            token_hash=sha(token),
            name=name[:100],
            role=role,
            api_key_id=api_key_id,
            staff_phone_id=staff_phone_id,
            expires_at=expires,
            created_at=ctx.now(),
        )
    )
    # The kind is one the event stream never reads out (tools/stream.py SECRET_KINDS).
    ctx.emit("auth.signed_in", {"role": role, "how": "phone" if staff_phone_id else "key"})
    return WebSessionOut(
        confirmed=True,
        message="Signed in.",
        session_token=token,
        name=name,
        role=role,
        expires_at=expires,
    )


@tool(
    category="admin",
    role="agent",
    examples=["sign this browser in with my key"],
)
async def open_web_session(ctx: ToolContext, args: OpenWebSessionIn) -> WebSessionOut:
    """Open a website session for the calling API key, with the key's role (what /login does
    with the key typed in). The session ends when the key is revoked."""
    actor = ctx.actor
    return await _open(ctx, name=actor.name, role=actor.role, api_key_id=actor.key_id)


@tool(
    category="admin",
    role="public",
    examples=["text me a sign-in code"],
)
async def request_sign_in_code(ctx: ToolContext, args: RequestSignInCodeIn) -> RequestSignInCodeOut:
    """Text a 6-digit website sign-in code to a registered staff phone. The answer is the same
    whether or not the number is a staff phone; at most 3 codes per number every 10 minutes."""
    now = ctx.now()
    phone_hash = _phone_hash(args.phone)
    recent = await ctx.session.scalar(
        select(func.count(SignInCode.id)).where(
            SignInCode.phone_hash == phone_hash,
            SignInCode.created_at > now - timedelta(minutes=CODE_MINUTES),
        )
    )
    if (recent or 0) >= CODES_PER_WINDOW:
        raise RateLimited(
            f"Too many codes were asked for this number; try again in {CODE_MINUTES} minutes.",
            retry_after=CODE_MINUTES * 60,
        )
    staff = await ctx.session.scalar(select(StaffPhone).where(StaffPhone.phone == args.phone))
    salt = secrets.token_hex(16)
    code = f"{secrets.randbelow(10**6):06d}"
    ctx.session.add(
        SignInCode(
            phone_hash=phone_hash,
            staff_phone_id=staff.id if staff else None,
            code_hash=sha(salt + code) if staff else None,
            salt=salt,
            expires_at=now + timedelta(minutes=CODE_MINUTES),
            created_at=now,
        )
    )
    if staff is not None:
        queue_message(
            ctx,
            channel="sms",
            to=args.phone,
            body=(
                f"{code} is your sign-in code for {ctx.settings.org_name}. It works once, for "
                f"{CODE_MINUTES} minutes. Nobody from the venue will ask you for it."
            ),
            template="sign_in_code",
        )
    return RequestSignInCodeOut(
        message="If that number is a staff phone, a code is on its way by text message.",
        expires_in_minutes=CODE_MINUTES,
    )


@tool(
    category="admin",
    role="public",
    examples=["my sign-in code is 123456"],
)
async def confirm_sign_in_code(ctx: ToolContext, args: ConfirmSignInCodeIn) -> WebSessionOut:
    """Exchange the texted 6-digit code for a website session with the staff phone's role. A
    code works once, for 10 minutes, and 5 wrong guesses void it; a refusal is confirmed=false."""
    now = ctx.now()
    row = await ctx.session.scalar(
        select(SignInCode)
        .where(
            SignInCode.phone_hash == _phone_hash(args.phone),
            SignInCode.code_hash.is_not(None),
            SignInCode.used_at.is_(None),
            SignInCode.expires_at > now,
            SignInCode.attempts < MAX_ATTEMPTS,
        )
        .order_by(SignInCode.id.desc())
        .limit(1)
    )
    refused = WebSessionOut(
        confirmed=False, message="That code is wrong or has expired; ask for a new one."
    )
    if row is None or row.code_hash is None or row.staff_phone_id is None:
        return refused
    if not guessed(row, args.code):
        return refused
    row.used_at = now
    staff = await ctx.session.get(StaffPhone, row.staff_phone_id)
    if staff is None:
        return refused
    name = f"phone:{staff.name or staff.id}"
    return await _open(ctx, name=name, role=staff.role, staff_phone_id=staff.id)


@tool(
    category="admin",
    role="public",
    idempotent=True,
    examples=["sign me out"],
)
async def close_web_session(ctx: ToolContext, args: CloseWebSessionIn) -> CloseWebSessionOut:
    """End a website session (sign out). Closing an unknown or ended session is no error."""
    result = await ctx.session.execute(
        update(WebSession)
        .where(WebSession.token_hash == sha(args.session_token), WebSession.revoked_at.is_(None))
        .values(revoked_at=ctx.now())
    )
    return CloseWebSessionOut(closed=bool(getattr(result, "rowcount", 0)))


async def resolve_session(db: Database, token: str, now: datetime) -> Actor | None:
    """The actor a session cookie stands for, or None. Not a tool: auth runs before any tool.
    The role is read from the staff phone when the session came from one."""
    if not 20 <= len(token) <= 64:
        return None
    async with db.sessions() as session:
        row = (
            await session.execute(
                select(
                    WebSession.name,
                    WebSession.role,
                    WebSession.api_key_id,
                    WebSession.staff_phone_id,
                    ApiKey.revoked_at,
                    StaffPhone.role.label("phone_role"),
                )
                .outerjoin(ApiKey, ApiKey.id == WebSession.api_key_id)
                .outerjoin(StaffPhone, StaffPhone.id == WebSession.staff_phone_id)
                .where(
                    WebSession.token_hash == sha(token),
                    WebSession.revoked_at.is_(None),
                    WebSession.expires_at > now,
                )
            )
        ).first()
    if row is None or row.revoked_at is not None:
        return None
    if row.staff_phone_id is not None:
        if row.phone_role is None:
            return None
        return Actor(name=row.name, role=row.phone_role)
    return Actor(name=row.name, role=row.role, key_id=row.api_key_id)
