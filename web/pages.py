"""Public HTML pages (Jinja2, autoescaped): listing, event and purchase, my tickets, gallery,
About. They call the same tools as every other surface, as the anonymous public."""

from __future__ import annotations

import base64
import math
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from aitickets.errors import InvalidInput, NotFound, PaymentRequired, TicketsError
from tools.context import PUBLIC
from tools.site import photo_path

from . import dashboard_pages
from .site_kit import HERE, check_csrf, error_page, render

PER_PAGE = 12
PHOTOS_PER_PAGE = 24


async def _call(request: Request, tool: str, arguments: dict[str, Any]) -> Any:
    return await request.app.state.runner.call(tool, arguments, PUBLIC)


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return max(1, min(int(raw), 100_000)) if raw.isdecimal() and len(raw) < 7 else 1


async def home(_request: Request) -> Response:
    return RedirectResponse("/events", status_code=302)


async def events_page(request: Request) -> Response:
    query = request.query_params.get("q", "").strip()[:100]
    category = request.query_params.get("category", "").strip()[:100]
    page = _page_number(request)
    arguments: dict[str, Any] = {"limit": PER_PAGE, "offset": (page - 1) * PER_PAGE}
    if query:
        arguments["q"] = query
    if category:
        arguments["category"] = category
    listing = await _call(request, "list_events", arguments)
    categories = (await _call(request, "list_categories", {})).categories
    pages = max(1, math.ceil(listing.total / PER_PAGE))
    return await render(
        request,
        "events.html",
        {
            "events": listing.events,
            "total": listing.total,
            "q": query,
            "category": category,
            "categories": categories,
            "page": page,
            "pages": pages,
            "params": {k: v for k, v in (("q", query), ("category", category)) if v},
        },
    )


async def event_view(
    request: Request,
    event_id: int,
    *,
    error: str = "",
    status: int = 200,
    form: Any = None,
    **extra: Any,
) -> Response:
    """The event page; `extra` carries what a form posted to it left to say (the waitlist)."""
    try:
        event = await _call(request, "get_event", {"event_id": event_id})
    except NotFound:
        return await error_page(request, 404, "There is no such event.")
    return await render(
        request,
        "event.html",
        {"event": event, "error": error, "form": form or {}, **extra},
        status=status,
    )


async def event_page(request: Request) -> Response:
    return await event_view(request, request.path_params["event_id"])


def _int(value: Any, default: int = 0) -> int:
    text = str(value or "").strip()
    return int(text) if text.isdecimal() and len(text) < 10 else default


