"""Door check-in under load: 2,000 tickets, 20 scanners on keep-alive connections, each QR
scanned once (all must admit), then 500 re-scans (all must be refused with 409).

    .venv/bin/python bench/door.py            # SQLite (the default)
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/door.py
    BENCH_DOOR_KEY=staff .venv/bin/python bench/door.py   # scan with a staff key from the database
                                                          # (as a real door does), not the env key
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(__file__))
from _server import ADMIN_KEY, serve

SCANNERS = 20
TICKETS = 2000
HEADERS = {"Authorization": f"Bearer {ADMIN_KEY}", "Content-Type": "application/json"}


def post(base: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(base + path, json.dumps(body).encode(), HEADERS, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def setup(base: str) -> list[str]:
    venue = post(base, "/api/venues", {"name": "Bench Hall", "capacity": 3000, "timezone": "UTC"})
    starts = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    event = post(
        base, "/api/events", {"name": "Door Bench", "venue_id": venue["id"], "starts_at": starts}
    )
    tier = post(
        base,
        f"/api/events/{event['id']}/tiers",
        {"name": "GA", "price_cents": 1000, "capacity": TICKETS, "max_per_order": 10},
    )
    tokens: list[str] = []
    for i in range(TICKETS // 10):
        order = post(
            base,
            f"/api/tickets/events/{event['id']}/purchase",
            {
                "tier_id": tier["id"],
                "quantity": 10,
                "payment": "cash",
                "customer": {"name": f"Guest {i}", "email": f"g{i}@example.com"},
            },
        )
        tokens += [t["qr_token"] for t in order["tickets"]]
    return tokens


async def _scan(
    base: str, paths: list[str], headers: dict[str, str] = HEADERS
) -> tuple[float, list[float], list[int]]:
    url = urlsplit(base)
    queue = list(reversed(paths))
    latencies: list[float] = []
    statuses: list[int] = []
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())

    async def scanner() -> None:
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        while queue:
            path = queue.pop()
            t0 = time.perf_counter()
            request = f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Length: 0\r\n"
            writer.write(f"{request}{head}\r\n".encode())
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            statuses.append(status)
        writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(scanner() for _ in range(SCANNERS)))
    return len(paths) / (time.perf_counter() - t0), sorted(latencies), statuses


def main() -> int:
    with serve(os.environ.get("DATABASE_URL")) as (base, ready):
        tokens = setup(base)
        headers = HEADERS
        if os.environ.get("BENCH_DOOR_KEY") == "staff":
            key = post(base, "/api/keys", {"name": "door", "role": "staff"})["key"]
            headers = {**HEADERS, "Authorization": f"Bearer {key}"}
        paths = [f"/api/tickets/validate/{t}" for t in tokens]
        rate, latencies, statuses = asyncio.run(_scan(base, paths, headers))
        _, _, again = asyncio.run(_scan(base, paths[:500], headers))
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(0.99 * (len(latencies) - 1))] * 1000
    wrong = sum(s != 200 for s in statuses) + sum(s != 409 for s in again)
    print(
        f"door check-in: {rate:.0f} validations/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"{SCANNERS} scanners, {len(tokens)} tickets, wrong answers {wrong}; "
        f"server ready in {ready:.2f} s"
    )
    return 0 if wrong == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
