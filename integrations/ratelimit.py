"""Rate limits and quotas, kept by the `limits` library: in this process by default, and in Redis
when `REDIS_URL` is set, so that every server process counts against the same windows.

A rate is "<requests>/<seconds>" (`120/60`). Each key is a tuple of strings (what is limited and
for whom: `("public", "203.0.113.9")`). Windows are sliding counters: two integers per key, cheap
in memory and in Redis. When the store cannot be reached, requests are let through (and that is
logged): a Redis outage must not take the box office down with it.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import time
from dataclasses import dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from limits import RateLimitItem
    from limits.aio.storage import Storage
    from limits.aio.strategies import RateLimiter

log = logging.getLogger(__name__)

# How long a request waits for Redis before the limit is skipped (a dead Redis must stay cheap).
REDIS_TIMEOUT_SECONDS = 0.5
_WARN_EVERY_SECONDS = 60.0
SWEEP_SECONDS = 1.0  # how often the in-process store drops expired windows


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

    @cached_property
    def item(self) -> RateLimitItem:
        from limits import RateLimitItemPerSecond

        # `limits` counts whole seconds: a window of 1.5 s becomes 2 s (slightly stricter).
        return RateLimitItemPerSecond(self.requests, max(1, math.ceil(self.seconds)))


def address_key(address: str) -> str:
    """What a per-address limit counts under: the address itself, or for IPv6 its /64, which one
    subscriber usually holds whole (counting each of its addresses apart would let one client
    rotate through billions of them)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@cache
def _memory_storage_class() -> type[Storage]:
    from limits.aio.storage import MemoryStorage

    class SweptMemoryStorage(MemoryStorage):
        """`limits`' in-process store sweeps every key for expired windows on each hit: work in
        proportion to the addresses seen, per request, which an attacker with many addresses
        would turn against us. This one sweeps at most once per SWEEP_SECONDS (a key past its
        window is also dropped when it is next read, so nothing is counted wrongly)."""

        _swept_at = -math.inf

        async def _MemoryStorage__schedule_expiry(self) -> None:  # the parent's private hook
            now = time.monotonic()
            if now - self._swept_at >= SWEEP_SECONDS:
                self._swept_at = now
                await super()._MemoryStorage__schedule_expiry()  # type: ignore[misc]

    return SweptMemoryStorage


def storage_uri(redis_url: str) -> str:
    """`redis://…` (what people paste) → the asyncio scheme `limits` wants."""
    url = redis_url.strip()
    if url.startswith(("redis://", "rediss://", "redis+unix://")):
        return "async+" + url
    if url.startswith("unix://"):
        return "async+redis+unix://" + url.removeprefix("unix://")
    if url.startswith("async+"):
        return url
    raise ValueError(f"REDIS_URL must start with redis://, rediss:// or unix://, not {url!r}")


class RateLimits:
    """One store of windows for a process: `hit` to count, `check` to look without counting.

    Both answer 0.0 when allowed, else the seconds until the request would be (the real wait,
    for `Retry-After`); `math.inf` when `cost` is more than the rate ever allows."""

    def __init__(self, redis_url: str = "", *, prefix: str = "aitickets") -> None:
        self.redis_url = redis_url.strip()
        if self.redis_url:
            storage_uri(self.redis_url)  # a bad REDIS_URL stops the start, not every request
        self.prefix = prefix
        self._limiter: RateLimiter | None = None
        self._pool: Any = None
        self._warned_at = -math.inf

    @property
    def shared(self) -> bool:
        return bool(self.redis_url)

    def _strategy(self) -> RateLimiter:
        if self._limiter is None:
            from limits.aio.storage import RedisStorage
            from limits.aio.strategies import SlidingWindowCounterRateLimiter

            storage: Storage
            if self.redis_url:
                import redis.asyncio

                # Our own pool, so that closing the app closes its connections.
                self._pool = redis.asyncio.ConnectionPool.from_url(
                    self.redis_url.removeprefix("async+"),
                    socket_timeout=REDIS_TIMEOUT_SECONDS,
                    socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                )
                storage = RedisStorage(
                    storage_uri(self.redis_url),
                    implementation="redispy",
                    key_prefix=self.prefix,
                    wrap_exceptions=True,
                    connection_pool=self._pool,
                )
            else:
                storage = _memory_storage_class()(wrap_exceptions=True)
            self._limiter = SlidingWindowCounterRateLimiter(storage)
        return self._limiter

    async def hit(self, rate: Rate, *key: str, cost: int = 1) -> float:
        return await self._ask(rate, key, cost, count=True)

    async def check(self, rate: Rate, *key: str, cost: int = 1) -> float:
        return await self._ask(rate, key, cost, count=False)

    async def _ask(self, rate: Rate, key: tuple[str, ...], cost: int, *, count: bool) -> float:
        from limits.errors import StorageError

        if cost > rate.requests:
            return math.inf
        limiter = self._strategy()
        try:
            if count:
                allowed = await limiter.hit(rate.item, *key, cost=cost)
            else:
                allowed = await limiter.test(rate.item, *key, cost=cost)
            if allowed:
                return 0.0
            stats = await limiter.get_window_stats(rate.item, *key)
        except StorageError as exc:  # fail open: see the module docstring
            self._warn(exc)
            return 0.0
        return max(1.0, stats.reset_time - time.time())

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= _WARN_EVERY_SECONDS:
            self._warned_at = now
            log.warning("rate limits skipped: the limit store is unreachable (%s)", exc)

    async def reset(self) -> None:
        """Forget every window (tests; an operator after an incident)."""
        await self._strategy().storage.reset()

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None
        self._limiter = None


def wait_text(seconds: float) -> str:
    """ "try again in 40 s" / "in 15 minutes": the wait a person is told."""
    whole = max(1, math.ceil(seconds))
    if whole < 120:
        return f"{whole} s"
    return f"{math.ceil(whole / 60)} minutes"
