"""The event dashboard behind a magic link: phone → texted code → session cookie → sales and
check-in charts, with a live check-in counter over SSE (GET /dashboard/{id}/live)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from aitickets.errors import Forbidden, NotFound, TicketsError
from tools.context import PUBLIC

from .site_charts import bar_chart
from .site_kit import check_csrf, error_page, local_time, render

COOKIE = "aitickets_dashboard"
LIVE_POLL_SECONDS = 1.0
LIVE_MAX_SECONDS = 1800.0  # then the browser's EventSource reconnects by itself
HEARTBEAT_SECONDS = 15.0


def _token(request: Request) -> str | None:
    raw = request.cookies.get(COOKIE, "")
    return raw if 20 <= len(raw) <= 64 else None


def _cookie_path(event_id: int) -> str:
    return f"/dashboard/{event_id}"


async def _call(request: Request, tool: str, arguments: dict[str, Any]) -> Any:
    # A dashboard session is no key: the tools themselves check it is for this very event.
    return await request.app.state.runner.call(tool, arguments, PUBLIC)


async def login_page(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    try:
        event = await request.app.state.runner.call("get_event", {"event_id": event_id}, PUBLIC)
    except NotFound:
        return await error_page(request, 404, "There is no such event.")
    return await render(request, "dashboard_login.html", {"event": event, "step": "phone"})


async def request_code(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    form = await request.form(max_files=0, max_fields=10)
    if not check_csrf(request, form):
        return await error_page(request, 403, "This form expired; reload the page and try again.")
    phone = str(form.get("phone", "")).strip()[:40]
    context: dict[str, Any] = {"event_id": event_id, "phone": phone}
    try:
        result = await _call(request, "request_dashboard_code", {"event_id": event_id, **context})
    except TicketsError as exc:
        context.update(step="phone", error=exc.message)
        return await render(request, "dashboard_login.html", context, status=exc.http_status)
    context.update(step="code", notice=result.message)
    return await render(request, "dashboard_login.html", context)


async def confirm_code(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    form = await request.form(max_files=0, max_fields=10)
    if not check_csrf(request, form):
        return await error_page(request, 403, "This form expired; reload the page and try again.")
    phone = str(form.get("phone", "")).strip()[:40]
    code = str(form.get("code", "")).strip()[:12]
    context: dict[str, Any] = {"event_id": event_id, "phone": phone, "step": "code"}
    try:
        result = await _call(
            request, "confirm_dashboard_code", {"event_id": event_id, "phone": phone, "code": code}
        )
    except TicketsError as exc:
        context["error"] = exc.message
        return await render(request, "dashboard_login.html", context, status=exc.http_status)
    if not result.confirmed:
        context["error"] = result.message
        return await render(request, "dashboard_login.html", context, status=401)
    response = RedirectResponse(_cookie_path(event_id), status_code=303)
    response.set_cookie(
        COOKIE,
        result.session_token,
        max_age=12 * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path=_cookie_path(event_id),
    )
    return response


async def sign_out(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    form = await request.form(max_files=0, max_fields=5)
    if not check_csrf(request, form):
        return await error_page(request, 403, "This form expired; reload the page and try again.")
    response = RedirectResponse(f"{_cookie_path(event_id)}/login", status_code=303)
    response.delete_cookie(COOKIE, path=_cookie_path(event_id))
    return response


async def dashboard(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    arguments = {"event_id": event_id, "session_token": _token(request)}
    try:
        data = await _call(request, "get_event_dashboard", arguments)
    except Forbidden:
        return RedirectResponse(f"{_cookie_path(event_id)}/login", status_code=303)
    except NotFound:
        return await error_page(request, 404, "There is no such event.")
    sales = bar_chart(
        "Tickets sold per day",
        "tickets",
        [(d.day.strftime("%b %d"), d.tickets) for d in data.sales_by_day],
    )
    checkins = bar_chart(
        "Check-ins per quarter hour",
        "people",
        [
            (local_time(b.at, data.timezone, "%-I:%M %p"), b.checked_in)
            for b in data.checkins_by_time
        ],
    )
    return await render(
        request,
        "dashboard.html",
        {"data": data, "sales_chart": sales, "checkin_chart": checkins},
        headers={"Cache-Control": "no-store"},
    )


async def _live_events(request: Request, arguments: dict[str, Any]) -> AsyncIterator[bytes]:
    """Server-sent events: a `counts` event whenever the event's stream position moves, and a
    comment line as heartbeat. Ends after LIVE_MAX_SECONDS (the browser reconnects)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LIVE_MAX_SECONDS
    last_change, last_beat = -1, loop.time()
    while loop.time() < deadline:
        if await request.is_disconnected():
            return
        try:
            counts = await _call(request, "get_live_counts", arguments)
        except Forbidden:
            yield b"event: signed_out\ndata: {}\n\n"
            return
        if counts.last_change_id != last_change:
            last_change = counts.last_change_id
            payload = json.dumps(counts.model_dump(mode="json"))
            yield f"id: {last_change}\nevent: counts\ndata: {payload}\n\n".encode()
        elif loop.time() - last_beat > HEARTBEAT_SECONDS:
            last_beat = loop.time()
            yield b": heartbeat\n\n"
        await asyncio.sleep(LIVE_POLL_SECONDS)


async def live(request: Request) -> Response:
    from sse_starlette.sse import EventSourceResponse

    event_id = request.path_params["event_id"]
    arguments = {"event_id": event_id, "session_token": _token(request)}
    try:
        await _call(request, "get_live_counts", arguments)  # refuse before opening a stream
    except TicketsError as exc:
        return JSONResponse(exc.to_body(), status_code=exc.http_status)
    return EventSourceResponse(
        _live_events(request, arguments), headers={"Cache-Control": "no-store"}, ping=3600
    )


def routes() -> list[Route]:
    return [
        Route("/dashboard/{event_id:int}", dashboard, methods=["GET"]),
        Route("/dashboard/{event_id:int}/login", login_page, methods=["GET"]),
        Route("/dashboard/{event_id:int}/login", request_code, methods=["POST"]),
        Route("/dashboard/{event_id:int}/verify", confirm_code, methods=["POST"]),
        Route("/dashboard/{event_id:int}/sign-out", sign_out, methods=["POST"]),
        Route("/dashboard/{event_id:int}/live", live, methods=["GET"]),
    ]
