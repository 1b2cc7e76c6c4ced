"""Bearer API keys → actors, with an in-process cache so the door's hot path does no key lookup.

The cache only maps a key to its name and role (which never change) for `ttl` seconds. Whether
the key is still in force is not cached: every tool call checks it inside its own transaction
(tools/runner.py), so a revocation by this process, another one or the CLI holds from the very
next request, at the cost of one primary-key lookup on a connection already open.
"""

from __future__ import annotations

import time

from starlette.requests import HTTPConnection

from aitickets.errors import Unauthorized
from aitickets.settings import Settings
from persistence.db import Database
from tools.context import PUBLIC, Actor
from tools.keys import resolve_key


class KeyAuth:
    def __init__(self, db: Database, settings: Settings, ttl: float = 30.0) -> None:
        self.db = db
        self.settings = settings
        self.ttl = ttl
        self._cache: dict[str, tuple[Actor, float]] = {}

    async def actor(self, conn: HTTPConnection) -> Actor:
        header = conn.headers.get("authorization")
        if header is None:
            return PUBLIC
        scheme, _, raw = header.partition(" ")
        raw = raw.strip()
        if scheme.lower() != "bearer" or not raw:
            raise Unauthorized("Send the API key as 'Authorization: Bearer <key>'.")
        if not raw.isascii() or not raw.isprintable():  # keys are printable ASCII; bytes
            raise Unauthorized("That API key is not valid (unknown or revoked).")  # never 500
        cached = self._cache.get(raw)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        actor = await resolve_key(self.db, self.settings, raw)
        if actor is None:
            self._cache.pop(raw, None)
            raise Unauthorized("That API key is not valid (unknown or revoked).")
        self._cache[raw] = (actor, now + self.ttl)
        return actor

    def forget_all(self) -> None:
        self._cache.clear()
