"""Real-browser tests: Playwright drives Debian's Chromium against a live server. A buyer gets a
free ticket from the listing and sees it on "my tickets"; a promoter opens the event dashboard
through the texted code. Screenshots go to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aitickets.settings import Settings
from persistence.db import Database
from tests.browser.kit import texted_code
from tests.conftest import ADMIN_KEY, FixedClock
from tests.factories import make_event, make_tier

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = "+15550100199"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    import uvicorn

    from web.app import create_app

    async def seed() -> None:
        db = Database(settings.resolved_database_url)
        try:
            event_id = await make_event(db, "Jazz Night")
            await make_tier(db, event_id, "Free entry", price_cents=0, capacity=20)
            await make_tier(db, event_id, "Front row", price_cents=4500, capacity=10)
            await make_event(db, "Comedy Hour")
        finally:
            await db.dispose()

    asyncio.run(seed())
    app = create_app(settings, clock=FixedClock(), migrate_on_start=False)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def page(live_server: str):  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        context = browser.new_context(base_url=live_server, viewport={"width": 1100, "height": 900})
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        try:
            yield tab
        finally:
            context.close()
            browser.close()


def test_buy_a_free_ticket_from_the_listing_and_see_it(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/events")
    page.get_by_label("Search events").fill("jazz")
    page.get_by_role("button", name="Search").click()
    assert page.get_by_role("link", name="Comedy Hour").count() == 0
    page.get_by_role("link", name="Jazz Night").click()
    page.screenshot(path=str(ARTIFACTS / "event.png"), full_page=True)
    page.get_by_label("Tier").select_option(label="Free entry — Free")
    page.get_by_label("How many").fill("2")
    page.get_by_label("Your name").fill("Ann Lee")
    page.get_by_label("Email").fill("ann@example.com")
    page.get_by_role("button", name="Get tickets").click()
    page.wait_for_url(re.compile(r"/my-tickets/[A-Za-z0-9_\-]+$"))
    assert page.get_by_role("heading", name="Your tickets").is_visible()
    qr_codes = page.get_by_alt_text(re.compile("QR code for ticket"))
    assert qr_codes.count() == 2
    assert qr_codes.first.evaluate("img => img.naturalWidth") > 0  # the image really decoded
    page.screenshot(path=str(ARTIFACTS / "my-tickets.png"), full_page=True)


def test_keyboard_reaches_the_purchase_form(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/events/1")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.get_by_label("Your name").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "email"


def test_promoter_opens_the_dashboard_through_a_texted_code(  # type: ignore[no-untyped-def]
    page, live_server: str, settings: Settings
) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    granted = page.request.post(
        "/api/events/1/dashboard-access", data={"phone": PHONE, "name": "Promoter"}, headers=admin
    )
    assert granted.status == 201
    page.goto("/dashboard/1")
    page.wait_for_url(re.compile(r"/dashboard/1/login$"))
    page.get_by_label("Your mobile number").fill("(555) 010-0199")
    page.get_by_role("button", name="Text me a code").click()
    code = texted_code(page, settings)
    page.get_by_label(re.compile("6-digit code")).fill(code)
    page.get_by_role("button", name="Open the dashboard").click()
    page.wait_for_url(re.compile(r"/dashboard/1$"))
    assert page.get_by_role("heading", name="Jazz Night").is_visible()
    page.wait_for_selector("[data-live][data-connected=yes]")  # the SSE counter connected
    assert page.locator("#live-checked-in").text_content() == "0"
    sale = page.request.post(
        "/api/tickets/events/1/purchase",
        data={"tier_id": 1, "quantity": 2, "customer": {"name": "Cy Ng"}, "payment": "comp"},
        headers=admin,
    ).json()
    scan = page.request.post(
        f"/api/tickets/validate/{sale['tickets'][0]['qr_token']}", headers=admin
    )
    assert scan.ok
    page.wait_for_function("document.getElementById('live-checked-in').textContent === '1'")
    assert page.locator("#live-sold").text_content() == "2"  # updated without a reload
    page.reload()
    assert page.locator("svg rect.bar").count() == 2  # a sales bar and a check-in bar
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
