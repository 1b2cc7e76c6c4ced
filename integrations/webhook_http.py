"""Outbound webhook HTTP: the signature, the refusal of private targets, and one POST.

Signature: `X-AITickets-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, the
scheme receivers know from Stripe. `verify_signature` is what a receiver runs (and the tests).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

SIGNATURE_HEADER = "X-AITickets-Signature"
EVENT_HEADER = "X-AITickets-Event"
DELIVERY_HEADER = "X-AITickets-Delivery"

# Tests put an httpx2.MockTransport here; None means the network.
TRANSPORT: Any = None


class UnsafeTarget(ValueError):
    """The URL points somewhere webhooks may not go (private, loopback, link-local …)."""


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(
    secret: str, body: bytes, header: str, *, tolerance: int = 300, now: float | None = None
) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _refused(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def check_url_shape(url: str) -> str:
    """http(s) with a host, no credentials; returns the host. Raises UnsafeTarget otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTarget("The webhook URL must be an http:// or https:// address with a host.")
    if parts.username or parts.password:
        raise UnsafeTarget("Put no user name or password in the webhook URL; use the secret.")
    return parts.hostname


async def check_target(url: str, *, allow_private: bool) -> None:
    """Refuse URLs that resolve to private, loopback or link-local addresses (unless allowed).
    Checked when a subscription is made and again before every delivery (DNS can change)."""
    host = check_url_shape(url)
    if allow_private:
        return
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(
        ".localhost"
    ):
        raise UnsafeTarget(f"{host} is this machine; webhooks may not target it.")
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        port = urlsplit(url).port or 443
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise UnsafeTarget(f"{host} does not resolve ({exc.strerror or exc}).") from None
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in addresses:
        if _refused(address):
            raise UnsafeTarget(
                f"{host} is a private, loopback or link-local address ({address}); webhooks "
                "may only go to public addresses."
            )


@dataclass
class PostResult:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def post(
    url: str, body: bytes, *, secret: str, event: str, delivery: str, timeout_s: float
) -> PostResult:
    """One signed POST; never raises for network trouble (it becomes `error`)."""
    import httpx2

    headers = {
        "Content-Type": "application/json",
        "User-Agent": "AITickets-Webhooks/1",
        SIGNATURE_HEADER: sign(secret, body, int(time.time())),
        EVENT_HEADER: event,
        DELIVERY_HEADER: delivery,
    }
    started = time.perf_counter()
    kwargs: dict[str, Any] = {"timeout": timeout_s, "follow_redirects": False}
    if TRANSPORT is not None:
        kwargs["transport"] = TRANSPORT
    try:
        async with httpx2.AsyncClient(**kwargs) as client:
            response = await client.post(url, content=body, headers=headers)
    except httpx2.TimeoutException:
        return PostResult(None, f"timed out after {timeout_s:g}s", _ms(started))
    except httpx2.HTTPError as exc:
        return PostResult(None, f"{type(exc).__name__}: {exc}"[:500], _ms(started))
    return PostResult(response.status_code, None, _ms(started))


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
