"""Rate limits (429 with Retry-After, per client address) and CORS from the allow-list. The
attacks these limits answer are in tests/security/test_rate_limits.py.

Windows here are a day long: a sliding window lets one more request through just after each
boundary of its sub-windows, which a test that happened to cross one would see."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from aitickets.settings import Settings
from integrations.ratelimit import Rate, RateLimits
from tests.conftest import FixedClock, auth


@pytest.fixture
def make_client(settings: Settings, clock: FixedClock) -> Iterator[Callable[..., TestClient]]:
    from web.app import create_app

    opened: list[TestClient] = []

    def make(peer: str = "testclient", **overrides: Any) -> TestClient:
        tuned = settings.model_copy(update=overrides)
        app = create_app(tuned, clock=clock, migrate_on_start=False)
        client = TestClient(app, client=(peer, 50000))
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def test_rates_parse_and_bad_ones_are_refused() -> None:
    assert Rate.parse("120/60") == Rate(120, 60.0)
    assert Rate.parse(" 5 / 1.5s ") == Rate(5, 1.5)
    assert Rate.parse("") is None and Rate.parse("off") is None
    for bad in ("fast", "10", "0/60", "10/0", "-1/60"):
        with pytest.raises(ValueError):
            Rate.parse(bad)


async def test_windows_count_per_key_and_say_the_wait() -> None:
    limits = RateLimits()
    rate = Rate(2, 3600)
    assert await limits.hit(rate, "a") == 0 and await limits.hit(rate, "a") == 0
    wait = await limits.hit(rate, "a")
    assert 1 <= wait <= 3600
    assert await limits.hit(rate, "b") == 0  # per key
    assert await limits.check(rate, "b") == 0 and await limits.check(rate, "a") > 0
    assert await limits.hit(rate, "c", cost=3) == float("inf")  # more than the rate ever allows
    await limits.reset()
    assert await limits.hit(rate, "a") == 0


def test_public_requests_beyond_the_limit_get_429_with_retry_after(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(rate_limit_public="3/86400")
    assert [client.get("/api/events").status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/api/events")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 86400  # within the window
    assert refused.json()["error"]["code"] == "rate_limited"
    assert client.get("/healthz").status_code == 200  # health checks are never limited


def test_requests_with_a_valid_key_are_not_limited(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit_public="2/86400")
    statuses = {client.get("/api/events", headers=auth()).status_code for _ in range(10)}
    assert statuses == {200}


def test_a_spoofed_forwarded_for_does_not_reset_the_limit(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(rate_limit_public="2/86400")
    statuses = [
        client.get("/api/events", headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code
        for i in range(4)
    ]
    assert statuses[-1] == 429


def test_forwarded_for_is_used_when_trusted(make_client: Callable[..., TestClient]) -> None:
    client = make_client("127.0.0.1", rate_limit_public="1/86400", trust_forwarded_for=True)
    assert client.get("/api/events", headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 200
    assert client.get("/api/events", headers={"X-Forwarded-For": "10.0.0.2"}).status_code == 200
    assert client.get("/api/events", headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 429


def test_sign_in_routes_have_the_stricter_limit(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit_auth="2/86400")
    path = "/api/events/1/dashboard/code"
    statuses = [client.post(path, json={"phone": "555-010-0104"}).status_code for _ in range(3)]
    assert statuses[:2] != [429, 429] and statuses[2] == 429
    assert client.get("/api/events").status_code == 200  # the public bucket is separate


def test_guessing_keys_gets_an_address_refused(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit_auth="3/86400")
    statuses = [client.get("/api/events", headers=auth(f"guess-{i}")).status_code for i in range(5)]
    assert statuses[:3] == [401, 401, 401]
    assert statuses[3:] == [429, 429]
    assert client.get("/api/events", headers=auth()).status_code == 200  # a valid key still works


def test_limits_can_be_turned_off(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit_public="", rate_limit_auth="")
    assert {client.get("/api/events").status_code for _ in range(30)} == {200}


def test_cors_allows_only_listed_origins(make_client: Callable[..., TestClient]) -> None:
    client = make_client(cors_origins="https://tickets.example.org, https://admin.example.org/")
    allowed = client.get("/api/events", headers={"Origin": "https://admin.example.org"})
    assert allowed.headers["access-control-allow-origin"] == "https://admin.example.org"
    other = client.get("/api/events", headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in other.headers
    preflight = client.options(
        "/api/venues",
        headers={
            "Origin": "https://tickets.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    refused = client.options(
        "/api/venues",
        headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert refused.status_code == 400


def test_no_cors_headers_without_an_allow_list(client: TestClient) -> None:
    response = client.get("/api/events", headers={"Origin": "https://tickets.example.org"})
    assert "access-control-allow-origin" not in response.headers


def test_a_preflight_does_not_bypass_auth(make_client: Callable[..., TestClient]) -> None:
    client = make_client(cors_origins="https://tickets.example.org")
    headers = {"Origin": "https://tickets.example.org", "Upgrade": "websocket"}
    response = client.post("/api/venues", json={"name": "X", "timezone": "UTC"}, headers=headers)
    assert response.status_code == 403  # no key is the public role, which may not do this
    assert client.get("/api/venues/1", headers=auth()).status_code == 404
