"""Abuse limits per client address, the client address itself, and CORS from an allow-list.

- The client is the connection's peer, or, with `TRUST_FORWARDED_FOR` and a peer listed in
  `TRUSTED_PROXIES`, the rightmost `X-Forwarded-For` hop that is not a trusted proxy (hops to the
  left of it are whatever the client wrote); such a proxy's `X-Forwarded-Proto` sets the scheme.
  Tools see the client as `ctx.client` (quotas on sign-in codes and anonymous seat holds).
- A request with a valid credential (an API key that resolves) is never limited, so the door's
  hot path costs one cache lookup. Whether a key is valid is decided here, not by whether an
  `Authorization` header is present: junk in the header counts as no key.
- Every other request draws on the public window of its address. One that presents a credential
  that is not valid also draws on the sign-in window (`RATE_LIMIT_AUTH`), so an address guessing
  keys is soon refused, while valid keys behind the same address (a door behind one NAT) go on
  working. The dashboard sign-in tools draw on the same window themselves, whatever the surface.

Windows are kept by integrations/ratelimit.py (this process, or Redis when `REDIS_URL` is set),
per address, an IPv6 client by its /64.
Every refusal is 429 with the real wait in `Retry-After` and the usual error body.
"""

from __future__ import annotations

import ipaddress
import json
import math
from typing import Any

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aitickets.errors import TicketsError
from aitickets.settings import Settings
from integrations.ratelimit import Rate, RateLimits, address_key, wait_text
from tools.context import CLIENT_ADDRESS

from .body_limit import BodyLimitMiddleware

EXEMPT_PREFIXES = ("/healthz", "/static/")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """ "127.0.0.1, 10.0.0.0/8, ::1" → networks; a bad entry is an error at start, not a guess."""
    networks = []
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if part:
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"TRUSTED_PROXIES: {part!r} is no address or CIDR") from None
    return tuple(networks)


