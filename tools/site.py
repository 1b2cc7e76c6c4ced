"""The public website's tools: brand theming, a buyer's own tickets, and the attendee photo
gallery (uploads sniffed, size-limited and re-encoded; stored under random names)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import re
import secrets
from datetime import datetime
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from aitickets.errors import Conflict, InvalidInput, NotFound
from aitickets.settings import Settings
from persistence.models import Event, EventPhoto, Order, SiteSetting, Ticket, TicketTier, Venue

from .common import Id, In, Out, Page
from .context import ToolContext
from .registry import HttpRoute, tool

BRAND_KEYS = ("brand_name", "brand_color", "brand_logo")
MAX_SIDE = 2048  # uploads are scaled down to fit this box
MAX_PIXELS = 40_000_000  # refused before decoding: a small file can claim a huge canvas
_COLOR_RE = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_STORED_RE = re.compile(r"[0-9a-f]{32}\.(?:jpg|png)")
# What the first bytes of a file say it is; the declared name or type is never trusted.
_SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
)


def _color(value: str) -> str:
    if not _COLOR_RE.fullmatch(value):
        raise ValueError("give a colour as #rgb or #rrggbb, for example #4f46e5")
    return value.lower()


def _logo(value: str) -> str:
    if value and not re.match(r"^(https?://[^\s\"'<>]+|/[^/\s\"'<>][^\s\"'<>]*)$", value):
        raise ValueError("give an http(s) address or a path on this site starting with /")
    return value


def safe_color(value: str, fallback: str = "#4f46e5") -> str:
    return value.lower() if _COLOR_RE.fullmatch(value or "") else fallback


def safe_logo(value: str) -> str:
    try:
        return _logo(value or "")
    except ValueError:
        return ""


def photo_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "photos"


def photo_path(settings: Settings, stored_name: str) -> Path | None:
    """The file of a stored photo, or None for any name this module could not have made."""
    if not _STORED_RE.fullmatch(stored_name):
        return None
    path = photo_dir(settings) / stored_name
    return path if path.is_file() else None


class BrandingOut(Out):
    name: str
    color: str = Field(description="#rrggbb")
    logo_url: str = Field(description="empty when there is no logo")


class GetSiteBrandingIn(In):
    pass


class UpdateSiteBrandingIn(In):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    color: Annotated[str, Field(max_length=16), AfterValidator(_color)] | None = None
    logo_url: Annotated[str, Field(max_length=1000), AfterValidator(_logo)] | None = Field(
        default=None, description="empty string removes the CMS logo (the setting applies)"
    )


class GetMyTicketsIn(In):
    access_token: str = Field(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")


class MyTicketOut(Out):
    id: int
    holder_name: str
    tier_name: str
    status: str
    qr_token: str
    price_cents: int
    checked_in_at: datetime | None


class GetMyTicketsOut(Out):
    order_id: int
    order_status: str
    total_cents: int
    currency: str
    ordered_at: datetime
    event_id: int
    event_name: str
    starts_at: datetime
    ends_at: datetime | None = None
    timezone: str
    venue_name: str
    venue_address: str
    tickets: list[MyTicketOut]


class UploadEventPhotoIn(In):
    access_token: str = Field(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    image_base64: str = Field(min_length=4, max_length=14_000_000)
    caption: str = Field(default="", max_length=300)


class PhotoOut(Out):
    id: int
    event_id: int
    url: str
    width: int
    height: int
    caption: str
    uploaded_by: str
    created_at: datetime


class ListEventPhotosIn(Page):
    event_id: Id | None = None


class ListEventPhotosOut(Out):
    photos: list[PhotoOut]
    total: int


class RemoveEventPhotoIn(In):
    photo_id: Id


def _photo_out(row: EventPhoto) -> PhotoOut:
    return PhotoOut(
        id=row.id,
        event_id=row.event_id,
        url=f"/photos/{row.stored_name}",
        width=row.width,
        height=row.height,
        caption=row.caption,
        uploaded_by=row.uploaded_by,
        created_at=row.created_at,
    )


async def _stored(session: AsyncSession, settings: Settings) -> dict[str, str]:
    rows = await session.scalars(select(SiteSetting).where(SiteSetting.key.in_(BRAND_KEYS)))
    found = {r.key: r.value for r in rows}
    if not found.get("brand_name") and "org_name" not in settings.model_fields_set:
        # Nobody named the site: a venue's own shop should carry the venue's name (the first
        # one made, the seeded venue), not the product's.
        first = await session.scalar(select(Venue.name).order_by(Venue.id).limit(1))
        if first:
            found["brand_name"] = first
    return found


async def _overrides(ctx: ToolContext) -> dict[str, str]:
    return await _stored(ctx.session, ctx.settings)


async def org_name(session: AsyncSession, settings: Settings) -> str:
    """The name the public knows us by, for messages and ticket documents as for the site."""
    return (await _stored(session, settings)).get("brand_name") or settings.org_name


def _branding(settings: Settings, overrides: dict[str, str]) -> BrandingOut:
    return BrandingOut(
        name=overrides.get("brand_name") or settings.org_name,
        color=safe_color(overrides.get("brand_color") or settings.org_color),
        logo_url=safe_logo(overrides.get("brand_logo") or settings.org_logo_url),
    )


@tool(
    category="site",
    role="public",
    read_only=True,
    examples=["what colour is our website", "show the branding"],
    http=HttpRoute("GET", "/api/site/branding"),
)
async def get_site_branding(ctx: ToolContext, args: GetSiteBrandingIn) -> BrandingOut:
    """The organisation's name, brand colour and logo shown on every public page: the CMS
    overrides where set, else the ORG_NAME, ORG_COLOR and ORG_LOGO_URL settings (with ORG_NAME
    unset, the first venue's name)."""
    return _branding(ctx.settings, await _overrides(ctx))


@tool(
    category="site",
    role="admin",
    idempotent=True,
    examples=["make the website colour #0f766e", "rename the site to The Blue Room"],
    http=HttpRoute("PUT", "/api/site/branding"),
)
async def update_site_branding(ctx: ToolContext, args: UpdateSiteBrandingIn) -> BrandingOut:
    """Override the website's name, brand colour (#rrggbb) or logo address; an empty logo_url
    removes the override so the setting applies again."""
    changes = args.model_dump(exclude_unset=True, exclude_none=True)
    if not changes:
        raise InvalidInput("Nothing to change: give name, color or logo_url.")
    stored = {r.key: r for r in await ctx.session.scalars(select(SiteSetting))}
    for field, value in changes.items():
        key = {"name": "brand_name", "color": "brand_color", "logo_url": "brand_logo"}[field]
        if key in stored:
            stored[key].value, stored[key].updated_at = value, ctx.now()
        else:
            ctx.session.add(SiteSetting(key=key, value=value, updated_at=ctx.now()))
    await ctx.session.flush()
    ctx.emit("site.branding_updated", {"fields": sorted(changes)})
    return _branding(ctx.settings, await _overrides(ctx))


async def _order_by_token(ctx: ToolContext, token: str, *, lock: bool = False) -> Order:
    query = select(Order).where(Order.access_token == token)
    if lock:
        query = query.with_for_update()
    order = await ctx.session.scalar(query)
    if order is None:
        raise NotFound("No order has that link; check it was copied whole.")
    return order


def _sniff_head(encoded: str) -> None:
    """The first bytes only (16 base64 characters) against the signatures: the rest of an upload
    that is no photo is never decoded."""
    try:
        head = base64.b64decode(encoded[:16], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("image_base64: is not valid base64.") from None
    webp = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if not (webp or any(head.startswith(magic) for magic, _kind in _SIGNATURES)):
        raise InvalidInput("That file is not a photo (JPEG, PNG, GIF or WebP).")


async def _photo_allowance(ctx: ToolContext, order: Order) -> int:
    """How many more photos this order may add: AITICKETS_PHOTOS_PER_TICKET for each of its
    tickets still valid or used; refuses when there are none left."""
    if order.status not in ("paid",):
        raise InvalidInput("Only holders of a paid or free ticket can add photos.")
    tickets = await ctx.session.scalar(
        select(func.count(Ticket.id)).where(
            Ticket.order_id == order.id, Ticket.status.in_(("valid", "checked_in"))
        )
    )
    uploaded = await ctx.session.scalar(
        select(func.count(EventPhoto.id)).where(EventPhoto.order_id == order.id)
    )
    left = (tickets or 0) * ctx.settings.photos_per_ticket - (uploaded or 0)
    if left <= 0:
        raise Conflict(
            f"This order has added all the photos it may "
            f"({ctx.settings.photos_per_ticket} per ticket).",
            code="photo_quota",
        )
    return left


@tool(
    category="site",
    role="public",
    read_only=True,
    examples=["show my tickets"],
    http=HttpRoute("GET", "/api/my-tickets/{access_token}"),
)
async def get_my_tickets(ctx: ToolContext, args: GetMyTicketsIn) -> GetMyTicketsOut:
    """A buyer's own order, reached by its private access token: the event, and each ticket
    with its holder, tier, status and QR code. Only that order's tickets are returned."""
    order = await _order_by_token(ctx, args.access_token)
    event, venue = (
        await ctx.session.execute(
            select(Event, Venue)
            .join(Venue, Venue.id == Event.venue_id)
            .where(Event.id == order.event_id)
        )
    ).one()
    rows = (
        await ctx.session.execute(
            select(Ticket, TicketTier.name)
            .join(TicketTier, TicketTier.id == Ticket.tier_id)
            .where(Ticket.order_id == order.id)
            .order_by(Ticket.id)
        )
    ).all()
    tickets = [
        MyTicketOut(
            id=t.id,
            holder_name=t.holder_name,
            tier_name=tier_name,
            status=t.status,
            qr_token=t.qr_token,
            price_cents=t.price_cents,
            checked_in_at=t.checked_in_at,
        )
        for t, tier_name in rows
    ]
    return GetMyTicketsOut(
        order_id=order.id,
        order_status=order.status,
        total_cents=order.total_cents,
        currency=order.currency,
        ordered_at=order.created_at,
        event_id=event.id,
        event_name=event.name,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=venue.timezone,
        venue_name=venue.name,
        venue_address=venue.address,
        tickets=tickets,
    )


def reencode_image(raw: bytes, max_bytes: int) -> tuple[bytes, str, int, int]:
    """Sniff, bound and re-encode an upload: (bytes, "jpg"|"png", width, height). Metadata
    (EXIF, GPS) is dropped because only pixels are copied."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(raw) > max_bytes:
        raise InvalidInput(f"The photo is too large; the limit is {max_bytes // 1_000_000} MB.")
    sniffed = next((kind for magic, kind in _SIGNATURES if raw.startswith(magic)), None)
    if sniffed is None and raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        sniffed = "WEBP"
    if sniffed is None:
        raise InvalidInput("That file is not a photo (JPEG, PNG, GIF or WebP).")
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format != sniffed:
                raise InvalidInput("That file is not the image it claims to be.")
            if image.width * image.height > MAX_PIXELS:
                raise InvalidInput("The photo has too many pixels; send a smaller one.")
            image.load()
            picture = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow refuses (or, where warnings are errors, warns about) a header that claims
        # more pixels than it will decode: the same answer as MAX_PIXELS, never a 500.
        raise InvalidInput("The photo has too many pixels; send a smaller one.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, InvalidInput):
            raise
        raise InvalidInput("That photo could not be read; it may be damaged.") from None
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if picture.mode in ("RGBA", "LA") or "transparency" in picture.info:
        clean = Image.new("RGBA", picture.size)
        clean.paste(picture.convert("RGBA"))
        clean.save(out, format="PNG", optimize=True)
        ext = "png"
    else:
        clean = Image.new("RGB", picture.size)
        clean.paste(picture.convert("RGB"))
        clean.save(out, format="JPEG", quality=85)
        ext = "jpg"
    return out.getvalue(), ext, clean.width, clean.height


@tool(
    category="site",
    role="public",
    examples=["upload my photo from the show"],
    http=HttpRoute("POST", "/api/my-tickets/{access_token}/photos", 201),
)
async def upload_event_photo(ctx: ToolContext, args: UploadEventPhotoIn) -> PhotoOut:
    """Add a photo to an event's public gallery, as a ticket holder (their order's access
    token). JPEG, PNG, GIF or WebP, checked by content, size-limited and re-encoded."""
    # Who may upload, and how much, is settled before any byte of the image is decoded: a
    # made-up token or a full quota costs one lookup, not a decompressed picture.
    await _photo_allowance(ctx, await _order_by_token(ctx, args.access_token))
    max_bytes = ctx.settings.photo_max_bytes
    if len(args.image_base64) * 3 // 4 > max_bytes + 3:  # what the base64 would decode to
        raise InvalidInput(f"The photo is too large; the limit is {max_bytes // 1_000_000} MB.")
    _sniff_head(args.image_base64)
    await ctx.commit_now()  # nothing written yet: give the connection back while decoding
    try:
        raw = base64.b64decode(args.image_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("image_base64: is not valid base64.") from None
    # Decoding is CPU work: done in a thread, holding no connection or lock.
    data, ext, width, height = await asyncio.to_thread(reencode_image, raw, max_bytes)
    # Again, in the transaction that writes the row (locking the order where the database
    # can), so that uploads racing each other cannot pass the quota together.
    order = await _order_by_token(ctx, args.access_token, lock=True)
    await _photo_allowance(ctx, order)
    holder = await ctx.session.scalar(
        select(Ticket.holder_name).where(Ticket.order_id == order.id).limit(1)
    )
    stored_name = f"{secrets.token_hex(16)}.{ext}"
    folder = photo_dir(ctx.settings)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / stored_name).write_bytes(data)
    row = EventPhoto(
        event_id=order.event_id,
        order_id=order.id,
        stored_name=stored_name,
        content_type=f"image/{'jpeg' if ext == 'jpg' else 'png'}",
        width=width,
        height=height,
        size_bytes=len(data),
        caption=args.caption,
        uploaded_by=(holder or "").split(" ")[0],
        created_at=ctx.now(),
    )
    ctx.session.add(row)
    await ctx.session.flush()
    ctx.emit("photo.uploaded", {"photo_id": row.id}, event_id=order.event_id)
    return _photo_out(row)


@tool(
    category="site",
    role="public",
    read_only=True,
    examples=["show the photos from Jazz Night", "list the gallery"],
    http=HttpRoute("GET", "/api/photos"),
)
async def list_event_photos(ctx: ToolContext, args: ListEventPhotosIn) -> ListEventPhotosOut:
    """The public photo gallery, newest first, for one event or all of them."""
    query = select(EventPhoto).join(Event, Event.id == EventPhoto.event_id)
    query = query.where(Event.visibility != "draft")
    if args.event_id is not None:
        query = query.where(EventPhoto.event_id == args.event_id)
    total = await ctx.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await ctx.session.scalars(
        query.order_by(EventPhoto.id.desc()).limit(args.limit).offset(args.offset)
    )
    return ListEventPhotosOut(photos=[_photo_out(r) for r in rows], total=total or 0)


@tool(
    category="site",
    role="staff",
    destructive=True,
    examples=["remove photo 12 from the gallery"],
    http=HttpRoute("DELETE", "/api/photos/{photo_id}"),
)
async def remove_event_photo(ctx: ToolContext, args: RemoveEventPhotoIn) -> PhotoOut:
    """Take a photo out of the gallery for good (the file is deleted)."""
    row = await ctx.session.get(EventPhoto, args.photo_id)
    if row is None:
        raise NotFound(f"No photo with id {args.photo_id}.")
    removed = _photo_out(row)
    path = photo_path(ctx.settings, row.stored_name)
    await ctx.session.delete(row)
    await ctx.session.flush()
    if path is not None:
        path.unlink(missing_ok=True)
    ctx.emit("photo.removed", {"photo_id": removed.id}, event_id=removed.event_id)
    return removed
