"""Ticket documents: the QR code a door scanner reads (PNG). It encodes only the ticket's
unguessable token, which the scanner sends to `POST /api/tickets/validate/{qr_token}`."""

from __future__ import annotations

import base64
import io

import segno
from pydantic import Field

from aitickets.errors import NotFound
from persistence.models import Ticket

from .common import Id, In, Out
from .context import ToolContext
from .registry import tool


class GetTicketQrIn(In):
    ticket_id: Id
    scale: int = Field(default=8, ge=2, le=20, description="pixels per QR module")


class TicketQrOut(Out):
    ticket_id: int
    qr_token: str
    png_base64: str


def qr_png(payload: str, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    segno.make_qr(payload, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


@tool(
    category="tickets",
    role="staff",
    read_only=True,
    examples=["show me the QR code for ticket 42"],
)
async def get_ticket_qr(ctx: ToolContext, args: GetTicketQrIn) -> TicketQrOut:
    """The QR code of a ticket as a PNG image (base64), for printing or showing at the door."""
    ticket = await ctx.session.get(Ticket, args.ticket_id)
    if ticket is None:
        raise NotFound(f"No ticket with id {args.ticket_id}.")
    png = qr_png(ticket.qr_token, args.scale)
    return TicketQrOut(
        ticket_id=ticket.id,
        qr_token=ticket.qr_token,
        png_base64=base64.b64encode(png).decode(),
    )
