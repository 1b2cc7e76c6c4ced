"""Every error leaves as `{"error": {"code", "message"}}` with the right status; never a trace.
A browser asking for a page (Accept: text/html, outside the API's paths) gets the same message
as a page of the site instead of raw JSON."""

from __future__ import annotations

import logging
import math

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from aitickets.errors import TicketsError

log = logging.getLogger("aitickets.web")

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}
# Machine surfaces keep JSON errors whatever the client accepts.
_API_PREFIXES = (
    "/api/",
    "/tools",
    "/mcp",
    "/voice",
    "/webhooks",
    "/healthz",
    "/openapi.json",
    "/events/stream",
    "/.well-known",
    "/door/api/",
    "/door/stream",
)


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def wants_html(request: Request) -> bool:
    path = request.url.path
    if path == "/api" or path.startswith(_API_PREFIXES) or path.endswith("/live"):
        return False
    return "text/html" in request.headers.get("accept", "")


async def _html(request: Request, status: int, message: str) -> Response | None:
    """The site's error page, or None when it cannot be drawn (then JSON is sent)."""
    from .site_kit import error_page  # the templates load on first use, not at import

    try:
        return await error_page(request, status, message)
    except Exception:  # the page needs the database for the brand; JSON still works without
        log.warning("could not render the HTML error page", exc_info=True)
        return None


async def tickets_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TicketsError)
    headers = None
    if exc.http_status in (429, 503):  # the real wait when the error knows it (a 900 s quota)
        wait = exc.details.get("retry_after")
        known = isinstance(wait, int | float) and 0 < wait < math.inf
        seconds = max(1, math.ceil(wait)) if known else 1
        headers = {"Retry-After": str(seconds)}
    if wants_html(request) and exc.http_status not in (429, 503):
        page = await _html(request, exc.http_status, exc.message)
        if page is not None:
            return page
    return JSONResponse(exc.to_body(), status_code=exc.http_status, headers=headers)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if exc.status_code != 404 else "There is nothing at this address."
    if wants_html(request):
        page = await _html(request, exc.status_code, str(message))
        if page is not None:
            return page
    return error_response(exc.status_code, code, str(message))


async def too_deep(request: Request, exc: Exception) -> Response:
    """The last line behind the bounded JSON reader (aitickets/parsing.py): input nested so
    deeply that some parser ran out of stack is the sender's fault, said as a 400."""
    log.warning("input nested too deeply on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(400, "too_deep", "The request nests too deeply to be read.")


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    message = "Something went wrong on our side; it was logged."
    if wants_html(request):
        page = await _html(request, 500, message)
        if page is not None:
            return page
    return error_response(500, "internal", message)


HANDLERS = {
    TicketsError: tickets_error,
    HTTPException: http_error,
    RecursionError: too_deep,
    Exception: unexpected_error,
}
