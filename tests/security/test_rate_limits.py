"""Issue 12, finding 5: the rate limits, tried as an attacker would. Limits key on a valid
credential only, trust only configured proxies (the rightmost untrusted hop), never lock out a
valid key, cover the sign-in tools on every route, cannot be used to lock a promoter out, say the
real wait, and are shared by every process through Redis when REDIS_URL is set.

Windows here are a day long: a sliding window lets one more request through just after each
boundary of its sub-windows, which a test that happened to cross one would see."""

from __future__ import annotations

import socket
import uuid

import pytest

from aitickets.settings import Settings
from tests.conftest import ADMIN_KEY, auth
from tests.security.limits_kit import MakeClient, forwarded, make_client, show

__all__ = ["make_client"]  # the fixture, imported for pytest to find

PROMOTER = "+15550100199"
ATTACKER, VICTIM = "198.51.100.66", "203.0.113.10"


@pytest.mark.parametrize("junk", ["Bearer junk-not-a-key-123", "junk", "Basic Zm9vOmJhcg=="])
def test_a_junk_authorization_header_does_not_skip_the_public_limit(
    make_client: MakeClient, junk: str
) -> None:
    client = make_client(rate_limit_public="2/86400")
    assert [client.get("/events").status_code for _ in range(2)] == [200, 200]
    # Routes that never look at keys (pages, the purchase form, uploads) were served as before.
    for path in ("/events", "/api/events", "/about"):
        refused = client.get(path, headers={"Authorization": junk})
        assert refused.status_code == 429, (path, refused.status_code)
    assert client.get("/api/events", headers=auth()).status_code == 200  # a real key is not


def test_a_non_ascii_authorization_header_is_junk_not_a_crash(make_client: MakeClient) -> None:
    client = make_client(rate_limit_public="1/86400")
    assert client.get("/events").status_code == 200
    odd = client.get("/events", headers={"Authorization": "Bearer cl\xe9-\xfc".encode("latin-1")})
    assert odd.status_code == 429


def test_ten_wrong_keys_do_not_lock_out_the_valid_keys_behind_the_same_address(
    make_client: MakeClient,
) -> None:
    client = make_client(rate_limit_public="5/86400", rate_limit_auth="5/86400")
    staff_key = client.post("/api/keys", json={"name": "door", "role": "staff"}, headers=auth())
    assert staff_key.status_code == 201
    wrong = [
        client.get("/api/events", headers=auth(f"atk_{uuid.uuid4().hex}")).status_code
        for _ in range(10)
    ]
    assert wrong[:5] == [401] * 5 and set(wrong[5:]) == {429}  # the guesser is refused
    for key in (staff_key.json()["key"], ADMIN_KEY):  # the door behind the same NAT is not
        assert client.get("/api/events", headers=auth(key)).status_code == 200


def test_the_client_is_the_rightmost_hop_a_trusted_proxy_saw(make_client: MakeClient) -> None:
    client = make_client(
        "127.0.0.1",
        rate_limit_public="1/86400",
        trust_forwarded_for=True,
        trusted_proxies="127.0.0.1",
    )
    # The client writes whatever it likes on the left; our proxy appends the address it saw.
    first = client.get("/api/events", headers=forwarded(f"10.9.9.1, {ATTACKER}"))
    again = client.get("/api/events", headers=forwarded(f"10.9.9.2, {ATTACKER}"))
    assert (first.status_code, again.status_code) == (200, 429)
    assert client.get("/api/events", headers=forwarded(VICTIM)).status_code == 200


def test_hops_through_several_trusted_proxies_are_peeled_off(make_client: MakeClient) -> None:
    client = make_client(
        "127.0.0.1",
        rate_limit_public="1/86400",
        trust_forwarded_for=True,
        trusted_proxies="127.0.0.1, 10.0.0.0/8",
    )
    path, chain = "/api/events", f"{ATTACKER}, 10.1.2.3"
    assert client.get(path, headers=forwarded(f"1.1.1.1, {chain}")).status_code == 200
    assert client.get(path, headers=forwarded(f"2.2.2.2, {chain}")).status_code == 429


def test_forwarded_for_from_an_untrusted_peer_is_ignored(make_client: MakeClient) -> None:
    client = make_client(
        "192.0.2.77",
        rate_limit_public="1/86400",
        trust_forwarded_for=True,
        trusted_proxies="10.0.0.1",
    )
    assert client.get("/api/events", headers=forwarded("10.0.0.50")).status_code == 200
    assert client.get("/api/events", headers=forwarded("10.0.0.51")).status_code == 429


@pytest.mark.parametrize("tool", ["confirm_dashboard_code", "request_dashboard_code"])
def test_the_sign_in_tools_draw_on_the_sign_in_limit_on_every_route(
    make_client: MakeClient, settings: Settings, tool: str
) -> None:
    client = make_client(rate_limit_public="300/86400", rate_limit_auth="3/86400")
    event_id, _tier = show(settings)
    statuses = []
    for n in range(4):  # a new phone each time: the sign-in window, not a phone's code quota
        body = {"event_id": event_id, "phone": f"+1555010{n:04d}", "code": "123456"}
        if tool == "request_dashboard_code":
            del body["code"]
        statuses.append(client.post(f"/tools/{tool}", json=body).status_code)
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429


