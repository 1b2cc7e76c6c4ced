"""`/login` for people: an API key typed in, or a one-time code texted to a staff phone, becomes
a session cookie (web/session.py); `POST /logout` ends it. Every form carries a CSRF token."""

from __future__ import annotations

import contextlib
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aitickets.errors import TicketsError
from tools.context import PUBLIC, Actor
from tools.keys import resolve_key

from .session import (
    SESSION_COOKIE,
    clear_session_cookie,
    safe_next,
    session_actor,
    set_session_cookie,
)
from .site_kit import check_csrf, error_page, render

# Where a sign-in lands when no page asked for it.
LANDING = {"admin": "/door", "staff": "/door", "agent": "/events"}
EXPIRED = "This form expired; reload the page and try again."


def _landing(actor: Actor, wanted: str) -> str:
    return safe_next(wanted, LANDING.get(actor.role, "/events"))


async def _page(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    base = {"step": "start", "next": safe_next(request.query_params.get("next", ""), "")}
    return await render(
        request,
        "login.html",
        {**base, **context},
        status=status,
        headers={"Cache-Control": "no-store"},
    )


async def login_page(request: Request) -> Response:
    return await _page(request, {"actor": await session_actor(request)})


def _signed_in(request: Request, token: str, target: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, token)
    return response


async def login_with_key(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    if not check_csrf(request, form):
        return await error_page(request, 403, EXPIRED)
    wanted = safe_next(str(form.get("next", "")), "")
    raw = str(form.get("api_key", "")).strip()
    if not raw or len(raw) > 200:
        return await _page(request, {"error": "Type your API key.", "next": wanted}, 422)
    runner = request.app.state.runner
    actor = await resolve_key(runner.db, runner.settings, raw)
    if actor is None:
        message = "That API key is not valid (unknown or revoked)."
        return await _page(request, {"error": message, "next": wanted}, 401)
    opened = await runner.call("open_web_session", {}, actor)
    return _signed_in(request, opened.session_token, _landing(actor, wanted))


async def request_code(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    if not check_csrf(request, form):
        return await error_page(request, 403, EXPIRED)
    phone = str(form.get("phone", "")).strip()[:40]
    context: dict[str, Any] = {"phone": phone, "next": safe_next(str(form.get("next", "")), "")}
    try:
        sent = await request.app.state.runner.call("request_sign_in_code", {"phone": phone}, PUBLIC)
    except TicketsError as exc:
        return await _page(request, {**context, "error": exc.message}, exc.http_status)
    return await _page(request, {**context, "step": "code", "notice": sent.message})


async def confirm_code(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    if not check_csrf(request, form):
        return await error_page(request, 403, EXPIRED)
    phone = str(form.get("phone", "")).strip()[:40]
    code = str(form.get("code", "")).strip()[:12]
    wanted = safe_next(str(form.get("next", "")), "")
    context: dict[str, Any] = {"phone": phone, "next": wanted, "step": "code"}
    try:
        result = await request.app.state.runner.call(
            "confirm_sign_in_code", {"phone": phone, "code": code}, PUBLIC
        )
    except TicketsError as exc:
        return await _page(request, {**context, "error": exc.message}, exc.http_status)
    if not result.confirmed or not result.session_token:
        return await _page(request, {**context, "error": result.message}, 401)
    actor = Actor(name=result.name or "staff", role=result.role or "staff")
    return _signed_in(request, result.session_token, _landing(actor, wanted))


async def logout(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=5)
    if not check_csrf(request, form):
        return await error_page(request, 403, EXPIRED)
    token = request.cookies.get(SESSION_COOKIE, "")
    if token:
        # A malformed cookie has nothing to close, only to forget.
        with contextlib.suppress(TicketsError):
            await request.app.state.runner.call(
                "close_web_session", {"session_token": token}, PUBLIC
            )
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    clear_session_cookie(response)
    return response


def routes() -> list[Route]:
    return [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_with_key, methods=["POST"]),
        Route("/login/code", request_code, methods=["POST"]),
        Route("/login/verify", confirm_code, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
    ]
