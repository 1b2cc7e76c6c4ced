"""What the abuse limits (web/limits.py, web/body_limit.py) add to one request, in process: the
same trivial route called through the app's whole middleware stack and through its router alone.

    .venv/bin/python bench/abuse_limits.py              # limits in this process
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/abuse_limits.py

Cases: a valid key (the door's case: one cache lookup), no key (a count in the public window),
and a made-up key (one key lookup in the database, then both windows).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from aitickets.settings import Settings
from web.app import create_app

KEY = "bench-admin-key-0123456789abcdef"
ROUNDS = 5000


async def _ok(_request: Any) -> PlainTextResponse:
    return PlainTextResponse("ok")


def _scope(app: Any, headers: list[tuple[bytes, bytes]], n: int) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/bench-ok",
        "raw_path": b"/bench-ok",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench"), *headers],
        "client": (f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}", 40000),
        "server": ("bench", 80),
        "state": {},
        "app": app,
    }


async def _time(target: Any, app: Any, headers: list[tuple[bytes, bytes]]) -> list[float]:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message: dict[str, Any]) -> None:
        return None

    took = []
    for n in range(ROUNDS):
        scope = _scope(app, headers, n)  # a new address each time: the windows keep growing
        start = time.perf_counter()
        await target(scope, receive, send)
        took.append(time.perf_counter() - start)
    return took


def main() -> None:
    data = Path(tempfile.mkdtemp(prefix="aitickets-bench-limits-"))
    settings = Settings(
        DATABASE_URL=f"sqlite+aiosqlite:///{data}/bench.db",
        AITICKETS_DATA_DIR=data,
        AITICKETS_API_KEY=KEY,
        RATE_LIMIT_PUBLIC="1000000/60",
        RATE_LIMIT_AUTH="1000000/60",
        REDIS_URL=os.environ.get("REDIS_URL", ""),
        _env_file=None,
    )
    app = create_app(settings)
    app.router.routes.insert(0, Route("/bench-ok", _ok))
    cases = {
        "valid key": [(b"authorization", f"Bearer {KEY}".encode())],
        "no key": [],
        "made-up key": [(b"authorization", b"Bearer atk_made_up_0123456789")],
    }
    store = "Redis" if settings.redis_url else "in process"
    with TestClient(app) as client:
        for name, headers in cases.items():
            stack = client.portal.call(_time, app, app, headers)  # type: ignore[union-attr]
            bare = client.portal.call(_time, app.router, app, headers)  # type: ignore[union-attr]
            extra = statistics.median(stack) - statistics.median(bare)
            p99 = sorted(stack)[int(len(stack) * 0.99)] - sorted(bare)[int(len(bare) * 0.99)]
            print(
                f"{name:12s} limits ({store}) add: median {extra * 1e6:6.0f} µs, "
                f"p99 {p99 * 1e6:6.0f} µs per request ({ROUNDS} requests, new address each)"
            )


if __name__ == "__main__":
    main()
