"""The demo gateway's checkout page (TEST MODE: no money moves), its payment-link page, and the
pages a buyer returns to from any gateway. The forms (Pay, Cancel, a link's Continue) are POSTs
protected by a double-submit CSRF token: a random value in an HttpOnly, SameSite=Strict cookie
that the form must echo."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aitickets.errors import NotFound, TicketsError
from tools.context import PUBLIC

from . import site_kit

CSRF_COOKIE = "aitickets_checkout_csrf"
CSRF_FIELD = "csrf_token"


async def _page(
    request: Request, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    # The site's templates and brand (CMS overrides included), like every other page.
    context = {"brand": await site_kit.brand(request), **context}
    return site_kit.templates.TemplateResponse(request, name, context, status_code=status)


async def _problem(request: Request, exc: TicketsError) -> Response:
    status = exc.http_status if 400 <= exc.http_status < 600 else 400
    return await _page(
        request, "checkout_return.html", {"checkout": None, "error": exc.message}, status
    )


async def _status(request: Request, **ref: str) -> Any:
    return await request.app.state.runner.call("get_checkout_status", ref, PUBLIC)


def _with_csrf(response: Response, token: str) -> Response:
    response.set_cookie(
        CSRF_COOKIE, token, httponly=True, samesite="strict", path="/checkout", max_age=3600
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _token_of(value: object) -> str:
    """An access token from a query or form field; a wrong one simply finds no checkout."""
    token = str(value or "")
    return token if 16 <= len(token) <= 64 else ""


async def demo_checkout(request: Request) -> Response:
    # The buyer's link carries the order's access token: the session id alone shows nothing.
    token = _token_of(request.query_params.get("access_token"))
    if not token:
        context = {"checkout": None, "error": "No checkout matches that link."}
        return await _page(request, "checkout_return.html", context, 404)
    try:
        checkout = await _status(
            request, session_id=request.path_params["session_id"], access_token=token
        )
    except TicketsError as exc:
        return await _problem(request, exc)
    if checkout.provider != "demo":
        context = {"checkout": None, "error": "No checkout matches that link."}
        return await _page(request, "checkout_return.html", context, 404)
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    context = {"checkout": checkout, "csrf": csrf, "access_token": token}
    return _with_csrf(await _page(request, "checkout.html", context), csrf)


async def _csrf_ok(request: Request) -> bool:
    form = await request.form()
    sent, cookie = str(form.get(CSRF_FIELD) or ""), request.cookies.get(CSRF_COOKIE) or ""
    return bool(cookie) and secrets.compare_digest(sent.encode(), cookie.encode())


async def _demo_action(request: Request, tool: str, result: str) -> Response:
    if not await _csrf_ok(request):
        error = "This form has expired or did not come from this site; reload the page."
        return await _page(request, "checkout_return.html", {"checkout": None, "error": error}, 403)
    token = _token_of((await request.form()).get("access_token"))
    if not token:
        context = {"checkout": None, "error": "No checkout matches that link."}
        return await _page(request, "checkout_return.html", context, 404)
    arguments = {"session_id": request.path_params["session_id"], "access_token": token}
    try:
        await request.app.state.runner.call(tool, arguments, PUBLIC)
    except TicketsError as exc:
        return await _problem(request, exc)
    return RedirectResponse(f"/checkout/return/{token}?result={result}", status_code=303)


async def demo_pay(request: Request) -> Response:
    return await _demo_action(request, "complete_demo_checkout", "success")


async def demo_cancel(request: Request) -> Response:
    return await _demo_action(request, "cancel_checkout", "cancel")


async def checkout_return(request: Request) -> Response:
    try:
        checkout = await _status(request, access_token=request.path_params["access_token"])
    except TicketsError as exc:
        return await _problem(request, exc)
    result = request.query_params.get("result", "")
    token = request.path_params["access_token"]
    tickets: list[Any] = []
    if checkout.status == "paid":  # the confirmation offers the tickets' documents at once
        order = await request.app.state.runner.call(
            "get_my_tickets", {"access_token": token}, PUBLIC
        )
        tickets = [t for t in order.tickets if t.status == "valid"]
    context = {
        "checkout": checkout,
        "error": None,
        "result": result,
        "access_token": token,
        "tickets": tickets,
    }
    response = await _page(request, "checkout_return.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _link_page(
    request: Request, *, error: str = "", status: int = 200, form: dict[str, str] | None = None
) -> Response:
    """A demo payment link: what it sells, and a form that starts the same checkout as the
    event page (seats held, then the TEST MODE checkout page to pay)."""
    link_id = request.path_params["link_id"]
    try:
        link = await request.app.state.runner.call("get_payment_link", {"link_id": link_id}, PUBLIC)
    except TicketsError as exc:  # unknown, switched off or expired: all "not found"
        return await _problem(request, exc)
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    context = {"link": link, "csrf": token, "error": error, "form": form or {}}
    return _with_csrf(await _page(request, "checkout_link.html", context, status), token)


async def link_page(request: Request) -> Response:
    return await _link_page(request)


async def link_buy(request: Request) -> Response:
    if not await _csrf_ok(request):
        error = "This form has expired or did not come from this site; reload the page."
        return await _page(request, "checkout_return.html", {"checkout": None, "error": error}, 403)
    form = await request.form()
    keep = {k: str(form.get(k) or "").strip()[:320] for k in ("name", "email")}
    arguments = {
        "link_id": request.path_params["link_id"],
        "customer": {k: v for k, v in keep.items() if v},
    }
    try:
        sale = await request.app.state.runner.call("buy_with_payment_link", arguments, PUBLIC)
    except NotFound as exc:
        return await _problem(request, exc)
    except TicketsError as exc:  # sold out, paused, a bad email: say so on the link's page
        return await _link_page(request, error=exc.message, status=exc.http_status, form=keep)
    if not str(sale.checkout_url or "").startswith(("https://", "http://", "/")):
        return RedirectResponse(f"/checkout/return/{sale.access_token}", status_code=303)
    return RedirectResponse(str(sale.checkout_url), status_code=303)


def routes() -> list[Route]:
    return [
        Route("/checkout/link/{link_id}", link_page, methods=["GET"]),
        Route("/checkout/link/{link_id}", link_buy, methods=["POST"]),
        Route("/checkout/demo/{session_id}", demo_checkout, methods=["GET"]),
        Route("/checkout/demo/{session_id}/pay", demo_pay, methods=["POST"]),
        Route("/checkout/demo/{session_id}/cancel", demo_cancel, methods=["POST"]),
        Route("/checkout/return/{access_token}", checkout_return, methods=["GET"]),
    ]
