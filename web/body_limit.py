"""Request bodies are bounded before they are read: 413 at once when `Content-Length` says too
much, and 413 as soon as a chunked body (no length) passes the limit while it streams in.

Photo uploads (`POST …/my-tickets/{token}/photos`, `/tools/upload_event_photo`) have their own,
larger cap; everything else (MCP included) has `AITICKETS_MAX_BODY_BYTES`. Nothing a route does
can read past the cap: the count is kept on the ASGI `receive` channel itself, below every parser.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

UPLOAD_PATHS = re.compile(r"^((/api)?/my-tickets/[^/]+/photos|/tools/upload_event_photo)/?$")


class BodyTooLarge(Exception):
    """Raised from `receive` once the body passes the cap; turned into 413 below."""


def _refusal(status: int, code: str, message: str) -> tuple[Message, Message]:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),  # the rest of the body is never read
        ],
    }
    return start, {"type": "http.response.body", "body": body}


def _too_large(limit: int) -> tuple[Message, Message]:
    return _refusal(
        413, "payload_too_large", f"The request body is too large; the limit is {limit:,} bytes."
    )


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limit: int, upload_limit: int) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = max(limit, upload_limit)

    def _limit_for(self, scope: Scope) -> int:
        if scope["method"] == "POST" and UPLOAD_PATHS.match(scope["path"]):
            return self.upload_limit
        return self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope)
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None:
            if not declared.strip().isdigit():
                for message in _refusal(400, "bad_request", "Content-Length is not a number."):
                    await send(message)
                return
            if int(declared) > limit:
                for message in _too_large(limit):
                    await send(message)
                return

        received = 0
        started = False

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, bounded_receive, watched_send)
        except BodyTooLarge:
            if started:  # too late for a 413: end the exchange, the server drops the connection
                raise
            for message in _too_large(limit):
                await send(message)
