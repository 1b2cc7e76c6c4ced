"""Issue 12, finding 6: request bodies are limited before they are read. A declared length past
the limit is refused at once; a chunked body (no length) is refused as soon as it passes the
limit, not spooled whole; photo uploads have their own, larger cap."""

from __future__ import annotations

import base64
import io
import json
import os
from typing import Any

from PIL import Image
from starlette.testclient import TestClient

from aitickets.settings import Settings
from tests.security.limits_kit import MakeClient, buyer, make_client, show

__all__ = ["make_client"]  # the fixture, imported for pytest to find

CHUNK = 64 * 1024


class Feed:
    """An ASGI `receive` that streams `total` bytes in chunks and counts what was taken."""

    def __init__(self, total: int, head: bytes = b"") -> None:
        self.total, self.head, self.taken = total, head, 0

    async def __call__(self) -> dict[str, Any]:
        if self.taken >= self.total:
            return {"type": "http.disconnect"}
        size = min(CHUNK, self.total - self.taken)
        body = (self.head if self.taken == 0 else b"") + b"a" * (size - len(self.head or b""))
        self.taken += size
        return {"type": "http.request", "body": body, "more_body": self.taken < self.total}


def _asgi(client: TestClient, path: str, headers: list[tuple[bytes, bytes]], feed: Feed) -> int:
    """Run one request through the whole app (every middleware) with `feed` as its body."""
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("198.51.100.9", 40000),
        "server": ("testserver", 80),
        "state": {},
    }
    client.portal.call(client.app, scope, feed, send)  # type: ignore[union-attr]
    return next(m["status"] for m in sent if m["type"] == "http.response.start")


def test_a_declared_length_past_the_limit_is_refused_before_reading(
    make_client: MakeClient, settings: Settings
) -> None:
    client = make_client(max_body_bytes=100_000)
    event_id, tier_id = show(settings)
    feed = Feed(50 << 20)
    status = _asgi(
        client,
        f"/api/tickets/events/{event_id}/purchase",
        [(b"content-type", b"application/json"), (b"content-length", str(50 << 20).encode())],
        feed,
    )
    assert status == 413 and feed.taken == 0  # not one byte read
    small = client.post(
        f"/api/tickets/events/{event_id}/purchase",
        json={"tier_id": tier_id, "quantity": 1, "customer": buyer()},
    )
    assert small.status_code == 201  # an ordinary body still goes through


def test_a_chunked_body_is_refused_once_it_passes_the_limit(
    make_client: MakeClient, settings: Settings
) -> None:
    client = make_client(max_body_bytes=100_000)
    event_id, _tier = show(settings)
    feed = Feed(30 << 20, head=b'{"customer": {"name": "')
    status = _asgi(
        client,
        f"/api/tickets/events/{event_id}/purchase",
        [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")],
        feed,
    )
    assert status == 413
    assert feed.taken <= 100_000 + CHUNK  # stopped at the limit, not after 30 MB
    refused = client.post("/api/venues", content=b"{" + b" " * 200_000 + b"}", headers=_json())
    assert refused.status_code == 413
    assert refused.json()["error"]["code"] == "payload_too_large"


def _json() -> dict[str, str]:
    return {"Content-Type": "application/json"}


def _noisy_png(side: int = 300) -> str:
    """About 270 kB of PNG (noise does not compress): 360 kB once in base64."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


def test_photo_uploads_have_their_own_larger_cap(
    make_client: MakeClient, settings: Settings
) -> None:
    client = make_client(max_body_bytes=100_000, photo_max_bytes=1_000_000)
    event_id, tier_id = show(settings, price=0)
    sale = client.post(
        f"/api/tickets/events/{event_id}/purchase",
        json={"tier_id": tier_id, "quantity": 1, "customer": buyer()},
    )
    token = sale.json()["access_token"]
    # A photo of 270 kB (360 kB in base64) passes the body limit of its route ...
    photo = json.dumps({"image_base64": _noisy_png(), "caption": "front row"}).encode()
    assert len(photo) > 100_000
    ok = client.post(f"/api/my-tickets/{token}/photos", content=photo, headers=_json())
    assert ok.status_code == 201, ok.text
    by_tool = json.dumps({"access_token": token, "image_base64": _noisy_png()}).encode()
    ok = client.post("/tools/upload_event_photo", content=by_tool, headers=_json())
    assert ok.status_code == 200, ok.text  # the same tool by name (ElevenLabs' way)
    other = client.post("/tools/list_events", content=by_tool, headers=_json())
    assert other.status_code == 413  # the general limit everywhere else
    big = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 300_000).decode()
    over_general = client.post(
        f"/api/my-tickets/{token}/photos", json={"image_base64": big}, headers=_json()
    )
    assert over_general.status_code != 413  # (it is refused as a photo, not as a body)
    # ... and one past the photo cap is refused before it is read, chunked or not.
    cap = settings.model_copy(update={"photo_max_bytes": 1_000_000}).upload_body_limit
    feed = Feed(20 << 20, head=b'{"image_base64": "')
    status = _asgi(
        client,
        f"/api/my-tickets/{token}/photos",
        [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")],
        feed,
    )
    assert status == 413 and feed.taken <= cap + CHUNK


def test_a_chunked_upload_to_a_made_up_link_is_not_read_at_all(make_client: MakeClient) -> None:
    client = make_client()
    feed = Feed(20 << 20, head=b"--XbOuNdArY9\r\n")
    status = _asgi(
        client,
        "/my-tickets/Zz0123456789abcdef0123456789/photos",
        [
            (b"content-type", b"multipart/form-data; boundary=XbOuNdArY9"),
            (b"transfer-encoding", b"chunked"),
        ],
        feed,
    )
    assert status == 404 and feed.taken == 0  # was: spooled to disk, then 403
