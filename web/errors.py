"""Every error leaves as `{"error": {"code", "message"}}` with the right status; never a trace."""

from __future__ import annotations

import logging
import math

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from aitickets.errors import TicketsError

log = logging.getLogger("aitickets.web")

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def tickets_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TicketsError)
    headers = None
    if exc.http_status in (429, 503):  # the real wait when the error knows it (a 900 s quota)
        wait = exc.details.get("retry_after")
        known = isinstance(wait, int | float) and 0 < wait < math.inf
        seconds = max(1, math.ceil(wait)) if known else 1
        headers = {"Retry-After": str(seconds)}
    return JSONResponse(exc.to_body(), status_code=exc.http_status, headers=headers)


async def http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if exc.status_code != 404 else "There is nothing at this address."
    return error_response(exc.status_code, code, str(message))


async def too_deep(request: Request, exc: Exception) -> Response:
    """The last line behind the bounded JSON reader (aitickets/parsing.py): input nested so
    deeply that some parser ran out of stack is the sender's fault, said as a 400."""
    log.warning("input nested too deeply on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(400, "too_deep", "The request nests too deeply to be read.")


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal", "Something went wrong on our side; it was logged.")


HANDLERS = {
    TicketsError: tickets_error,
    HTTPException: http_error,
    RecursionError: too_deep,
    Exception: unexpected_error,
}
