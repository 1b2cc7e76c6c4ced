"""Webhook signatures a receiver can verify, refused targets, and one POST's outcomes."""

from __future__ import annotations

import hashlib
import hmac
import time

import httpx2
import pytest

from integrations import webhook_http as wh


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    header = wh.sign("s3cret", b'{"a":1}', 1700000000)
    t, v1 = (p.split("=", 1)[1] for p in header.split(","))
    want = hmac.new(b"s3cret", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert t == "1700000000" and v1 == want


def test_a_receiver_verifies_and_rejects_tampering() -> None:
    now = int(time.time())
    header = wh.sign("k" * 20, b"body", now)
    assert wh.verify_signature("k" * 20, b"body", header)
    assert not wh.verify_signature("k" * 20, b"body!", header)
    assert not wh.verify_signature("other-secret-xxxx", b"body", header)
    assert not wh.verify_signature("k" * 20, b"body", header, now=now + 301)  # replayed late
    assert not wh.verify_signature("k" * 20, b"body", "garbage")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://10.1.2.3/x",
        "http://192.168.0.5:8080/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://localhost:9000/x",
        "http://0.0.0.0/x",
    ],
)
async def test_private_loopback_and_link_local_targets_are_refused(url: str) -> None:
    with pytest.raises(wh.UnsafeTarget):
        await wh.check_target(url, allow_private=False)


async def test_private_targets_are_allowed_when_configured() -> None:
    await wh.check_target("http://127.0.0.1:8080/hook", allow_private=True)


@pytest.mark.parametrize(
    "url", ["ftp://93.184.215.14/x", "http:///nohost", "https://u:p@93.184.215.14/"]
)
async def test_urls_of_the_wrong_shape_are_refused_even_when_private_is_allowed(url) -> None:
    with pytest.raises(wh.UnsafeTarget):
        await wh.check_target(url, allow_private=True)


async def test_a_public_address_passes() -> None:
    await wh.check_target("https://93.184.215.14/hook", allow_private=False)


async def _post(monkeypatch, handler) -> wh.PostResult:
    monkeypatch.setattr(wh, "TRANSPORT", httpx2.MockTransport(handler))
    return await wh.post(
        await wh.pin_target("https://93.184.215.14/hook", allow_private=False),
        b'{"x":1}',
        secret="s" * 20,
        event="ticket.purchased",
        delivery="d-1",
        timeout_s=2,
    )


async def test_post_sends_the_three_headers(monkeypatch) -> None:
    seen = {}

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.update(request.headers)
        seen["body"] = request.content
        return httpx2.Response(204)

    result = await _post(monkeypatch, handler)
    assert result.ok and result.status_code == 204
    assert seen["x-aitickets-event"] == "ticket.purchased"
    assert seen["x-aitickets-delivery"] == "d-1"
    assert wh.verify_signature("s" * 20, seen["body"], seen["x-aitickets-signature"])


async def test_a_timeout_is_an_outcome_not_an_exception(monkeypatch) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("slow", request=request)

    result = await _post(monkeypatch, handler)
    assert not result.ok and result.status_code is None and "timed out" in result.error


async def test_a_redirect_is_not_followed(monkeypatch) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(302, headers={"Location": "http://127.0.0.1/internal"})

    result = await _post(monkeypatch, handler)
    assert result.status_code == 302 and not result.ok
