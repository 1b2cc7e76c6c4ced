"""The back office in Debian's Chromium: sign in at /login, create an event and a tier
through /admin's forms and find them on the public listing, refund an order, and audit every
back-office page with axe-core at phone and desktop size (screenshots in test-artifacts/)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest

from aitickets.settings import Settings
from persistence.db import Database
from tests.browser.kit import CHROMIUM, DESKTOP, audit, live_server
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
            await make_tier(db, jazz, "General", price_cents=2500, capacity=50)
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
            tab.goto("/admin")
            tab.wait_for_url(re.compile(r"/login\?next=/admin$"))
            tab.get_by_label("API key").fill(ADMIN_KEY)
            tab.get_by_role("button", name="Sign in", exact=True).click()
            tab.wait_for_url(re.compile(r"/admin$"))
            yield tab
        finally:
            context.close()
            browser.close()


def test_create_an_event_and_a_tier_and_see_them_in_the_shop(page: Any) -> None:
    assert page.get_by_role("heading", name="Back office").is_visible()
    audit(page, "admin-overview")
    page.get_by_role("link", name="New event").click()
    page.get_by_label("Name", exact=True).fill("Backoffice Gala")
    page.get_by_label("Venue").select_option(label="Blue Room")
    page.get_by_label("Starts at").fill("2026-12-31T20:00")
    page.get_by_label(re.compile("^Description")).fill("Fizz at midnight.")
    audit(page, "admin-event-new")
    page.get_by_role("button", name="Create event").click()
    page.wait_for_url(re.compile(r"/admin/events/\d+$"))
    assert page.get_by_role("status").inner_text() == "Done: create event (Backoffice Gala)."
    tier_form = page.locator("form").filter(has=page.get_by_role("button", name="Add tier"))
    tier_form.get_by_label("Tier name").fill("Patron")
    tier_form.get_by_label("Price ($)").fill("25")
    tier_form.get_by_label("Capacity").fill("100")
    tier_form.get_by_role("button", name="Add tier").click()
    page.get_by_role("cell", name="Patron").wait_for()
    assert page.get_by_role("cell", name="$25.00").first.is_visible()
    audit(page, "admin-event")
    page.goto("/events")
    card = page.locator("li.event").filter(has_text="Backoffice Gala")
    assert "From $25.00" in card.inner_text() and "100 seats left" in card.inner_text()
    card.get_by_role("link", name="Backoffice Gala").click()
    assert page.get_by_role("row", name=re.compile("Patron")).is_visible()
    assert page.get_by_text("Thu 31 Dec 2026, 8:00 PM").is_visible()  # the venue's clock


def test_refund_an_order_from_its_page(page: Any) -> None:
    sale = page.request.post(
        "/api/tickets/events/1/purchase",
        data={
            "tier_id": 1,
            "quantity": 2,
            "customer": {"name": "Ann Lee", "email": "ann@example.com"},
            "payment": "cash",
        },
        headers=ADMIN,
    ).json()
    page.get_by_role("link", name="Orders", exact=True).click()
    page.get_by_label(re.compile(r"^Search")).fill("ann lee")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=f"Order {sale['order_id']}", exact=True).click()
    page.wait_for_url(re.compile(rf"/admin/orders/{sale['order_id']}$"))
    audit(page, "admin-order")
    refund = page.locator("form").filter(has=page.get_by_role("button", name="Refund order"))
    refund.get_by_label("Reason").fill("Band cancelled")
    refund.get_by_label(re.compile("^Yes")).check()
    refund.get_by_role("button", name="Refund order").click()
    page.get_by_role("status").wait_for()
    assert "Done: refund order." in page.get_by_role("status").inner_text()
    order = page.request.get(f"/api/orders/{sale['order_id']}", headers=ADMIN).json()
    assert order["status"] == "refunded" and order["refunded_cents"] == 5000
    assert (
        page.locator(".stat")
        .filter(has_text=re.compile(r"^Refunded"))
        .inner_text()
        .endswith("$50.00")
    )


def test_every_back_office_page_passes_axe(page: Any) -> None:
    sale = page.request.post(
        "/api/tickets/events/1/purchase",
        data={
            "tier_id": 1,
            "quantity": 1,
            "customer": {"name": "Bo Diddley", "email": "bo@example.com"},
            "payment": "cash",
        },
        headers=ADMIN,
    ).json()
    for path, name in (
        ("/admin/events", "admin-events"),
        ("/admin/orders", "admin-orders"),
        (f"/admin/customers/{sale['customer_id']}", "admin-customer"),
        ("/admin/customers", "admin-customers"),
        ("/admin/checkin?event_id=1", "admin-checkin"),
        ("/admin/messages", "admin-messages"),
        ("/admin/webhooks", "admin-webhooks"),
        ("/admin/access", "admin-access"),
        ("/admin/site", "admin-site"),
        ("/admin/tools", "admin-tools"),
        ("/admin/tools/create_recurring_event", "admin-tool-form"),
        ("/admin/events/series/new", "admin-series-new"),
    ):
        page.goto(path)
        audit(page, name)
