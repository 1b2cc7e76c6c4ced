"""Server-side time of the voice-platform adapters, local router, checkpoint included.

Seeds the demo venue in a temporary SQLite database and drives the ASGI app in-process (its
lifespan, middleware and routes, no network): a Vapi `tool-calls` message with `ask_tickets`
(request in → JSON results out) and a ConversationRelay `prompt` → `text` on an open WebSocket
from a staff phone. Each round is a new call running the same door conversation. Prints
p50/p95/p99 for both; the target is p95 ≤ 60 ms.

    .venv/bin/python bench/voice_platforms.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.voice import CONVERSATION

TOKEN = "bench-twilio-token-0123456789"
PUBLIC_URL = "https://tickets.example"
STAFF_PHONE = "+15550100199"
TARGET_P95_MS = 60.0

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def post(app: Any, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """One HTTP request through the ASGI app."""
    sent = False
    status, chunks = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # no disconnect while the app answers
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"tickets.example"), *raw],
        "client": ("127.0.0.1", 5000),
        "server": ("tickets.example", 443),
    }
    await app(scope, receive, send)
    return status, b"".join(chunks)


class Relay:
    """A ConversationRelay WebSocket held open against the ASGI app."""

    def __init__(self, app: Any, url: str, signature: str) -> None:
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        parts = urlsplit(url)
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "wss",
            "path": parts.path,
            "raw_path": parts.path.encode(),
            "query_string": parts.query.encode(),
            "headers": [(b"host", b"tickets.example"), (b"x-twilio-signature", signature.encode())],
            "client": ("127.0.0.1", 5001),
            "server": ("tickets.example", 443),
            "subprotocols": [],
        }
        self.inbox.put_nowait({"type": "websocket.connect"})
        self.task = asyncio.create_task(app(scope, self.inbox.get, self.outbox.put))

    async def open(self) -> None:
        accepted = await self.outbox.get()
        if accepted["type"] != "websocket.accept":
            sys.exit(f"the relay refused the connection: {accepted}")

    def send(self, message: dict[str, Any]) -> None:
        self.inbox.put_nowait({"type": "websocket.receive", "text": json.dumps(message)})

    async def reply(self) -> dict[str, Any]:
        message = await self.outbox.get()
        return dict(json.loads(message["text"]))

    async def close(self) -> None:
        self.inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
        await self.task


def summary(name: str, times: list[float]) -> bool:
    times.sort()
    q = statistics.quantiles(times, n=100)
    ok = q[94] <= TARGET_P95_MS
    print(
        f"{name}: {len(times)} turns, p50 {statistics.median(times):.1f} ms, p95 {q[94]:.1f} ms, "
        f"p99 {q[98]:.1f} ms, max {times[-1]:.1f} ms ({'ok' if ok else 'over'} the 60 ms p95)"
    )
    return ok


async def vapi_round(app: Any, call_id: str, headers: dict[str, str]) -> list[float]:
    times = []
    for n, line in enumerate(CONVERSATION):
        body = {
            "message": {
                "type": "tool-calls",
                "call": {"id": call_id},
                "toolCallList": [
                    {"id": f"tc{n}", "name": "ask_tickets", "arguments": {"request": line}}
                ],
            }
        }
        raw = json.dumps(body).encode()
        started = time.perf_counter()
        status, answer = await post(app, "/voice/vapi", raw, headers)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200 or "result" not in json.loads(answer)["results"][0]:
            sys.exit(f"vapi answered {status}: {answer[:300]!r}")
    return times


async def incoming(app: Any, call_sid: str) -> str:
    """The signed incoming-call webhook for a new call: the relay URL (with the call's pass)."""
    from xml.etree import ElementTree

    from twilio.request_validator import RequestValidator

    form = {"CallSid": call_sid, "From": STAFF_PHONE, "To": "+15550100000"}
    signature = RequestValidator(TOKEN).compute_signature(
        f"{PUBLIC_URL}/voice/twilio/incoming", form
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
    }
    status, answer = await post(app, "/voice/twilio/incoming", urlencode(form).encode(), headers)
    relay = ElementTree.fromstring(answer).find("./Connect/ConversationRelay")
    if status != 200 or relay is None:
        sys.exit(f"the incoming-call webhook answered {status}: {answer[:300]!r}")
    return str(relay.get("url"))


async def relay_round(app: Any, call_sid: str) -> list[float]:
    from twilio.request_validator import RequestValidator

    url = await incoming(app, call_sid)
    relay = Relay(app, url, RequestValidator(TOKEN).compute_signature(url, {}))
    await relay.open()
    relay.send({"type": "setup", "callSid": call_sid, "from": STAFF_PHONE, "to": "+15550100000"})
    times = []
    for line in CONVERSATION:
        started = time.perf_counter()
        relay.send({"type": "prompt", "voicePrompt": line, "lang": "en-US", "last": True})
        reply = await relay.reply()
        times.append((time.perf_counter() - started) * 1000)
        if reply.get("type") != "text" or not reply.get("last"):
            sys.exit(f"the relay answered {reply}")
    await relay.close()
    return times


async def main(rounds: int) -> int:
    import tools  # noqa: F401
    from aitickets.settings import Settings
    from persistence import migrate
    from tools.demo import seed_demo
    from tools.runner import call_offline
    from web.app import create_app

    folder = Path(tempfile.mkdtemp(prefix="voiceplatforms"))
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    admin_key = "bench-admin-key-0123456789abcdef"
    settings = Settings(
        DATABASE_URL=url,
        AITICKETS_DATA_DIR=folder,
        AITICKETS_API_KEY=admin_key,
        AITICKETS_PUBLIC_URL=PUBLIC_URL,
        TWILIO_AUTH_TOKEN=TOKEN,
        LOG_LEVEL="WARNING",
        _env_file=None,
    )
    await migrate.prepare(url)
    now = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    await seed_demo(settings, clock=lambda: now)
    staff_key = await call_offline(settings, "create_api_key", {"name": "vapi", "role": "staff"})
    await call_offline(settings, "add_staff_phone", {"phone": STAFF_PHONE, "role": "staff"})
    app = create_app(settings, clock=lambda: now, migrate_on_start=False)
    headers = {"Authorization": f"Bearer {staff_key.key}", "Content-Type": "application/json"}
    vapi_times: list[float] = []
    relay_times: list[float] = []
    async with app.router.lifespan_context(app):
        await vapi_round(app, "warm-vapi", headers)  # opens the agent; imports, caches
        await relay_round(app, "CAwarm")
        for n in range(rounds):
            vapi_times += await vapi_round(app, f"vapi-call-{n}", headers)
            relay_times += await relay_round(app, f"CA{n:032d}")
    ok = summary("Vapi ask_tickets round trip", vapi_times)
    ok = summary("ConversationRelay prompt -> text", relay_times) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    sys.exit(asyncio.run(main(parser.parse_args().rounds)))