class ClientAddress:
    """The address a request comes from, peeling off trusted proxies only."""

    def __init__(self, trust_forwarded_for: bool, proxies: tuple[Network, ...]) -> None:
        self.proxies = proxies if trust_forwarded_for else ()

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip().strip("[]"))
        except ValueError:
            return False
        return any(ip in network for network in self.proxies)

    def from_proxy(self, scope: Scope) -> bool:
        peer = scope.get("client")
        return bool(self.proxies and peer and self._trusted(peer[0]))

    def scheme(self, scope: Scope) -> str | None:
        """What the proxy says the client used (`X-Forwarded-Proto`), so that cookies set over
        https are Secure; None when the peer is no proxy of ours or says nothing usable."""
        if not self.from_proxy(scope):
            return None
        raw = next((v for k, v in scope["headers"] if k == b"x-forwarded-proto"), b"")
        said = raw.decode("latin-1").split(",")[0].strip().lower()
        if scope["type"] == "websocket":
            said = {"https": "wss", "http": "ws"}.get(said, said)
        return said if said in ("http", "https", "ws", "wss") else None

    def __call__(self, scope: Scope) -> str:
        peer = scope.get("client")
        address = peer[0] if peer else "unknown"
        if not self.from_proxy(scope):
            return address
        hops: list[str] = []
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":  # several headers are one list, in order
                hops += [h.strip() for h in value.decode("latin-1").split(",")]
        for hop in reversed([h for h in hops if h]):
            if not self._trusted(hop):
                return hop if _is_address(hop) else address
            address = hop
        return address  # every hop is a proxy of ours: the leftmost one is the client


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def too_many(wait: float, what: str = "requests from your address") -> tuple[Message, Message]:
    seconds = max(1, math.ceil(wait)) if math.isfinite(wait) else 3600
    body = json.dumps(
        {
            "error": {
                "code": "rate_limited",
                "message": f"Too many {what}; try again in {wait_text(seconds)}.",
                "details": {"retry_after": seconds},
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


VALID, INVALID, NONE = "valid", "invalid", "none"


# The door page's calls carry a session cookie instead of a key: a valid one counts like a key,
# so a busy door is never throttled; a wrong one draws from the auth bucket.
SESSION_PATHS = ("/door/api/", "/door/stream")


async def credential(scope: Scope) -> str:
    """VALID when the request carries an API key that resolves to a role (or, on the door's
    calls, a signed-in session), INVALID when it carries anything else, NONE without one."""
    raw = next((v for k, v in scope["headers"] if k == b"authorization"), None)
    if raw is None and scope["path"].startswith(SESSION_PATHS):
        from starlette.requests import Request

        from .session import SESSION_COOKIE, session_actor

        request = Request(scope)
        if not request.cookies.get(SESSION_COOKIE):
            return NONE
        try:
            return VALID if await session_actor(request) is not None else INVALID
        except TicketsError:
            return INVALID
    if raw is None:
        return NONE
    if not raw.isascii():  # keys are ASCII: anything else is junk, and no lookup is spent on it
        return INVALID
    auth = getattr(scope["app"].state, "auth", None)
    if auth is None:
        return INVALID
    try:
        actor = await auth.actor(HTTPConnection(scope))
    except TicketsError:
        return INVALID
    return VALID if actor.role != "public" else INVALID


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        public: Rate | None,
        auth: Rate | None,
        client_address: ClientAddress,
    ) -> None:
        self.app = app
        self.public = public
        self.auth = auth
        self.client_address = client_address

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client, scheme = self.client_address(scope), self.client_address.scheme(scope)
        peer = scope.get("client")
        changes: dict[str, Any] = {}
        if peer is None or peer[0] != client:  # downstream (logs, tools) sees the real client
            changes["client"] = (client, peer[1] if peer else 0)
        if scheme and scheme != scope.get("scheme"):
            changes["scheme"] = scheme
        if changes:
            scope = {**scope, **changes}
        token = CLIENT_ADDRESS.set(client)
        try:
            if scope["type"] == "http" and not scope["path"].startswith(EXEMPT_PREFIXES):
                wait = await self._wait(scope, client)
                if wait > 0:
                    for message in too_many(wait):
                        await send(message)
                    return
            await self.app(scope, receive, send)
        finally:
            CLIENT_ADDRESS.reset(token)

    async def _wait(self, scope: Scope, client: str) -> float:
        if self.public is None and self.auth is None:
            return 0.0
        limits: RateLimits | None = getattr(
            getattr(scope["app"].state, "runner", None), "limits", None
        )
        if limits is None:  # the app has not started (no lifespan): nothing to count with
            return 0.0
        kind = await credential(scope)
        if kind == VALID:
            return 0.0
        key = address_key(client)
        waits: list[float] = [0.0]
        if self.public is not None:
            waits.append(await limits.hit(self.public, "public", key))
        if kind == INVALID and self.auth is not None:  # the sign-in tools draw on it too
            waits.append(await limits.hit(self.auth, "auth", key))
        return max(waits)


def cors(settings: Settings) -> list[Middleware]:
    origins = [o.strip().rstrip("/") for o in settings.cors_origins.split(",") if o.strip()]
    if not origins:
        return []
    options: dict[str, Any] = {
        "allow_origins": origins,
        "allow_methods": ["GET", "POST", "PUT", "PATCH", "DELETE"],
        "allow_headers": ["Authorization", "Content-Type", "Last-Event-ID"],
        "expose_headers": ["Retry-After"],
        "allow_credentials": False,
        "max_age": 600,
    }
    return [Middleware(CORSMiddleware, **options)]  # type: ignore[arg-type]


def build_middleware(settings: Settings) -> list[Middleware]:
    """CORS (outermost, so refusals carry its headers too), the rate limits (which also settle
    who the client is), then the body limit."""
    client_address = ClientAddress(
        settings.trust_forwarded_for, parse_networks(settings.trusted_proxies)
    )
    return [
        *cors(settings),
        Middleware(
            RateLimitMiddleware,  # type: ignore[arg-type]
            public=Rate.parse(settings.rate_limit_public),
            auth=Rate.parse(settings.rate_limit_auth),
            client_address=client_address,
        ),
        Middleware(
            BodyLimitMiddleware,  # type: ignore[arg-type]
            limit=settings.max_body_bytes,
            upload_limit=settings.upload_body_limit,
        ),
    ]
