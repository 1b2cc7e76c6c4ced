"""The shop in Debian's Chromium: a paid ticket bought through the demo gateway with its PDF
opened, the documents and calendar links on my-tickets, the waitlist of a sold-out event and
its offer page, the phone layouts (dashboard and /docs included), and axe-core on each page."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest

from aitickets.settings import Settings
from persistence.db import Database
from tests.browser.kit import (
    CHROMIUM,
    DESKTOP,
    PHONE,
    audit,
    live_server,
    overflow_px,
    shoot,
    texted_code,
)
from tests.conftest import ADMIN_KEY
from tests.factories import make_event, make_tier

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
)
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
def base(settings: Settings) -> Iterator[str]:
    async def seed() -> None:
        db = Database(settings.resolved_database_url)
        try:
            jazz = await make_event(db, "Jazz Night")
            await make_tier(db, jazz, "Free entry", price_cents=0, capacity=20)
            await make_tier(db, jazz, "Front row", price_cents=4500, capacity=10)
            soiree = await make_event(db, "Sold Out Soiree")
            await make_tier(db, soiree, "GA", price_cents=2000, capacity=1)
        finally:
            await db.dispose()

    asyncio.run(seed())
    with live_server(settings) as url:
        yield url


@pytest.fixture
def page(base: str) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        context = browser.new_context(base_url=base, viewport=DESKTOP)
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        try:
            yield tab
        finally:
            context.close()
            browser.close()


def test_buy_a_paid_ticket_through_the_demo_gateway_and_open_its_pdf(page: Any) -> None:
    page.goto("/events")
    card = page.locator("li.event").filter(has_text="Jazz Night")
    assert "Free · paid from $45.00" in card.inner_text()
    audit(page, "shop-listing")
    card.get_by_role("link", name="Jazz Night").click()
    assert page.get_by_text("1 Main St").is_visible()
    audit(page, "shop-event")
    page.get_by_label("Tier").select_option(label="Front row — $45.00")
    page.get_by_label("Your name").fill("Pat Payer")
    page.get_by_label("Email").fill("pat@example.com")
    page.get_by_role("button", name="Get tickets").click()
    page.wait_for_url(re.compile(r"/checkout/demo/"))
    body = page.inner_text("main")
    assert "$45.00" in body and "USD" not in body and "UTC" not in body
    assert "held until 12:15 PM" in body  # noon in New York, the venue's zone
    audit(page, "shop-checkout")
    page.get_by_role("button", name="Pay $45.00 (test)").click()
    page.wait_for_url(re.compile(r"/checkout/return/"))
    assert page.get_by_role("heading", name="Payment received").is_visible()
    audit(page, "shop-confirmation")
    pdf_link = page.get_by_role("link", name=re.compile(r"PDF ticket"))
    with page.expect_popup() as popup_info:
        pdf_link.click()
    popup = popup_info.value
    pdf = page.request.get(pdf_link.get_attribute("href") or "")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF") and b"Jazz Night" in pdf.body()
    popup.close()
    page.get_by_role("link", name="Your tickets").click()
    page.wait_for_url(re.compile(r"/my-tickets/"))
    assert "$45.00 · paid" in page.inner_text("main")
    for name, kind, magic in (
        (r"PDF ticket", "application/pdf", b"%PDF"),
        (r"Apple Wallet", "application/vnd.apple.pkpass", b"PK\x03\x04"),
        (r"Add to calendar", "text/calendar", b"BEGIN:VCALENDAR"),
    ):
        href = page.get_by_role("link", name=re.compile(name)).first.get_attribute("href")
        got = page.request.get(href or "")
        assert got.ok and got.headers["content-type"].split(";")[0] == kind
        assert got.body().startswith(magic)
    audit(page, "shop-my-tickets")


def test_a_sold_out_event_signs_people_up_for_the_waitlist(page: Any) -> None:
    sale = {"tier_id": 3, "quantity": 1, "customer": {"name": "Early Bird"}, "payment": "cash"}
    sold = page.request.post("/api/tickets/events/2/purchase", data=sale, headers=ADMIN).json()
    page.goto("/events/2")
    assert page.get_by_role("button", name="Get tickets").count() == 0
    form = page.locator("form").filter(has=page.get_by_role("button", name="Join the waitlist"))
    form.get_by_label("Your name").fill("Wanda Waitlist")
    form.get_by_label("Email").fill("wanda@example.com")
    form.get_by_role("button", name="Join the waitlist").click()
    page.get_by_text("number 1 in line").wait_for()
    audit(page, "shop-waitlist-joined")
    entries = page.request.get("/api/events/2/waitlist", headers=ADMIN).json()["entries"]
    assert [e["email"] for e in entries] == ["wanda@example.com"]
    # A seat frees up: Wanda's offer link holds it, and claiming it goes to the paid checkout.
    refund = page.request.post(f"/api/orders/{sold['order_id']}/refund", data={}, headers=ADMIN)
    assert refund.ok
    offered = page.request.post("/api/events/2/waitlist/offers", headers=ADMIN).json()
    assert len(offered["offers"]) == 1
    outbox = page.request.get("/api/messages", headers=ADMIN).json()["messages"]
    link = next(m["body"] for m in outbox if "/waitlist/offers/" in m["body"])
    path = re.search(r"/waitlist/offers/[\w-]+", link)
    assert path is not None
    page.goto(path.group(0))
    assert page.get_by_text(
        "Wanda Waitlist, 1 × GA ($20.00 each) is held for you until"
    ).is_visible()
    audit(page, "shop-waitlist-offer")
    page.get_by_role("button", name="Claim and pay").click()
    page.wait_for_url(re.compile(r"/checkout/demo/"))
    assert "$20.00" in page.inner_text("main")


def test_errors_are_pages_and_phone_layouts_do_not_overflow(page: Any) -> None:
    response = page.goto("/no/such/page")
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", name="Sorry").is_visible()
    audit(page, "shop-404")
    page.set_viewport_size(PHONE)
    page.goto("/docs")
    page.locator("details").first.wait_for()
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert overflow_px(page) == 0
    shoot(page, "docs", full_page=False)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = false)")
    audit(page, "docs-closed")  # every operation open is too tall for one image


def test_the_dashboard_fits_a_phone(page: Any, settings: Settings) -> None:
    granted = page.request.post(
        "/api/events/1/dashboard-access",
        data={"phone": "+15550100199", "name": "Promoter"},
        headers=ADMIN,
    )
    assert granted.status == 201
    page.set_viewport_size(PHONE)
    page.goto("/dashboard/1/login")
    page.get_by_label("Your mobile number").fill("(555) 010-0199")
    page.get_by_role("button", name="Text me a code").click()
    code = texted_code(page, settings)
    page.get_by_label(re.compile("6-digit code")).fill(code)
    page.get_by_role("button", name="Open the dashboard").click()
    page.wait_for_url(re.compile(r"/dashboard/1$"))
    audit(page, "dashboard")
