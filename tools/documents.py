"""Ticket documents: the QR code a door scanner reads (PNG), a printable PDF ticket and an Apple
Wallet pass. The QR encodes only the ticket's unguessable token, which the scanner sends to
`POST /api/tickets/validate/{qr_token}`. Staff reach any ticket's documents; a buyer reaches the
tickets of their own order through its access token (the link in their confirmation)."""

from __future__ import annotations

import base64
from typing import Literal

from pydantic import Field
from sqlalchemy import select

from aitickets.errors import Conflict, NotFound
from persistence.models import Event, Order, Ticket, TicketTier, Venue

from .common import Id, In, Out
from .context import ToolContext
from .documents_render import TicketView, qr_png, ticket_pdf, wallet_pass
from .registry import tool
from .site import org_name
from .voice import speaks

__all__ = ["qr_png"]

DocumentKind = Literal["pdf", "pkpass", "qr"]
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "pkpass": "application/vnd.apple.pkpass",
    "qr": "image/png",
}
EXTENSIONS = {"pdf": "pdf", "pkpass": "pkpass", "qr": "png"}


class GetTicketQrIn(In):
    ticket_id: Id
    scale: int = Field(default=8, ge=2, le=20, description="pixels per QR module")


class TicketQrOut(Out):
    ticket_id: int
    qr_token: str
    png_base64: str


class TicketDocumentIn(In):
    ticket_id: Id


class MyTicketDocumentIn(In):
    access_token: str = Field(min_length=16, max_length=64)
    ticket_id: Id
    kind: DocumentKind = "pdf"


class TicketDocumentOut(Out):
    ticket_id: int
    filename: str
    media_type: str
    content_base64: str
    signed: bool | None = Field(default=None, description="wallet passes: signed for Wallet")
    url: str = Field(description="where staff can download it (needs a staff key)")


async def _view(ctx: ToolContext, ticket: Ticket) -> TicketView:
    row = (
        await ctx.session.execute(
            select(Event, Venue, TicketTier)
            .join(Venue, Venue.id == Event.venue_id)
            .join(TicketTier, TicketTier.id == ticket.tier_id)
            .where(Event.id == ticket.event_id)
        )
    ).first()
    assert row is not None
    event, venue, tier = row
    return TicketView(
        ticket_id=ticket.id,
        order_id=ticket.order_id,
        qr_token=ticket.qr_token,
        status=ticket.status,
        holder_name=ticket.holder_name,
        event_name=event.name,
        starts_at=event.starts_at,
        venue_name=venue.name,
        venue_address=venue.address,
        timezone=venue.timezone or ctx.settings.default_timezone,
        tier_name=tier.name,
        price_cents=ticket.price_cents,
        currency=tier.currency,
    )


async def _render(ctx: ToolContext, ticket: Ticket, kind: DocumentKind) -> TicketDocumentOut:
    signed: bool | None = None
    if kind == "qr":
        content = qr_png(ticket.qr_token)
    elif kind == "pdf":
        content = ticket_pdf(await _view(ctx, ticket), await org_name(ctx.session, ctx.settings))
    else:
        content, signed = wallet_pass(await _view(ctx, ticket), ctx.settings)
    base = ctx.settings.public_base_url.rstrip("/")
    name = "qr.png" if kind == "qr" else f"ticket.{EXTENSIONS[kind]}"
    return TicketDocumentOut(
        ticket_id=ticket.id,
        filename=f"ticket-{ticket.id}.{EXTENSIONS[kind]}",
        media_type=MEDIA_TYPES[kind],
        content_base64=base64.b64encode(content).decode(),
        signed=signed,
        url=f"{base}/api/tickets/{ticket.id}/{name}",
    )


async def _staff_ticket(ctx: ToolContext, ticket_id: int) -> Ticket:
    ticket = await ctx.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"No ticket with id {ticket_id}.")
    return ticket


@tool(
    category="tickets",
    role="staff",
    read_only=True,
    examples=["show me the QR code for ticket 42"],
    voice=speaks("qr code for|show qr|qr image", "qr"),
)
async def get_ticket_qr(ctx: ToolContext, args: GetTicketQrIn) -> TicketQrOut:
    """The QR code of a ticket as a PNG image (base64), for printing or showing at the door."""
    ticket = await _staff_ticket(ctx, args.ticket_id)
    png = qr_png(ticket.qr_token, args.scale)
    return TicketQrOut(
        ticket_id=ticket.id,
        qr_token=ticket.qr_token,
        png_base64=base64.b64encode(png).decode(),
    )


@tool(
    category="tickets",
    role="staff",
    read_only=True,
    examples=["print ticket 42", "get the PDF for John's ticket"],
)
async def download_ticket_pdf(ctx: ToolContext, args: TicketDocumentIn) -> TicketDocumentOut:
    """A printable PDF of a ticket (event, venue, local time, tier, holder and its QR code),
    base64-encoded; also at GET /api/tickets/{ticket_id}/ticket.pdf."""
    return await _render(ctx, await _staff_ticket(ctx, args.ticket_id), "pdf")


@tool(
    category="tickets",
    role="staff",
    read_only=True,
    examples=["get the Apple Wallet pass for ticket 42"],
)
async def download_wallet_pass(ctx: ToolContext, args: TicketDocumentIn) -> TicketDocumentOut:
    """An Apple Wallet pass (.pkpass) of a ticket, base64-encoded; signed when the wallet
    certificates are configured, unsigned (development only) otherwise. Also at
    GET /api/tickets/{ticket_id}/ticket.pkpass."""
    return await _render(ctx, await _staff_ticket(ctx, args.ticket_id), "pkpass")


@tool(
    category="tickets",
    role="public",
    read_only=True,
    examples=["download my ticket"],
)
async def get_my_ticket_document(ctx: ToolContext, args: MyTicketDocumentIn) -> TicketDocumentOut:
    """A buyer's own ticket as PDF, Apple Wallet pass or QR PNG (base64), found through the
    private access token of their order; only tickets of that order, and not voided ones."""
    ticket = await ctx.session.scalar(
        select(Ticket)
        .join(Order, Order.id == Ticket.order_id)
        .where(Order.access_token == args.access_token, Ticket.id == args.ticket_id)
    )
    if ticket is None:
        raise NotFound("No such ticket in this order.")
    if ticket.status not in ("valid", "checked_in"):
        raise Conflict(f"This ticket was {ticket.status}.", code=f"ticket_{ticket.status}")
    return await _render(ctx, ticket, args.kind)
