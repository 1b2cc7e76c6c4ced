"""The public pages: listing with search, filter and paging, event detail and the purchase form
(CSRF), my tickets with QR codes, About, brand theming, and escaping everywhere."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from starlette.testclient import TestClient

from aitickets.errors import PaymentRequired
from aitickets.settings import Settings
from persistence.db import Database
from tests.conftest import NOW, auth
from tests.factories import make_event, make_tier, make_venue

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def run(settings: Settings, build: Any) -> Any:
    """Build rows with the factories (the app has its own connection to the same file)."""

    async def go() -> Any:
        db = Database(settings.resolved_database_url)
        try:
            return await build(db)
        finally:
            await db.dispose()

    return asyncio.run(go())


def world(settings: Settings, name: str = "Jazz Night", price: int = 0, capacity: int = 100):  # type: ignore[no-untyped-def]
    async def build(db: Database) -> tuple[int, int]:
        event_id = await make_event(db, name)
        return event_id, await make_tier(
            db,
            event_id,
            "Free entry" if not price else "Seated",
            price_cents=price,
            capacity=capacity,
        )

    return run(settings, build)


def csrf(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = CSRF.search(page.text)
    assert match, "the form carries a CSRF token"
    return match.group(1)


def buy(client: TestClient, event_id: int, tier_id: int, **fields: Any):  # type: ignore[no-untyped-def]
    form = {
        "csrf_token": csrf(client, f"/events/{event_id}"),
        "tier_id": str(tier_id),
        "quantity": "1",
        "name": "Ann Lee",
        "email": "ann@example.com",
        **fields,
    }
    return client.post(f"/events/{event_id}/purchase", data=form, follow_redirects=False)


# --- listing ----------------------------------------------------------------------------------


def test_home_redirects_to_listing_with_brand_and_events(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    world(settings)
    assert client.get("/", follow_redirects=False).headers["location"] == "/events"
    page = client.get("/events")
    assert page.status_code == 200
    assert "Jazz Night" in page.text and "© Blue Room" in page.text  # the venue names the site
    assert "100 seats left" in page.text
    assert 'href="/events/1"' in page.text


def test_search_treats_percent_and_underscore_literally(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    world(settings, "100% Jazz")
    world(settings, "Jazz Trio")
    world(settings, "Late_Show")
    percent = client.get("/events", params={"q": "%"}).text
    assert "100% Jazz" in percent and "Jazz Trio" not in percent
    underscore = client.get("/events", params={"q": "_"}).text
    assert "Late_Show" in underscore and "Jazz Trio" not in underscore
    none = client.get("/events", params={"q": "polka"})
    assert none.status_code == 200 and "No upcoming events match “polka”" in none.text


def test_category_filter(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    jazz, _ = world(settings, "Jazz Night")
    world(settings, "Comedy Hour")
    category = client.post("/api/categories", json={"name": "Jazz"}, headers=auth()).json()
    tagged = client.post(
        f"/api/events/{jazz}/categories", json={"category_ids": [category["id"]]}, headers=auth()
    )
    assert tagged.status_code == 200, tagged.text
    page = client.get("/events", params={"category": str(category["id"])}).text
    assert "Jazz Night" in page and "Comedy Hour" not in page
    assert f'<option value="{category["id"]}" selected>Jazz</option>' in page
    assert "Jazz Night" in client.get("/events", params={"category": "jazz"}).text
    assert "No upcoming events" in client.get("/events", params={"category": "polka"}).text


def test_pagination(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    async def build(db: Database) -> None:
        venue = await make_venue(db)
        for i in range(14):
            await make_event(
                db, f"Show {i:02d}", venue_id=venue, starts_at=NOW + timedelta(days=i + 1)
            )

    run(settings, build)
    first = client.get("/events").text
    assert "Show 00" in first and "Show 12" not in first and "Page 1 of 2" in first
    assert 'href="/events?page=2"' in first
    second = client.get("/events", params={"page": "2"}).text
    assert "Show 12" in second and "Show 13" in second and "Show 00" not in second
    for junk in ("abc", "-1", "0", "9" * 30):
        assert client.get("/events", params={"page": junk}).status_code == 200
    beyond = client.get("/events", params={"page": "99"})
    assert beyond.status_code == 200


def test_junk_query_never_breaks_the_listing(client: TestClient) -> None:
    for params in ({"q": "x" * 5000}, {"category": "9" * 40}, {"q": "<script>"}):
        page = client.get("/events", params=params)
        assert page.status_code == 200
        assert "<script>" not in page.text.split("</head>")[1]


# --- event detail and purchase ----------------------------------------------------------------


def test_event_page_shows_tiers_and_remaining_seats(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    event_id, tier_id = world(settings, capacity=40)
    page = client.get(f"/events/{event_id}")
    assert page.status_code == 200
    assert "Free entry" in page.text and ">40<" in page.text
    assert f'<option value="{tier_id}"' in page.text
    assert '<label for="email">' in page.text  # every input has a label


def test_unknown_event_is_an_html_404(client: TestClient) -> None:
    for path in ("/events/999", "/events/abc"):
        page = client.get(path)
        assert page.status_code == 404


def test_free_purchase_redirects_to_my_tickets_with_qr(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    event_id, tier_id = world(settings)
    response = buy(client, event_id, tier_id, quantity="2")
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/my-tickets/[A-Za-z0-9_\-]{20,}", location)
    page = client.get(location)
    assert page.status_code == 200
    assert page.text.count('src="data:image/svg+xml;charset=utf-8,%3Csvg%20xmlns') == 2
    assert "Ann Lee" in page.text and "Jazz Night" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert client.get(f"/events/{event_id}").text.count(">98<") == 1


def test_purchase_without_a_valid_csrf_token_is_refused(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    event_id, tier_id = world(settings)
    form = {"tier_id": str(tier_id), "quantity": "1", "name": "Eve", "email": "eve@example.com"}
    assert client.post(f"/events/{event_id}/purchase", data=form).status_code == 403
    token = csrf(client, f"/events/{event_id}")
    client.cookies.clear()
    client.cookies.set("aitickets_csrf", "another-browsers-nonce-1234567")
    forged = client.post(f"/events/{event_id}/purchase", data={**form, "csrf_token": token})
    assert forged.status_code == 403
    client.cookies.clear()
    assert ">100<" in client.get(f"/events/{event_id}").text  # nothing was sold


def test_paid_tier_goes_to_checkout(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    event_id, tier_id = world(settings, price=2500)
    response = buy(client, event_id, tier_id)
    assert response.status_code == 303
    assert "/my-tickets/" not in response.headers["location"]  # to pay first, not to tickets


def test_payment_required_says_pay_at_the_box_office(
    client: TestClient, settings, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    event_id, tier_id = world(settings, price=2500)
    runner = client.app.state.runner  # type: ignore[attr-defined]
    real = runner.call

    async def no_card(name: str, arguments: Any, actor: Any) -> Any:
        if name == "purchase_tickets":
            raise PaymentRequired("Paid tickets need card checkout.")
        return await real(name, arguments, actor)

    monkeypatch.setattr(runner, "call", no_card)
    response = buy(client, event_id, tier_id)
    assert response.status_code == 402
    assert "pay at the box office" in response.text
    assert 'value="Ann Lee"' in response.text  # the form keeps what was typed


def test_checkout_url_from_the_purchase_is_followed(
    client: TestClient, settings, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    event_id, tier_id = world(settings, price=2500)
    runner = client.app.state.runner  # type: ignore[attr-defined]
    real = runner.call

    async def fake(name: str, arguments: Any, actor: Any) -> Any:
        if name == "purchase_tickets":
            return SimpleNamespace(
                checkout_url="https://checkout.stripe.com/c/pay/cs_1", access_token="t"
            )
        return await real(name, arguments, actor)

    monkeypatch.setattr(runner, "call", fake)
    response = buy(client, event_id, tier_id)
    assert response.status_code == 303
    assert response.headers["location"] == "https://checkout.stripe.com/c/pay/cs_1"


def test_sold_out_and_bad_input_are_explained_on_the_page(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    event_id, tier_id = world(settings, capacity=1)
    token = csrf(client, f"/events/{event_id}")
    assert buy(client, event_id, tier_id).status_code == 303
    again = client.get(f"/events/{event_id}")
    assert "Sold out" in again.text and 'action="/events/1/purchase"' not in again.text
    late = client.post(
        f"/events/{event_id}/purchase",
        data={
            "csrf_token": token,
            "tier_id": str(tier_id),
            "quantity": "1",
            "name": '<img src=x onerror="1">',
            "email": "late@example.com",
        },
    )
    assert late.status_code == 409 and "sold out" in late.text
    event2, tier2 = world(settings, "Other")
    wrong = buy(client, event2, tier2, email="nope", name='<img src=x onerror="1">')
    assert wrong.status_code == 422 and "email" in wrong.text
    assert "<img src=x" not in wrong.text and "&lt;img src=x" in wrong.text
    zero = buy(client, event2, tier2, quantity="0")
    assert zero.status_code == 422


def test_event_text_is_escaped(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    world(settings, '<script>alert("x")</script>')
    listing = client.get("/events").text
    assert '<script>alert("x")</script>' not in listing
    assert "&lt;script&gt;" in listing
    assert "&lt;script&gt;" in client.get("/events/1").text


# --- my tickets ---------------------------------------------------------------------------------


def test_my_tickets_unknown_or_malformed_link_is_404(client: TestClient) -> None:
    for token in ("x" * 30, "short", "..%2F..%2Fetc"):
        assert client.get(f"/my-tickets/{token}").status_code == 404


def test_my_tickets_shows_only_that_order(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    event_id, tier_id = world(settings)
    mine = buy(client, event_id, tier_id).headers["location"]
    buy(client, event_id, tier_id, name="Bob Ray", email="bob@example.com")
    page = client.get(mine).text
    assert "Ann Lee" in page and "Bob Ray" not in page


# --- about and brand ----------------------------------------------------------------------------


def test_about_page_renders_cms_text_escaped(client: TestClient) -> None:
    client.put(
        "/api/about",
        json={
            "section": "mission",
            "title": "Our mission",
            "body": "Live music.\n\n<script>x</script>",
        },
        headers=auth(),
    )
    client.post(
        "/api/about/team-member", json={"name": "Maria Lopez", "title": "Booking"}, headers=auth()
    )
    page = client.get("/about")
    assert page.status_code == 200
    assert "Our mission" in page.text and "<p>Live music.</p>" in page.text
    assert "&lt;script&gt;x&lt;/script&gt;" in page.text and "<script>x" not in page.text
    assert "Maria Lopez" in page.text and "Booking" in page.text


def test_empty_about_page(client: TestClient) -> None:
    assert "Nothing here yet" in client.get("/about").text


def test_brand_override_shows_on_every_page(client: TestClient) -> None:
    changed = client.put(
        "/api/site/branding",
        json={"name": "The Blue Room", "color": "#fde047", "logo_url": "https://cdn.example/l.png"},
        headers=auth(),
    )
    assert changed.status_code == 200
    for path in ("/events", "/about", "/photos", "/events/999"):
        page = client.get(path).text
        assert "The Blue Room" in page
        assert "--brand: #fde047; --brand-ink: #111827;" in page  # dark text on a light colour
        assert 'src="https://cdn.example/l.png"' in page


def test_brand_settings_apply_and_unsafe_colours_fall_back(tmp_path, db_url) -> None:  # type: ignore[no-untyped-def]
    from web.app import create_app

    settings = Settings(
        DATABASE_URL=db_url,
        AITICKETS_DATA_DIR=tmp_path,
        ORG_NAME="Club <Noir>",
        ORG_COLOR="red;}</style><script>alert(1)</script>",
        ORG_LOGO_URL="javascript:alert(1)",
        _env_file=None,
    )
    with TestClient(create_app(settings, migrate_on_start=False)) as client:
        page = client.get("/events").text
    assert "Club &lt;Noir&gt;" in page
    assert "--brand: #4f46e5; --brand-ink: #ffffff;" in page
    assert "javascript:" not in page and "<script>alert" not in page


def test_branding_rest_refuses_a_bad_colour(client: TestClient) -> None:
    response = client.put("/api/site/branding", json={"color": "blue"}, headers=auth())
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    assert client.put("/api/site/branding", json={"name": "x"}).status_code == 403


def test_pages_send_protective_headers_and_a_httponly_csrf_cookie(client: TestClient) -> None:
    page = client.get("/events")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    cookie = page.headers["set-cookie"]
    assert "aitickets_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_static_css_is_served_without_a_cdn(client: TestClient) -> None:
    css = client.get("/static/site.css")
    assert css.status_code == 200 and "--brand" in css.text
    page = client.get("/events").text
    assert "http://" not in page.split("<body>")[0] and "https://" not in page.split("<body>")[0]


@pytest.mark.parametrize("path", ["/static/../aitickets/settings.py", "/static/%2e%2e/app.py"])
def test_static_has_no_path_tricks(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404
