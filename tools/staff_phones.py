"""Staff phones: the numbers whose calls to the phone line act as staff or admin, and who any
other caller is (the public, limited to event information and joining a waitlist)."""

from __future__ import annotations

import contextlib
from datetime import datetime
from functools import cache
from typing import Annotated, Literal

from pydantic import AfterValidator, Field
from sqlalchemy import select

from aitickets.errors import NotFound
from persistence.db import Database
from persistence.models import StaffPhone

from .common import Id, In, Out, Phone, normalise_phone, one_line
from .context import Actor, ToolContext
from .registry import HttpRoute, registry, tool

PhoneRole = Literal["staff", "admin"]


@cache
def phone_public() -> Actor:
    """Who a caller whose number is not a staff phone is: the public, limited to the tools whose
    voice says the public phone line may use them (`speaks(phone=True)`: events, the venue, the
    organisation, joining a waitlist) — nothing that sells, refunds or reads customers, although
    the public role could buy free tickets through the website."""
    allowed = frozenset(spec.name for spec in registry if spec.voice.phone)
    return Actor(name="phone-caller", role="public", tools=allowed)


class AddStaffPhoneIn(In):
    phone: Phone
    role: PhoneRole = "staff"
    name: Annotated[str, Field(max_length=100), AfterValidator(one_line)] = Field(
        default="", description="Who it is, e.g. 'door phone'."
    )


class StaffPhoneOut(Out):
    id: int
    phone: str
    role: str
    name: str
    created_at: datetime


class AddStaffPhoneOut(StaffPhoneOut):
    created: bool = Field(description="False when the number was there and only changed.")


class ListStaffPhonesIn(In):
    pass


class ListStaffPhonesOut(Out):
    phones: list[StaffPhoneOut]


class RemoveStaffPhoneIn(In):
    phone_id: Id


@tool(
    category="admin",
    role="admin",
    idempotent=True,
    examples=["let 555-010-0199 call the phone line as staff"],
    http=HttpRoute("POST", "/api/staff-phones", 201),
)
async def add_staff_phone(ctx: ToolContext, args: AddStaffPhoneIn) -> AddStaffPhoneOut:
    """Give a phone number a role on the phone line (staff or admin); calls from any other
    number get public information only. Adding a known number changes its role and name."""
    row = await ctx.session.scalar(select(StaffPhone).where(StaffPhone.phone == args.phone))
    created = row is None
    if row is None:
        row = StaffPhone(phone=args.phone, role=args.role, name=args.name, created_at=ctx.now())
        ctx.session.add(row)
    else:
        row.role, row.name = args.role, args.name or row.name
    await ctx.session.flush()
    # No number in the payload: domain events reach the event stream and webhooks.
    ctx.emit("staff_phone.added", {"staff_phone_id": row.id, "role": row.role})
    return AddStaffPhoneOut(**StaffPhoneOut.model_validate(row).model_dump(), created=created)


@tool(
    category="admin",
    role="admin",
    read_only=True,
    examples=["which phones can call the phone line as staff"],
    http=HttpRoute("GET", "/api/staff-phones"),
)
async def list_staff_phones(ctx: ToolContext, args: ListStaffPhonesIn) -> ListStaffPhonesOut:
    """List the staff phones: number, role and name."""
    rows = (await ctx.session.scalars(select(StaffPhone).order_by(StaffPhone.id))).all()
    return ListStaffPhonesOut(phones=[StaffPhoneOut.model_validate(r) for r in rows])


@tool(
    category="admin",
    role="admin",
    destructive=True,
    examples=["stop the old door phone calling as staff"],
    http=HttpRoute("DELETE", "/api/staff-phones/{phone_id}"),
)
async def remove_staff_phone(ctx: ToolContext, args: RemoveStaffPhoneIn) -> StaffPhoneOut:
    """Remove a staff phone: its next calls get public information only."""
    row = await ctx.session.get(StaffPhone, args.phone_id)
    if row is None:
        raise NotFound(f"No staff phone with id {args.phone_id}.")
    out = StaffPhoneOut.model_validate(row)
    await ctx.session.delete(row)
    ctx.emit("staff_phone.removed", {"staff_phone_id": out.id, "role": out.role})
    return out


async def phone_actor(db: Database, number: str | None) -> Actor:
    """Who is calling the phone line. Not a tool: it decides the role before any tool runs."""
    phone = None
    if number:
        with contextlib.suppress(ValueError):  # "anonymous", "client:…", a withheld number
            phone = normalise_phone(number)
    if phone is None:
        return phone_public()
    async with db.sessions() as session:
        row = (
            await session.execute(
                select(StaffPhone.id, StaffPhone.role, StaffPhone.name).where(
                    StaffPhone.phone == phone
                )
            )
        ).first()
    if row is None:
        return phone_public()
    return Actor(name=f"phone:{row.name or row.id}", role=row.role)