def test_nobody_can_lock_a_promoter_out_of_their_dashboard(
    make_client: MakeClient, settings: Settings
) -> None:
    client = make_client(
        "127.0.0.1",
        rate_limit_auth="100/86400",
        trust_forwarded_for=True,
        trusted_proxies="127.0.0.1",
    )
    event_id, _tier = show(settings)
    access = client.post(
        f"/api/events/{event_id}/dashboard-access", json={"phone": PROMOTER}, headers=auth()
    )
    assert access.status_code == 201
    other_event, _ = show(settings)
    path = "/api/events/{}/dashboard/code"
    for target in (other_event, event_id, other_event, event_id):  # the attacker asks away
        client.post(path.format(target), json={"phone": PROMOTER}, headers=forwarded(ATTACKER))
    mine = client.post(path.format(event_id), json={"phone": PROMOTER}, headers=forwarded(VICTIM))
    assert mine.status_code == 202, mine.text
    messages = client.get("/api/messages", params={"limit": 50}, headers=auth()).json()
    texts = [m for m in messages["messages"] if m["to_address"] == PROMOTER]
    assert texts, "the promoter's own request sent a code"


def test_a_tool_refusal_says_the_real_wait(make_client: MakeClient, settings: Settings) -> None:
    client = make_client(rate_limit_auth="")  # the code quota itself, not the sign-in window
    event_id, _tier = show(settings)
    path = f"/api/events/{event_id}/dashboard/code"
    for _ in range(3):
        assert client.post(path, json={"phone": PROMOTER}).status_code == 202
    refused = client.post(path, json={"phone": PROMOTER})
    assert refused.status_code == 429
    wait = refused.json()["error"]["details"]["retry_after"]
    assert 1 <= wait <= 15 * 60
    assert refused.headers["retry-after"] == str(wait)  # was "1" for a 900 s wait


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.3) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="needs Redis on 127.0.0.1:6379")
def test_limits_are_shared_by_every_process_through_redis(make_client: MakeClient) -> None:
    tuned = {
        "rate_limit_public": "3/86400",
        "redis_url": "redis://127.0.0.1:6379/0",
        "trust_forwarded_for": True,
        "trusted_proxies": "127.0.0.1",
    }
    one, two = make_client("127.0.0.1", **tuned), make_client("127.0.0.1", **tuned)
    me = forwarded(f"198.18.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}")  # fresh per run
    assert one.get("/api/events", headers=me).status_code == 200
    assert two.get("/api/events", headers=me).status_code == 200
    assert one.get("/api/events", headers=me).status_code == 200
    assert two.get("/api/events", headers=me).status_code == 429  # the second process knew


def test_an_unreachable_limit_store_lets_requests_through(make_client: MakeClient) -> None:
    with socket.socket() as probe:  # a port on this machine that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(rate_limit_public="1/86400", redis_url=f"redis://127.0.0.1:{port}/0")
    assert {client.get("/api/events").status_code for _ in range(3)} == {200}


def test_a_trusted_proxy_says_the_scheme_and_no_one_else_does(make_client: MakeClient) -> None:
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    def app_with_echo(client):  # type: ignore[no-untyped-def]
        async def echo(request: Request) -> PlainTextResponse:
            assert request.client is not None
            return PlainTextResponse(f"{request.url.scheme} {request.client.host}")

        client.app.router.routes.insert(0, Route("/echo", echo))
        return client

    proxied = app_with_echo(
        make_client("127.0.0.1", trust_forwarded_for=True, trusted_proxies="127.0.0.1")
    )
    said = proxied.get("/echo", headers={**forwarded(VICTIM), "X-Forwarded-Proto": "https"})
    assert said.text == f"https {VICTIM}"
    direct = app_with_echo(make_client("192.0.2.5", trust_forwarded_for=True))
    said = direct.get("/echo", headers={**forwarded(VICTIM), "X-Forwarded-Proto": "https"})
    assert said.text == "http 192.0.2.5"


def test_a_redis_url_that_is_not_one_stops_the_start() -> None:
    from integrations.ratelimit import RateLimits

    with pytest.raises(ValueError, match="REDIS_URL"):
        RateLimits("http://127.0.0.1:6379")


def test_an_ipv6_client_cannot_rotate_through_its_64(make_client: MakeClient) -> None:
    client = make_client(
        "::1", rate_limit_public="2/86400", trust_forwarded_for=True, trusted_proxies="::1"
    )
    statuses = [
        client.get("/api/events", headers=forwarded(f"2001:db8:7:7::{n:x}")).status_code
        for n in range(1, 4)
    ]
    assert statuses == [200, 200, 429]
    assert client.get("/api/events", headers=forwarded("2001:db8:7:8::1")).status_code == 200


async def test_the_in_process_store_stays_cheap_with_many_addresses() -> None:
    import asyncio
    import time

    from integrations.ratelimit import Rate, RateLimits

    limits, rate = RateLimits(), Rate(300, 60)
    for n in range(50_000):  # an attacker with many addresses has filled the store
        await limits.hit(rate, "public", f"10.{n // 256}.{n % 256}.1")
    start = time.perf_counter()
    for n in range(500):
        await limits.hit(rate, "public", f"10.99.{n % 256}.{n // 256}")
        await asyncio.sleep(0)  # let any expiry sweep run, as a server would
    per_request = (time.perf_counter() - start) / 500
    assert per_request < 0.002  # was 4-8 ms: every hit swept all 50,000 keys
