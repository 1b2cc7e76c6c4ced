"""Promo codes: create, list, check, switch on and off, delete; and redeeming one at purchase."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator
from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from aitickets.errors import Conflict, InvalidInput, NotFound
from persistence.models import Event, Order, PromoCode, PromoRedemption, TicketTier

from .common import MAX_QUANTITY, AwareDatetime, Id, In, Out, Page, get_or_404
from .context import ToolContext
from .phrasing import money
from .registry import HttpRoute, tool
from .voice import Data, Speaks, speaks

PromoKind = Literal["percent", "fixed"]
_CODE_RE = re.compile(r"[A-Z0-9_-]{3,40}")


def _code(value: str) -> str:
    code = value.upper()
    if not _CODE_RE.fullmatch(code):
        raise ValueError("use 3 to 40 letters, digits, '-' or '_' (for example SUMMER-25)")
    return code


Code = Annotated[str, Field(min_length=3, max_length=40), AfterValidator(_code)]


# --- models ----------------------------------------------------------------------------------


class PromoCodeOut(Out):
    id: int
    code: str
    kind: PromoKind
    amount: int = Field(description="Percent off (1-100), or cents off the order.")
    event_id: int | None = Field(description="The only event it applies to; null = any event.")
    max_uses: int | None
    uses: int
    valid_from: datetime | None
    valid_until: datetime | None
    active: bool
    created_at: datetime


class CreatePromoCodeIn(In):
    code: Code
    kind: PromoKind
    amount: int = Field(ge=1, le=100_000_000, description="Percent (1-100) or cents off.")
    event_id: Id | None = None
    max_uses: int | None = Field(default=None, ge=1, le=1_000_000)
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None

    @model_validator(mode="after")
    def _consistent(self) -> CreatePromoCodeIn:
        if self.kind == "percent" and self.amount > 100:
            raise ValueError("a percent discount is between 1 and 100")
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        return self


class ListPromoCodesIn(Page):
    active_only: bool = Field(
        default=True, description="Only codes that can be used now (switched on, not expired)."
    )
    event_id: Id | None = Field(default=None, description="Codes usable for this event.")


class ListPromoCodesOut(Out):
    promo_codes: list[PromoCodeOut]
    total: int


class ValidatePromoCodeIn(In):
    code: str = Field(min_length=1, max_length=40)
    event_id: Id
    tier_id: Id | None = None
    quantity: int = Field(default=1, ge=1, le=MAX_QUANTITY)


class ValidatePromoCodeOut(Out):
    valid: bool
    code: str
    kind: PromoKind | None = None
    amount: int | None = None
    subtotal_cents: int | None = None
    discount_cents: int | None = Field(
        default=None, description="The discount on tier price × quantity, when a tier is given."
    )
    reason: str | None = Field(default=None, description="Why the code cannot be used.")


class PromoCodeRefIn(In):
    promo_code_id: Id


class DeletePromoCodeOut(Out):
    deleted: PromoCodeOut


# --- rules shared by the tools and the purchase flow -----------------------------------------


def discount_for(promo: PromoCode, subtotal_cents: int) -> int:
    """The discount a code gives on a subtotal: percent rounds down to whole cents, and a code
    never takes more than the subtotal."""
    if subtotal_cents <= 0:
        return 0
    percent = promo.kind == "percent"
    discount = subtotal_cents * promo.amount // 100 if percent else promo.amount
    return max(0, min(discount, subtotal_cents))


def _problem(promo: PromoCode | None, event_id: int, now: datetime) -> tuple[str, str] | None:
    """Why a code cannot be used for this event now, as (error code, sentence), or None."""
    if promo is None or not promo.active:
        return "promo_unknown", "That promo code is not valid."
    if promo.valid_from is not None and now < promo.valid_from:
        return "promo_not_started", "That promo code is not valid yet."
    if promo.valid_until is not None and now >= promo.valid_until:
        return "promo_expired", "That promo code has expired."
    if promo.event_id is not None and promo.event_id != event_id:
        return "promo_wrong_event", "That promo code is not valid for this event."
    if promo.max_uses is not None and promo.uses >= promo.max_uses:
        return "promo_exhausted", "That promo code has been used up."
    return None


async def _by_code(session: AsyncSession, code: str) -> PromoCode | None:
    return await session.scalar(select(PromoCode).where(PromoCode.code == code.strip().upper()))


async def redeem_promo(
    session: AsyncSession, *, code: str, event_id: int, subtotal_cents: int, now: datetime
) -> tuple[PromoCode, int]:
    """Check a code for an order and consume one use with one conditional UPDATE, so a code
    with uses left is never over-redeemed under concurrency. Returns (promo, discount_cents);
    the caller records the PromoRedemption once it has the order id."""
    if subtotal_cents < 0:
        raise InvalidInput("The subtotal cannot be negative.")
    promo = await _by_code(session, code)
    problem = _problem(promo, event_id, now)
    if problem is not None:
        error = Conflict if problem[0] == "promo_exhausted" else InvalidInput
        raise error(problem[1], code=problem[0])
    assert promo is not None
    new_uses = await session.scalar(
        update(PromoCode)
        .where(
            PromoCode.id == promo.id,
            or_(PromoCode.max_uses.is_(None), PromoCode.uses < PromoCode.max_uses),
        )
        .values(uses=PromoCode.uses + 1)
        .returning(PromoCode.uses)
        .execution_options(synchronize_session=False)
    )
    if new_uses is None:
        raise Conflict("That promo code has been used up.", code="promo_exhausted")
    set_committed_value(promo, "uses", new_uses)
    return promo, discount_for(promo, subtotal_cents)


async def release_promo_use(session: AsyncSession, promo_code_id: int) -> None:
    """Give back one use of a code (its order was cancelled or expired unpaid)."""
    await session.execute(
        update(PromoCode)
        .where(PromoCode.id == promo_code_id, PromoCode.uses > 0)
        .values(uses=PromoCode.uses - 1)
        .execution_options(synchronize_session="fetch")
    )


# --- tools -----------------------------------------------------------------------------------


def _emit(ctx: ToolContext, kind: str, promo: PromoCode) -> None:
    payload = {"promo_code_id": promo.id, "code": promo.code, "active": promo.active}
    ctx.emit(kind, payload, event_id=promo.event_id)


def _promo_made(d: Data, a: Data, s: Speaks) -> str:
    off = f"{d['amount']} percent" if d["kind"] == "percent" else money(d["amount"])
    where = f" {s.event_name(d['event_id'])}" if d.get("event_id") else ""
    limit = f", first {d['max_uses']} uses" if d.get("max_uses") else ""
    return f"Code {d['code']} is live: {off} off{where}{limit}."


@tool(
    category="promos",
    role="staff",
    examples=["create a promo code SUMMER20 for 20 percent off", "make a code for $5 off jazz"],
    http=HttpRoute("POST", "/api/promo-codes", 201),
    voice=speaks(
        "create a promo|new promo|discount code|make a code|promo code for",
        "promo discount",
        say=_promo_made,
        slots={"kind": "discount_kind", "max_uses": "use_limit"},
    ),
)
async def create_promo_code(ctx: ToolContext, args: CreatePromoCodeIn) -> PromoCodeOut:
    """Create a promo code: a percent (1-100) or fixed amount in cents off an order, for one event
    or every event, with an optional use limit and validity window. Codes are stored upper-case."""
    if args.event_id is not None:
        await get_or_404(ctx.session, Event, args.event_id, "event")
    if await _by_code(ctx.session, args.code) is not None:
        raise Conflict(f"A promo code {args.code} already exists; choose another code.")
    promo = PromoCode(**args.model_dump(), uses=0, active=True, created_at=ctx.now())
    ctx.session.add(promo)
    await ctx.session.flush()
    _emit(ctx, "promo.created", promo)
    return PromoCodeOut.model_validate(promo)


@tool(
    category="promos",
    role="staff",
    read_only=True,
    examples=["list the promo codes", "which discount codes work for jazz night"],
    http=HttpRoute("GET", "/api/promo-codes"),
    voice=speaks("list promo|which codes|promo codes|discount codes", "promo codes"),
)
async def list_promo_codes(ctx: ToolContext, args: ListPromoCodesIn) -> ListPromoCodesOut:
    """List promo codes with their use counts, newest first. By default only codes usable now;
    with an event_id, the codes for that event and the codes valid for every event."""
    query = select(PromoCode)
    if args.active_only:
        now = ctx.now()
        query = query.where(
            PromoCode.active.is_(True),
            or_(PromoCode.valid_until.is_(None), PromoCode.valid_until > now),
            or_(PromoCode.max_uses.is_(None), PromoCode.uses < PromoCode.max_uses),
        )
    if args.event_id is not None:
        query = query.where(or_(PromoCode.event_id.is_(None), PromoCode.event_id == args.event_id))
    total = await ctx.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await ctx.session.scalars(
        query.order_by(PromoCode.id.desc()).limit(args.limit).offset(args.offset)
    )
    return ListPromoCodesOut(
        promo_codes=[PromoCodeOut.model_validate(r) for r in rows], total=total or 0
    )


def _promo_check(d: Data, a: Data, s: Speaks) -> str:
    if not d.get("valid"):
        why = (d.get("reason") or "it is not valid").rstrip(".")
        return f"{d['code']} can't be used: {why}."
    off = f"{d['amount']} percent" if d.get("kind") == "percent" else money(d.get("amount"))
    said = f"{d['code']} is valid, {off} off"
    if d.get("discount_cents"):
        said += f", {money(d['discount_cents'])} off this order"
    return said + "."


@tool(
    category="promos",
    role="public",
    read_only=True,
    examples=["is the code SUMMER20 valid", "check promo code JAZZ for two general tickets"],
    http=HttpRoute("POST", "/api/promo-codes/validate"),
    voice=speaks(
        "is the code|code valid|does code work|would it work|will it work|does it work|"
        "how much with|be with",
        "valid work apply",
        say=_promo_check,
    ),
)
async def validate_promo_code(ctx: ToolContext, args: ValidatePromoCodeIn) -> ValidatePromoCodeOut:
    """Check whether a promo code can be used for an event, and preview its discount on a tier's
    price × quantity. Answers only valid or not (with the reason) and the discount."""
    event = await ctx.session.get(Event, args.event_id)
    if event is None or (event.visibility == "draft" and not ctx.actor.at_least("staff")):
        raise NotFound(f"No event with id {args.event_id}.", id=args.event_id)
    subtotal = None
    if args.tier_id is not None:
        tier = await ctx.session.get(TicketTier, args.tier_id)
        if tier is None or tier.event_id != args.event_id:
            raise NotFound(f"Event {args.event_id} has no ticket tier with id {args.tier_id}.")
        subtotal = tier.price_cents * args.quantity
    code = args.code.upper()
    promo = await _by_code(ctx.session, code)
    problem = _problem(promo, args.event_id, ctx.now())
    if problem is not None:
        return ValidatePromoCodeOut(valid=False, code=code, reason=problem[1])
    assert promo is not None
    return ValidatePromoCodeOut(
        valid=True,
        code=promo.code,
        kind=promo.kind,  # type: ignore[arg-type]
        amount=promo.amount,
        subtotal_cents=subtotal,
        discount_cents=None if subtotal is None else discount_for(promo, subtotal),
    )


async def _set_active(ctx: ToolContext, promo_code_id: int, active: bool) -> PromoCodeOut:
    promo = await get_or_404(ctx.session, PromoCode, promo_code_id, "promo code")
    if promo.active != active:
        promo.active = active
        await ctx.session.flush()
        _emit(ctx, "promo.activated" if active else "promo.deactivated", promo)
    return PromoCodeOut.model_validate(promo)


@tool(
    category="promos",
    role="staff",
    idempotent=True,
    undo="activate_promo_code",
    examples=["turn off the SUMMER20 code", "deactivate promo code 3"],
    http=HttpRoute("POST", "/api/promo-codes/{promo_code_id}/deactivate"),
    voice=speaks("turn off code|deactivate|disable code", "deactivate"),
)
async def deactivate_promo_code(ctx: ToolContext, args: PromoCodeRefIn) -> PromoCodeOut:
    """Switch a promo code off: it stops working at once but keeps its history; reversible."""
    return await _set_active(ctx, args.promo_code_id, False)


@tool(
    category="promos",
    role="staff",
    idempotent=True,
    undo="deactivate_promo_code",
    examples=["turn the SUMMER20 code back on", "reactivate promo code 3"],
    http=HttpRoute("POST", "/api/promo-codes/{promo_code_id}/activate"),
    voice=speaks("turn on code|reactivate|activate|enable code", "activate"),
)
async def activate_promo_code(ctx: ToolContext, args: PromoCodeRefIn) -> PromoCodeOut:
    """Switch a deactivated promo code back on (its window and use limit still apply)."""
    return await _set_active(ctx, args.promo_code_id, True)


@tool(
    category="promos",
    role="admin",
    destructive=True,
    examples=["delete promo code 3"],
    http=HttpRoute("DELETE", "/api/promo-codes/{promo_code_id}"),
    voice=speaks("delete promo|delete code", "delete"),
)
async def delete_promo_code(ctx: ToolContext, args: PromoCodeRefIn) -> DeletePromoCodeOut:
    """Delete a promo code that was never used. A code with redemptions is kept for the record:
    deactivate it instead."""
    promo = await get_or_404(ctx.session, PromoCode, args.promo_code_id, "promo code")
    redeemed = await ctx.session.scalar(
        select(func.count())
        .select_from(PromoRedemption)
        .where(PromoRedemption.promo_code_id == promo.id)
    )
    ordered = await ctx.session.scalar(
        select(func.count()).select_from(Order).where(Order.promo_code_id == promo.id)
    )
    if promo.uses or redeemed or ordered:
        raise Conflict(
            f"Promo code {promo.code} has been used, so it is kept for the record; "
            "deactivate it instead.",
            code="promo_in_use",
        )
    deleted = PromoCodeOut.model_validate(promo)
    _emit(ctx, "promo.deleted", promo)
    await ctx.session.delete(promo)
    return DeletePromoCodeOut(deleted=deleted)
