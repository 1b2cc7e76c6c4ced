"""The shop's buyer flows beside the listing: joining a sold-out event's waitlist, the page
behind a waitlist offer's link (see what is held, claim it), and a buyer's calendar file."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aitickets.errors import InvalidInput, NotFound, TicketsError
from tools.context import PUBLIC

from .calendar import event_ics
from .pages import event_view
from .site_kit import brand, check_csrf, error_page, render

EXPIRED_FORM = "This form expired; reload the page and try again."


async def _call(request: Request, tool: str, arguments: dict[str, Any]) -> Any:
    return await request.app.state.runner.call(tool, arguments, PUBLIC)


def _digits(value: Any, default: int | None = None) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdecimal() and len(text) < 10 else default


async def join_waitlist(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    form = await request.form(max_files=0, max_fields=20)
    if not check_csrf(request, form):
        return await error_page(request, 403, EXPIRED_FORM)
    keep = {k: str(form.get(k, "")).strip()[:320] for k in ("name", "email")}
    arguments: dict[str, Any] = {
        "event_id": event_id,
        "name": keep["name"],
        "email": keep["email"],
        "quantity": _digits(form.get("quantity"), 1),
    }
    tier_id = _digits(form.get("tier_id"))
    if tier_id:
        arguments["tier_id"] = tier_id
    try:
        place = await _call(request, "join_waitlist", arguments)
    except NotFound as exc:
        return await error_page(request, 404, exc.message)
    except TicketsError as exc:
        return await event_view(
            request, event_id, status=exc.http_status, form=keep, waitlist_error=exc.message
        )
    return await event_view(request, event_id, status=201, joined=place)


async def offer_page(request: Request, *, error: str = "", status: int = 200) -> Response:
    token = request.path_params["token"]
    try:
        offer = await _call(request, "get_waitlist_offer", {"token": token})
    except (NotFound, InvalidInput):
        return await error_page(
            request, 404, "That waitlist offer link is not valid; check it was copied whole."
        )
    return await render(
        request,
        "waitlist_offer.html",
        {"offer": offer, "token": token, "error": error},
        status=status,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


async def claim_offer(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=5)
    if not check_csrf(request, form):
        return await error_page(request, 403, EXPIRED_FORM)
    try:
        bought = await _call(
            request, "claim_waitlist_offer", {"token": request.path_params["token"]}
        )
    except NotFound:
        return await offer_page(request)
    except TicketsError as exc:
        return await offer_page(request, error=exc.message, status=exc.http_status)
    checkout_url = str(getattr(bought, "checkout_url", None) or "")
    if checkout_url.startswith(("https://", "http://", "/")):
        return RedirectResponse(checkout_url, status_code=303)
    return RedirectResponse(f"/my-tickets/{bought.access_token}", status_code=303)


async def order_calendar(request: Request) -> Response:
    token = request.path_params["access_token"]
    try:
        order = await _call(request, "get_my_tickets", {"access_token": token})
    except (NotFound, InvalidInput):
        return await error_page(request, 404, "No order has that link; check it was copied whole.")
    settings = request.app.state.settings
    organiser = (await brand(request))["name"]
    body = event_ics(
        uid=f"order-{order.order_id}-event-{order.event_id}@aitickets",
        name=order.event_name,
        starts_at=order.starts_at,
        ends_at=order.ends_at,
        location=", ".join(p for p in (order.venue_name, order.venue_address) if p),
        url=f"{settings.public_base_url.rstrip('/')}/my-tickets/{token}",
        organiser=organiser,
        now=request.app.state.clock(),
    )
    return Response(
        body,
        media_type="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="event-{order.event_id}.ics"',
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )


def routes() -> list[Route]:
    return [
        Route("/events/{event_id:int}/waitlist", join_waitlist, methods=["POST"]),
        Route("/waitlist/offers/{token}", offer_page, methods=["GET"]),
        Route("/waitlist/offers/{token}/claim", claim_offer, methods=["POST"]),
        Route("/my-tickets/{access_token}/event.ics", order_calendar, methods=["GET"]),
    ]