async def purchase(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    form = await request.form(max_files=0, max_fields=20)
    if not check_csrf(request, form):
        return await error_page(request, 403, "This form expired; reload the page and try again.")
    buyer: dict[str, Any] = {"name": str(form.get("name", "")).strip()}
    for field in ("email", "phone"):
        if str(form.get(field, "")).strip():
            buyer[field] = str(form.get(field)).strip()
    arguments = {
        "event_id": event_id,
        "tier_id": _int(form.get("tier_id")),
        "quantity": _int(form.get("quantity"), 1),
        "customer": buyer,
    }
    keep = {k: str(form.get(k, ""))[:200] for k in ("name", "email", "phone", "tier_id")}
    try:
        result = await _call(request, "purchase_tickets", arguments)
    except PaymentRequired:
        message = (
            "Paid tickets cannot be bought online here yet: please pay at the box office, "
            "or choose a free tier."
        )
        return await event_view(request, event_id, error=message, status=402, form=keep)
    except TicketsError as exc:
        return await event_view(
            request, event_id, error=exc.message, status=exc.http_status, form=keep
        )
    checkout_url = getattr(result, "checkout_url", None)
    if checkout_url and str(checkout_url).startswith(("https://", "http://", "/")):
        return RedirectResponse(str(checkout_url), status_code=303)
    return RedirectResponse(f"/my-tickets/{result.access_token}", status_code=303)


def qr_data_uri(text: str) -> str:
    """An inline SVG QR code (segno), so the page needs no second request to show it."""
    import segno

    return str(segno.make(text, error="m").svg_data_uri(scale=4, border=2))


async def my_tickets(request: Request, *, error: str = "", status: int = 200) -> Response:
    token = request.path_params["access_token"]
    try:
        order = await _call(request, "get_my_tickets", {"access_token": token})
    except (NotFound, InvalidInput):
        return await error_page(request, 404, "No order has that link; check it was copied whole.")
    qr = {t.id: qr_data_uri(t.qr_token) for t in order.tickets if t.status == "valid"}
    photos = await _call(request, "list_event_photos", {"event_id": order.event_id, "limit": 12})
    return await render(
        request,
        "my_tickets.html",
        {"order": order, "token": token, "qr": qr, "photos": photos.photos, "error": error},
        status=status,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


async def upload_photo(request: Request) -> Response:
    # The link is checked before the upload is read: a made-up token costs one lookup, not a
    # spooled file (the body's size is capped below us too, in web/body_limit.py).
    token = request.path_params["access_token"]
    try:
        await _call(request, "get_my_tickets", {"access_token": token})
    except (NotFound, InvalidInput):
        return await error_page(request, 404, "No order has that link; check it was copied whole.")
    limit = request.app.state.settings.photo_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdecimal() and int(declared) > limit + 100_000:
        return await my_tickets(request, error="The photo is too large.", status=413)
    async with request.form(max_files=1, max_fields=5) as form:
        if not check_csrf(request, form):
            return await error_page(request, 403, "This form expired; reload and try again.")
        upload = form.get("photo")
        if not isinstance(upload, UploadFile):
            return await my_tickets(request, error="Choose a photo to upload.", status=422)
        data = await upload.read(limit + 1)
        caption = str(form.get("caption", "")).strip()[:300]
    arguments = {
        "access_token": request.path_params["access_token"],
        "image_base64": base64.b64encode(data).decode(),
        "caption": caption,
    }
    try:
        await _call(request, "upload_event_photo", arguments)
    except TicketsError as exc:
        return await my_tickets(request, error=exc.message, status=exc.http_status)
    return RedirectResponse(
        f"/my-tickets/{request.path_params['access_token']}?uploaded=1#photos", status_code=303
    )


async def gallery(request: Request) -> Response:
    page = _page_number(request)
    arguments: dict[str, Any] = {"limit": PHOTOS_PER_PAGE, "offset": (page - 1) * PHOTOS_PER_PAGE}
    event = None
    if "event_id" in request.path_params:
        try:
            event = await _call(request, "get_event", {"event_id": request.path_params["event_id"]})
        except NotFound:
            return await error_page(request, 404, "There is no such event.")
        arguments["event_id"] = event.id
    listing = await _call(request, "list_event_photos", arguments)
    return await render(
        request,
        "photos.html",
        {
            "photos": listing.photos,
            "event": event,
            "page": page,
            "pages": max(1, math.ceil(listing.total / PHOTOS_PER_PAGE)),
        },
    )


async def photo_file(request: Request) -> Response:
    path = photo_path(request.app.state.settings, request.path_params["name"])
    if path is None:
        return await error_page(request, 404, "There is no such photo.")
    return FileResponse(
        path,
        media_type="image/png" if path.suffix == ".png" else "image/jpeg",
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


async def about(request: Request) -> Response:
    page = await _call(request, "get_about_page", {})
    return await render(request, "about.html", {"sections": page.sections, "team": page.team})


def routes() -> list[Route | Mount]:
    return [
        Route("/", home, methods=["GET"]),
        Route("/events", events_page, methods=["GET"]),
        Route("/events/{event_id:int}", event_page, methods=["GET"]),
        Route("/events/{event_id:int}/purchase", purchase, methods=["POST"]),
        Route("/events/{event_id:int}/photos", gallery, methods=["GET"]),
        Route("/my-tickets/{access_token}", my_tickets, methods=["GET"]),
        Route("/my-tickets/{access_token}/photos", upload_photo, methods=["POST"]),
        Route("/photos", gallery, methods=["GET"]),
        Route("/photos/{name}", photo_file, methods=["GET"]),
        Route("/about", about, methods=["GET"]),
        *dashboard_pages.routes(),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
