"""Outbound webhook HTTP: the signature, the refusal of non-public targets, and one POST.

A target must be globally routable: private, loopback, link-local, shared (100.64/10), cloud
metadata, documentation, 6to4 and other special-purpose ranges are refused, IPv4-mapped and
NAT64 forms included. Each delivery looks the name up once (`pin_target`), checks every answer
and connects to a checked address with the URL's host in `Host` and TLS, so a DNS answer that
changes between the check and the connection (rebinding) is never used.

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

SIGNATURE_HEADER = "X-AITickets-Signature"
EVENT_HEADER = "X-AITickets-Event"
DELIVERY_HEADER = "X-AITickets-Delivery"

# Tests put an httpx2.MockTransport here; None means the network.
TRANSPORT: Any = None
MAX_ADDRESSES = 3  # tried in DNS order when one refuses the connection


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


Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# What the IANA special-purpose registries say is not globally reachable (RFC 6890 and its
# updates). Python 3.11's `is_global` misses some of these (192.0.0.0/24, 6to4, 3fff::/20 …),
# so the table is kept here and `is_global` is consulted as well. Multicast is refused too: a
# webhook is one receiver. Stricter than the registry on purpose: its few anycast exceptions
# (192.0.0.9, 2001:1::1 …) are protocol services, never a webhook receiver.
_NOT_GLOBAL = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",
        "100.64.0.0/10",  # shared address space (carrier-grade NAT, cloud metadata at some hosts)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local: 169.254.169.254 is the cloud metadata service
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
        "::/8",  # loopback, unspecified, IPv4-compatible
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments, Teredo
        "2001:db8::/32",
        "2002::/16",  # 6to4: wraps any IPv4 address, 169.254.169.254 included
        "3fff::/20",
        "5f00::/16",  # SRv6 SIDs
        "fc00::/7",  # unique local (fd00:ec2::254 is a cloud metadata address)
        "fe80::/10",
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def refused_address(ip: Address) -> bool:
    """True unless `ip` is a globally routable unicast address. An IPv6 address that carries an
    IPv4 one (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d) is judged by the IPv4 address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return True  # a zone index names a local interface
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return not ip.is_global or any(ip in net for net in _NOT_GLOBAL)


@dataclass(frozen=True)
class Target:
    """A webhook URL with the addresses it was checked against: the request goes to one of
    these, never to a second DNS answer (DNS rebinding)."""

    url: str
    host: str  # as sent in Host and SNI: lower-case, IDNA-encoded
    addresses: tuple[Address, ...]


def check_url_shape(url: str) -> str:
    """http(s) with a host, no credentials; returns the host as the HTTP client will send it
    (IDNA-encoded). Raises UnsafeTarget otherwise. The client's own parser is used, so the host
    checked is the host connected to."""
    import httpx2

    try:
        parsed = httpx2.URL(url)
        host = parsed.raw_host.decode("ascii").lower()
    except (httpx2.InvalidURL, UnicodeError, ValueError):
        raise UnsafeTarget("The webhook URL is not a valid http(s) address.") from None
    if parsed.scheme not in ("http", "https") or not host:
        raise UnsafeTarget("The webhook URL must be an http:// or https:// address with a host.")
    if parsed.userinfo:
        raise UnsafeTarget("Put no user name or password in the webhook URL; use the secret.")
    return host


async def resolve(host: str, port: int) -> list[str]:
    """The addresses DNS gives for `host` (tests replace this: no test asks real DNS)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def pin_target(url: str, *, allow_private: bool, timeout_s: float = 10.0) -> Target:
    """Check `url` and fix the addresses it may be reached at, with one DNS lookup. Every
    address must be globally routable (unless `allow_private`), not just the first: a name with
    one public and one private answer is refused. Raises UnsafeTarget."""
    host = check_url_shape(url)
    name = host.rstrip(".")
    if not allow_private and (
        name in ("localhost", "localhost.localdomain") or name.endswith(".localhost")
    ):
        raise UnsafeTarget(f"{host} is this machine; webhooks may not target it.")
    addresses = (
        [ipaddress.ip_address(host)] if _is_literal(host) else await _lookup(url, host, timeout_s)
    )
    if not allow_private:
        for address in addresses:
            if refused_address(address):
                raise UnsafeTarget(
                    f"{host} is not a public address ({address}: private, loopback, "
                    "link-local, shared or reserved); webhooks may only go to public addresses."
                )
    return Target(url=url, host=host, addresses=tuple(addresses))


async def _lookup(url: str, host: str, timeout_s: float) -> list[Address]:
    import httpx2

    parsed = httpx2.URL(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        found = await asyncio.wait_for(resolve(host, port), timeout_s)
        addresses = list(dict.fromkeys(ipaddress.ip_address(a) for a in found))
    except (OSError, UnicodeError, ValueError, TimeoutError) as exc:
        why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise UnsafeTarget(f"{host} does not resolve ({why}).") from None
    if not addresses:
        raise UnsafeTarget(f"{host} does not resolve.")
    return addresses


async def check_target(url: str, *, allow_private: bool) -> None:
    """Refuse URLs that are not public http(s) addresses, unless private ones are allowed
    (then only the shape is checked and nothing is looked up). Used when a subscription is
    made; every delivery pins its own lookup (`pin_target`)."""
    if allow_private:
        check_url_shape(url)
        return
    await pin_target(url, allow_private=False)


@dataclass
class PostResult:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def post(
    target: Target, body: bytes, *, secret: str, event: str, delivery: str, timeout_s: float
) -> PostResult:
    """One signed POST to a pinned target; never raises for network trouble (it becomes
    `error`). The connection goes to a checked address, with the URL's host in `Host` and in
    TLS (SNI and certificate check), so DNS is not asked a second time. An address that
    refuses the connection passes the turn to the next checked one; the answer's body is
    never read."""
    import httpx2

    url = httpx2.URL(target.url)
    headers = {
        "Host": url.netloc.decode("ascii"),
        "Content-Type": "application/json",
        "User-Agent": "AITickets-Webhooks/1",
        SIGNATURE_HEADER: sign(secret, body, int(time.time())),
        EVENT_HEADER: event,
        DELIVERY_HEADER: delivery,
    }
    extensions: dict[str, Any] = {}
    if url.scheme == "https" and not _is_literal(target.host):
        extensions["sni_hostname"] = target.host  # the certificate is checked for this name
    started = time.perf_counter()
    kwargs: dict[str, Any] = {"timeout": timeout_s, "follow_redirects": False}
    if TRANSPORT is not None:
        kwargs["transport"] = TRANSPORT
    error = "no address to connect to"
    async with httpx2.AsyncClient(**kwargs) as client:
        for address in target.addresses[:MAX_ADDRESSES]:
            try:
                pinned = url.copy_with(host=str(address))
                # Streamed and never read: only the status matters, so a receiver that answers
                # with a huge or endless body costs nothing.
                async with client.stream(
                    "POST", pinned, content=body, headers=headers, extensions=extensions
                ) as response:
                    status = response.status_code
            except httpx2.ConnectError as exc:
                error = f"ConnectError: {exc}"[:500]
                continue  # refused or unreachable: the next checked address may answer
            except httpx2.TimeoutException:
                return PostResult(None, f"timed out after {timeout_s:g}s", _ms(started))
            except (httpx2.HTTPError, httpx2.InvalidURL) as exc:
                return PostResult(None, f"{type(exc).__name__}: {exc}"[:500], _ms(started))
            return PostResult(status, None, _ms(started))
    return PostResult(None, error, _ms(started))


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
