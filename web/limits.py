"""Abuse limits: per-IP token buckets on public and sign-in routes, and CORS from an allow-list.

- Requests without a key (the public site and API) draw from the public bucket of their IP.
- Sign-in routes (dashboard codes and sessions, logins, magic links) draw from the stricter auth
  bucket whether or not a key is sent, and so does every answer of 401 (a wrong key): an IP that
  keeps guessing keys is refused with 429 until its bucket refills.
- Requests with a valid key are not limited, so the door's hot path costs one dict lookup.

Buckets live in this process (one server process is the norm; several processes each keep their
own). Every refusal is 429 with `Retry-After` and the usual error body.
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aitickets.settings import Settings

AUTH_PATHS = re.compile(r"/dashboard/(code|session|login)|/login\b|/magic|/verify\b")
EXEMPT_PREFIXES = ("/healthz", "/static/")
# The door page's calls carry a session cookie instead of a key: treated like a key (a wrong one
# answers 401, which draws from the auth bucket), so a busy door is never throttled.
SESSION_PATHS = ("/door/api/", "/door/stream")
SESSION_COOKIE = b"aitickets_session="
MAX_TRACKED = 50_000


@dataclass(frozen=True)
class Rate:
    requests: int
    seconds: float

    @classmethod
    def parse(cls, text: str) -> Rate | None:
        """ "120/60" → 120 requests per 60 s; "" or "off" → no limit."""
        text = text.strip().lower()
        if text in ("", "off", "none", "0"):
            return None
        match = re.fullmatch(r"(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*s?", text)
        if not match or int(match[1]) < 1 or float(match[2]) <= 0:
            raise ValueError(f"a rate limit looks like '120/60' (requests/seconds), not {text!r}")
        return cls(int(match[1]), float(match[2]))


class TokenBuckets:
    """One bucket per key (client IP): `capacity` tokens, refilled continuously."""

    def __init__(self, rate: Rate, clock: object = time.monotonic) -> None:
        self.capacity = float(rate.requests)
        self.per_second = rate.requests / rate.seconds
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def _level(self, key: str, now: float) -> float:
        tokens, last = self._buckets.get(key, (self.capacity, now))
        return min(self.capacity, tokens + (now - last) * self.per_second)

    def take(self, key: str, cost: float = 1.0) -> float:
        """Take a token; 0.0 when allowed, else the seconds until one is available."""
        now = self.clock()  # type: ignore[operator]
        tokens = self._level(key, now)
        if tokens < cost:
            self._buckets[key] = (tokens, now)
            return (cost - tokens) / self.per_second
        if len(self._buckets) >= MAX_TRACKED:
            self._prune(now)
        self._buckets[key] = (tokens - cost, now)
        return 0.0

    def exhausted(self, key: str) -> float:
        """Seconds until `key` has a token again (0.0 when it has one); takes nothing."""
        if key not in self._buckets:
            return 0.0
        tokens = self._level(key, self.clock())  # type: ignore[operator]
        return 0.0 if tokens >= 1 else (1 - tokens) / self.per_second

    def _prune(self, now: float) -> None:
        full = [k for k in self._buckets if self._level(k, now) >= self.capacity]
        for k in full:
            del self._buckets[k]
        if len(self._buckets) >= MAX_TRACKED:  # under attack from many addresses: start afresh
            self._buckets.clear()


def _has_credential(scope: Scope) -> bool:
    door = scope["path"].startswith(SESSION_PATHS)
    for name, value in scope["headers"]:
        if name == b"authorization" or (door and name == b"cookie" and SESSION_COOKIE in value):
            return True
    return False


def _too_many(wait: float) -> tuple[Message, Message]:
    seconds = max(1, math.ceil(wait))
    body = json.dumps(
        {
            "error": {
                "code": "rate_limited",
                "message": f"Too many requests from your address; try again in {seconds} s.",
            }
        }
    ).encode()
    start: Message = {
        "type": "http.response.start",
        "status": 429,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(seconds).encode()),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        public: Rate | None,
        auth: Rate | None,
        trust_forwarded_for: bool = False,
        auth_paths: re.Pattern[str] = AUTH_PATHS,
    ) -> None:
        self.app = app
        self.public = TokenBuckets(public) if public else None
        self.auth = TokenBuckets(auth) if auth else None
        self.trust_forwarded_for = trust_forwarded_for
        self.auth_paths = auth_paths

    def _client(self, scope: Scope) -> str:
        if self.trust_forwarded_for:
            for name, value in scope["headers"]:
                if name == b"x-forwarded-for":
                    return value.decode("latin-1").split(",")[0].strip()
        client = scope.get("client")
        return client[0] if client else "unknown"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        has_key = _has_credential(scope)
        ip = self._client(scope)
        wait = 0.0
        if self.auth and self.auth_paths.search(scope["path"]):
            wait = self.auth.take(ip)
        elif self.auth and has_key:
            wait = self.auth.exhausted(ip)  # an address that kept sending wrong keys
        elif self.public and not has_key:
            wait = self.public.take(ip)
        if wait > 0:
            for message in _too_many(wait):
                await send(message)
            return
        if not (has_key and self.auth):
            await self.app(scope, receive, send)
            return
        auth = self.auth

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                auth.take(ip)
            await send(message)

        await self.app(scope, receive, watch)


def build_middleware(settings: Settings) -> list[Middleware]:
    """CORS (outermost, so refusals carry its headers too), then the rate limits."""
    stack: list[Middleware] = []
    origins = [o.strip().rstrip("/") for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        stack.append(
            Middleware(
                CORSMiddleware,  # type: ignore[arg-type]
                allow_origins=origins,
                allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                allow_headers=["Authorization", "Content-Type", "Last-Event-ID"],
                expose_headers=["Retry-After"],
                allow_credentials=False,
                max_age=600,
            )
        )
    public, auth = Rate.parse(settings.rate_limit_public), Rate.parse(settings.rate_limit_auth)
    if public or auth:
        stack.append(
            Middleware(
                RateLimitMiddleware,  # type: ignore[arg-type]
                public=public,
                auth=auth,
                trust_forwarded_for=settings.trust_forwarded_for,
            )
        )
    return stack
