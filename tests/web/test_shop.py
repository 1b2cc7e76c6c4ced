"""The shop that sells: prices on cards, the venue's address, cancelled events, the waitlist
sign-up and its offer page, documents and calendar links on my-tickets and the confirmation,
one money format and the venue's zone at checkout, HTML error pages, the site's default name."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from aitickets.settings import Settings
from persistence.db import Database
from tests.conftest import auth
from tests.factories import make_event, make_tier
from tests.web.test_pages import csrf, run

BUYER = {"name": "Ada Lovelace", "email": "ada@example.com"}


def shop(
    settings: Settings, tiers: list[tuple[str, int, int]], **event: Any
) -> tuple[int, list[int]]:
    async def build(db: Database) -> tuple[int, list[int]]:
        event_id = await make_event(db, "Jazz Night", **event)
        ids = [
            await make_tier(db, event_id, name, price_cents=price, capacity=cap)
            for name, price, cap in tiers
        ]
        return event_id, ids

    return run(settings, build)


def buy_free(client: TestClient, event_id: int, tier_id: int) -> dict[str, Any]:
    body = {"tier_id": tier_id, "quantity": 1, "customer": BUYER}
    made = client.post(f"/api/tickets/events/{event_id}/purchase", json=body)
    assert made.status_code == 201, made.text
    return dict(made.json())


# --- listing and event page -------------------------------------------------------------------


def test_cards_say_from_what_price(client: TestClient, settings: Settings) -> None:
    shop(settings, [("Free entry", 0, 10), ("Front row", 4500, 5), ("Booth", 9000, 2)])
    page = client.get("/events").text
    assert "Free · paid from $45.00" in page
    assert "17 seats left" in page


def test_a_paid_only_event_reads_from_its_cheapest_tier(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    shop(settings, [("Front row", 4500, 5), ("Balcony", 2500, 5)])
    assert "From $25.00" in client.get("/events").text


def test_a_cancelled_event_offers_no_seats(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    event_id, _ = shop(settings, [("General", 2500, 10)], status="cancelled")
    listing = client.get("/events").text
    assert "seats left" not in listing and "cancelled" in listing
    page = client.get(f"/events/{event_id}").text
    assert "This event is cancelled." in page and ">10<" not in page
    assert "Get tickets" not in page and "waitlist" not in page.lower()


def test_event_page_shows_the_venue_address_and_a_map_link(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    event_id, _ = shop(settings, [("General", 2500, 10)])
    page = client.get(f"/events/{event_id}").text
    assert "1 Main St" in page
    assert "https://www.openstreetmap.org/search?query=Blue+Room%2C+1+Main+St" in page


# --- waitlist ---------------------------------------------------------------------------------


def waitlist_of(client: TestClient, event_id: int) -> list[dict[str, Any]]:
    got = client.get(f"/api/events/{event_id}/waitlist", headers=auth())
    assert got.status_code == 200
    return list(got.json()["entries"])


def test_a_sold_out_tier_offers_the_waitlist_and_joins_it(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    event_id, (tier,) = shop(settings, [("GA", 2000, 1)])
    buy_body = {"tier_id": tier, "quantity": 1, "customer": BUYER, "payment": "cash"}
    sale = client.post(f"/api/tickets/events/{event_id}/purchase", json=buy_body, headers=auth())
    assert sale.status_code == 201
    page = client.get(f"/events/{event_id}").text
    assert "Join the waitlist" in page and "Get tickets" not in page
    form = {
        "csrf_token": csrf(client, f"/events/{event_id}"),
        "tier_id": str(tier),
        "quantity": "2",
        "name": "Wanda Waitlist",
        "email": "wanda@example.com",
    }
    joined = client.post(f"/events/{event_id}/waitlist", data=form)
    assert joined.status_code == 201
    assert "number 1 in line" in joined.text
    (entry,) = waitlist_of(client, event_id)
    assert (entry["email"], entry["quantity"], entry["tier_id"]) == ("wanda@example.com", 2, tier)


def test_waitlist_form_refuses_bad_input_and_forged_posts(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    event_id, (tier,) = shop(settings, [("GA", 0, 1)])
    buy_free(client, event_id, tier)
    token = csrf(client, f"/events/{event_id}")
    forged = {"csrf_token": "0" * 64, "name": "Eve", "email": "eve@example.com"}
    assert client.post(f"/events/{event_id}/waitlist", data=forged).status_code == 403
    bad = {"csrf_token": token, "name": "Eve", "email": "not-an-email", "quantity": "x"}
    refused = client.post(f"/events/{event_id}/waitlist", data=bad)
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    assert (
        client.post("/events/999/waitlist", data={**bad, "email": "e@example.com"}).status_code
        == 404
    )
    assert waitlist_of(client, event_id) == []


def test_the_offer_link_shows_the_held_seats_and_claims_them(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    event_id, (tier,) = shop(settings, [("GA", 0, 1)])
    sold = buy_free(client, event_id, tier)
    join = {"name": "Wanda Waitlist", "email": "wanda@example.com"}
    assert client.post(f"/api/events/{event_id}/waitlist", json=join).status_code == 201
    refund = client.post(f"/api/tickets/{sold['tickets'][0]['id']}/refund", json={}, headers=auth())
    assert refund.status_code == 200, refund.text
    offered = client.post(f"/api/events/{event_id}/waitlist/offers", headers=auth())
    assert offered.status_code == 201 and len(offered.json()["offers"]) == 1
    messages = client.get("/api/messages", headers=auth()).json()["messages"]
    link = next(
        re.search(r"/waitlist/offers/[\w-]+", m["body"])
        for m in messages
        if "waitlist" in m["body"]
    )
    assert link is not None
    page = client.get(link.group(0))
    assert page.status_code == 200
    assert "Wanda Waitlist, 1 × GA" in page.text and "Claim my tickets" in page.text
    forged = client.post(link.group(0) + "/claim", data={"csrf_token": "0" * 64})
    assert forged.status_code == 403
    token = CSRF_RE.search(page.text)
    assert token is not None
    claimed = client.post(
        link.group(0) + "/claim", data={"csrf_token": token.group(1)}, follow_redirects=False
    )
    assert claimed.status_code == 303 and claimed.headers["location"].startswith("/my-tickets/")
    again = client.get(link.group(0))
    assert "already claimed" in again.text
    assert (
        client.get(
            "/waitlist/offers/not-a-real-token-123", headers={"accept": "text/html"}
        ).status_code
        == 404
    )


CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


# --- my tickets, documents, calendar ----------------------------------------------------------


def test_my_tickets_links_pdf_wallet_and_calendar(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    event_id, (tier,) = shop(settings, [("Free entry", 0, 10)])
    order = buy_free(client, event_id, tier)
    token, ticket = order["access_token"], order["tickets"][0]["id"]
    page = client.get(f"/my-tickets/{token}").text
    assert "Free · paid" not in page and f"Order {order['order_id']} · Free" in page
    for path, kind, magic in (
        (f"/my-tickets/{token}/tickets/{ticket}.pdf", "application/pdf", b"%PDF"),
        (f"/my-tickets/{token}/tickets/{ticket}.pkpass", "application/vnd.apple.pkpass", b"PK"),
        (f"/my-tickets/{token}/event.ics", "text/calendar", b"BEGIN:VCALENDAR"),
    ):
        assert f'href="{path}"' in page
        got = client.get(path)
        assert got.status_code == 200 and got.headers["content-type"].startswith(kind)
        assert got.content.startswith(magic)
    ics = client.get(f"/my-tickets/{token}/event.ics").text
    assert "DTSTART:20261125T010000Z" in ics  # NOW + 8 h, in UTC whatever the venue's zone
    assert "SUMMARY:Jazz Night" in ics and "LOCATION:Blue Room\\, 1 Main St" in ics
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    assert client.get("/my-tickets/" + "x" * 30 + "/event.ics").status_code == 404


def test_paid_checkout_speaks_dollars_and_the_venue_clock(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    event_id, (tier,) = shop(settings, [("Front row", 2500, 10)])
    body = {"tier_id": tier, "quantity": 2, "customer": BUYER}
    order = client.post(f"/api/tickets/events/{event_id}/purchase", json=body).json()
    address = "/" + order["checkout_url"].split("://", 1)[1].split("/", 1)[1]
    path = address.split("?", 1)[0]  # the page's address carries the buyer's token
    page = client.get(address).text
    assert "$50.00" in page and "USD" not in page
    assert "held until" in page and "12:15 PM" in page and "UTC" not in page  # noon in New York
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    form = {"csrf_token": token.group(1), "access_token": order["access_token"]}
    paid = client.post(f"{path}/pay", data=form)
    assert "Payment received" in paid.text
    tickets = re.findall(r"/my-tickets/[\w-]+/tickets/(\d+)\.pdf", paid.text)
    assert len(tickets) == 2
    assert "event.ics" in paid.text and ".pkpass" in paid.text


# --- errors and brand -------------------------------------------------------------------------


def test_an_unknown_page_is_a_page_and_the_api_stays_json(client: TestClient) -> None:
    page = client.get("/no/such/page", headers={"accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "There is nothing at this address." in page.text and "<h1>" in page.text
    api = client.get("/api/no/such", headers={"accept": "text/html"})
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    plain = client.get("/no/such/page")
    assert plain.json()["error"]["code"] == "not_found"
    doc = client.get("/my-tickets/" + "x" * 30 + "/tickets/1.pdf", headers={"accept": "text/html"})
    assert doc.status_code == 404 and "<h1>" in doc.text


def test_the_site_is_named_after_the_venue_until_told_otherwise(
    client: TestClient, settings
) -> None:  # type: ignore[no-untyped-def]
    shop(settings, [("General", 2500, 10)])
    assert client.get("/api/site/branding").json()["name"] == "Blue Room"
    renamed = client.put("/api/site/branding", json={"name": "Blue Room Presents"}, headers=auth())
    assert renamed.status_code == 200
    assert "Blue Room Presents" in client.get("/events").text


@pytest.mark.parametrize(
    ("host", "env", "expected"),
    [
        ("127.0.0.1", {}, "http://127.0.0.1:8123"),
        ("0.0.0.0", {}, "http://127.0.0.1:8123"),
        ("::1", {}, "http://[::1]:8123"),
        (
            "127.0.0.1",
            {"AITICKETS_PUBLIC_URL": "https://tickets.example"},
            "https://tickets.example",
        ),
        ("127.0.0.1", {"PUBLIC_BASE_URL": "https://shop.example"}, "https://shop.example"),
    ],
)
def test_the_public_url_follows_serve_unless_set(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path,
    host: str,
    env: dict[str, str],
    expected: str,  # type: ignore[no-untyped-def]
) -> None:
    from aitickets.cli import _default_public_url
    from aitickets.settings import get_settings

    monkeypatch.chdir(tmp_path)  # no .env here
    for var in ("AITICKETS_PUBLIC_URL", "PUBLIC_BASE_URL", "public_base_url"):
        monkeypatch.setenv(var, "")  # recorded, so the teardown puts back what was there
        monkeypatch.delenv(var)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    _default_public_url(host, 8123)
    try:
        assert get_settings().public_base_url == expected
    finally:
        get_settings.cache_clear()
