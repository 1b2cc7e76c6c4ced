"""The door page in a real browser (Debian's Chromium, driven by Playwright): staff sign in at
/login with an API key; a fake camera shows a real ticket's QR code (a .y4m written here from the
ticket's own qr.png) and the page admits it; offline, two guests are admitted by name and synced
when the network returns; two doors admitting one guest offline make a conflict, not two
admissions; undo; axe-core finds no violations on /login and /door. Screenshots at 390×844 and
1280×900 go to test-artifacts/door/ (git-ignored)."""

from __future__ import annotations

import asyncio
import io
import re
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aitickets.settings import Settings
from persistence.db import Database
from tests.conftest import ADMIN_KEY
from tests.factories import make_customer, make_event, make_ticket, make_tier, make_venue
from tools.context import Actor
from tools.runner import ToolRunner

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "door"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
GUESTS = ["Camila Scanwell", "Harriet Quill", "Barnaby Fenwick"]
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
)


@dataclass
class Door:
    base: str
    settings: Settings
    event_id: int
    tier_id: int
    tickets: dict[str, int]  # holder → ticket id
    y4m: Path
    server: LiveServer

    def call(self, tool: str, **arguments: Any) -> Any:
        """Read the database through the registry, as an admin."""

        async def run() -> Any:
            db = Database(self.settings.resolved_database_url)
            try:
                runner = ToolRunner(db, self.settings)
                return await runner.call(tool, arguments, Actor("test", "admin"))
            finally:
                await db.dispose()

        # Playwright's sync API keeps an event loop running in this thread: use another.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, run()).result()

    def status(self, holder: str) -> str:
        return str(self.call("get_ticket", ticket_id=self.tickets[holder]).status)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_y4m(png: bytes, path: Path, frames: int = 30) -> None:
    """640×480 I420 frames of the QR PNG scaled to 400 px on white: what the camera shows."""
    from PIL import Image

    width, height, side = 640, 480, 400
    qr = Image.open(io.BytesIO(png)).convert("L").resize((side, side), Image.Resampling.NEAREST)
    frame = Image.new("RGB", (width, height), "white")
    frame.paste(qr.convert("RGB"), ((width - side) // 2, (height - side) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)


class LiveServer:
    """The app under uvicorn in a thread, on one port, which a test may stop and start again
    (the network really gone, not only emulated)."""

    def __init__(self, settings: Settings, port: int) -> None:
        self.settings, self.port = settings, port
        self.base = f"http://127.0.0.1:{port}"
        self.server: Any = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        import uvicorn

        from web.app import create_app

        app = create_app(self.settings, migrate_on_start=False)  # the real clock, as the browser's
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=1
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout=10)
            self.server = None


@pytest.fixture
def door(settings: Settings, tmp_path: Path) -> Iterator[Door]:
    async def seed() -> tuple[int, int, dict[str, int]]:
        db = Database(settings.resolved_database_url)
        try:
            venue = await make_venue(db, "Door Hall", tz="America/New_York")
            now = datetime.now(UTC)
            event = await make_event(
                db, "Door Night", venue_id=venue, starts_at=now - timedelta(minutes=30)
            )
            await make_event(db, "Late Show", venue_id=venue, starts_at=now + timedelta(hours=3))
            tier = await make_tier(db, event, "GA", capacity=50)
            tickets = {}
            for name in GUESTS:
                customer = await make_customer(db, name)
                tickets[name] = await make_ticket(db, event, tier, customer, holder_name=name)
            return event, tier, tickets
        finally:
            await db.dispose()

    event_id, tier_id, tickets = asyncio.run(seed())
    server = LiveServer(settings, _free_port())
    server.start()
    y4m = tmp_path / "ticket.y4m"
    import httpx2

    png = httpx2.get(
        f"{server.base}/api/tickets/{tickets[GUESTS[0]]}/qr.png",
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    )
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    write_y4m(png.content, y4m)
    try:
        yield Door(server.base, settings, event_id, tier_id, tickets, y4m, server)
    finally:
        server.stop()


@pytest.fixture
def browser(door: Door):  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    args = [
        "--no-sandbox",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={door.y4m}",
    ]
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=args)
        try:
            yield chromium
        finally:
            chromium.close()


def new_page(browser, door: Door, viewport: dict[str, int] = DESKTOP):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=door.base, viewport=viewport)
    context.grant_permissions(["camera"], origin=door.base)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def sign_in(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/door")
    page.wait_for_url(re.compile(r"/login\?next=/door$"))  # strangers are sent to sign in
    page.get_by_label("API key").fill(ADMIN_KEY)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r"/door$"))
    page.wait_for_function("document.getElementById('count-expected').textContent === '3'")


def admit_by_name(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Guest name").fill(name.split()[0])
    row = page.locator("#door-results li").filter(has_text=name)
    row.get_by_role("button", name=re.compile(r"^Check in ")).first.click()
    page.locator("#result-who").filter(has_text=name).wait_for()


def test_camera_scan_then_offline_admissions_sync(browser, door: Door) -> None:  # type: ignore[no-untyped-def]
    context, page = new_page(browser, door)
    try:
        sign_in(page)
        assert page.get_by_label("Event").input_value() == str(door.event_id)  # the one on now
        page.screenshot(path=str(ARTIFACTS / "door-1280.png"), full_page=True)
        page.get_by_role("button", name="Start camera").click()
        page.locator("#door-result.ok").wait_for()
        assert page.locator("#result-verdict").text_content() == "Admit"
        assert page.locator("#result-who").text_content() == "Camila Scanwell"
        assert "GA" in (page.locator("#result-why").text_content() or "")
        assert door.status("Camila Scanwell") == "checked_in"
        page.wait_for_function("document.getElementById('count-in').textContent === '1'")
        page.screenshot(path=str(ARTIFACTS / "door-scanned-1280.png"), full_page=True)
        page.get_by_role("button", name="Stop camera").click()

        second = context.new_page()  # another door shown the same ticket: red, with the time
        second.goto("/door")
        second.get_by_role("button", name="Start camera").click()
        second.locator("#door-result.no").wait_for()
        assert second.locator("#result-verdict").text_content() == "Stop"
        why = second.locator("#result-why").text_content() or ""
        assert re.fullmatch(r"Already in at \d{1,2}:\d\d [ap]m", why), why
        second.screenshot(path=str(ARTIFACTS / "door-refused-1280.png"), full_page=True)
        second.close()

        context.set_offline(True)
        admit_by_name(page, "Harriet Quill")
        admit_by_name(page, "Barnaby Fenwick")
        assert page.locator("#door-net").text_content() == "Offline · 2 to sync"
        assert page.locator("#count-in").text_content() == "3"
        assert door.status("Harriet Quill") == door.status("Barnaby Fenwick") == "valid"
        page.screenshot(path=str(ARTIFACTS / "door-offline-1280.png"), full_page=True)
        # The same guest again while offline: judged from the local copy, in the venue's zone.
        page.get_by_label("Guest name").fill("Harriet")
        assert "In at" in (page.locator("#door-results li").first.text_content() or "")

        context.set_offline(False)
        page.wait_for_function(
            "document.getElementById('door-net').textContent.startsWith('Online')"
            " && !document.getElementById('door-net').textContent.includes('sync')",
            timeout=15_000,
        )
        assert door.status("Harriet Quill") == door.status("Barnaby Fenwick") == "checked_in"
        log = door.call("get_checkin_stats", event_id=door.event_id)
        assert (log.checked_in, log.expected) == (3, 3)
        page.screenshot(path=str(ARTIFACTS / "door-synced-1280.png"), full_page=True)
    finally:
        context.close()


def test_two_doors_admitting_one_guest_offline_make_a_conflict(browser, door: Door) -> None:  # type: ignore[no-untyped-def]
    doors = [new_page(browser, door, PHONE), new_page(browser, door, PHONE)]
    try:
        for _, page in doors:
            sign_in(page)
        for context, page in doors:
            context.set_offline(True)
            admit_by_name(page, "Harriet Quill")
        for context, _ in doors:
            context.set_offline(False)
        attention = [page.locator("#door-attention") for _, page in doors]
        deadline = time.monotonic() + 15
        while not any(a.is_visible() for a in attention):
            assert time.monotonic() < deadline, "no door reported the conflict"
            time.sleep(0.2)
        flagged = next(
            page for (_, page), a in zip(doors, attention, strict=True) if a.is_visible()
        )
        assert "admitted twice" in (flagged.locator("#door-conflicts").text_content() or "")
        flagged.screenshot(path=str(ARTIFACTS / "door-conflict-390.png"), full_page=True)
        assert door.status("Harriet Quill") == "checked_in"
        stats = door.call("get_checkin_stats", event_id=door.event_id)
        assert stats.checked_in == 1  # one admission, never two
    finally:
        for context, _ in doors:
            context.close()


def test_party_check_in_and_undo_online(browser, door: Door) -> None:  # type: ignore[no-untyped-def]
    context, page = new_page(browser, door, PHONE)
    try:
        sign_in(page)
        # The browser dropped its CSRF cookie (a restart): the page gets a fresh token itself.
        context.clear_cookies(name="aitickets_csrf")
        page.get_by_label("Guest name").fill("barnabee")  # a misspelling still finds him
        row = page.locator("#door-results li").filter(has_text="Barnaby Fenwick")
        row.get_by_role("button", name=re.compile(r"^Check in ")).click()
        page.locator("#door-result.ok").wait_for()
        assert door.status("Barnaby Fenwick") == "checked_in"
        page.get_by_role("button", name="Undo last entry").click()
        page.locator("#result-verdict").filter(has_text="Undone").wait_for()
        assert door.status("Barnaby Fenwick") == "valid"
        page.screenshot(path=str(ARTIFACTS / "door-undo-390.png"), full_page=True)

        # A sale made after the page opened reaches it over the stream; the party comes in at once.
        sale = page.request.post(
            f"/api/tickets/events/{door.event_id}/purchase",
            data={
                "tier_id": door.tier_id,
                "quantity": 3,
                "customer": {"name": "Pia Partridge"},
                "payment": "comp",
            },
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        )
        assert sale.ok, sale.text()
        page.wait_for_function("document.getElementById('count-expected').textContent === '6'")
        page.get_by_label("Guest name").fill("partridge")
        page.get_by_role("button", name="Check in party of 3").first.click()
        page.locator("#result-who").filter(has_text="Pia Partridge + party").wait_for()
        assert page.locator("#count-in").text_content() == "3"
        stats = door.call("get_checkin_stats", event_id=door.event_id)
        assert (stats.checked_in, stats.expected) == (3, 6)
        page.screenshot(path=str(ARTIFACTS / "door-party-390.png"), full_page=True)
    finally:
        context.close()


def _axe(page) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document)).violations")
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in result]


@pytest.mark.parametrize(("label", "viewport"), [("390", PHONE), ("1280", DESKTOP)])
def test_axe_finds_no_violations_on_login_and_door(  # type: ignore[no-untyped-def]
    browser, door: Door, label: str, viewport: dict[str, int]
) -> None:
    context, page = new_page(browser, door, viewport)
    try:
        page.goto("/login")
        page.screenshot(path=str(ARTIFACTS / f"login-{label}.png"), full_page=True)
        assert _axe(page) == []
        page.get_by_label("API key").fill(ADMIN_KEY)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(re.compile(r"/door$"))
        page.wait_for_function("document.getElementById('count-expected').textContent === '3'")
        page.get_by_label("Guest name").fill("Harriet")
        page.screenshot(path=str(ARTIFACTS / f"door-{label}.png"), full_page=True)
        assert _axe(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    finally:
        context.close()


def test_the_page_opens_and_admits_with_the_server_gone(browser, door: Door) -> None:  # type: ignore[no-untyped-def]
    """Installable: the service worker keeps the page, IndexedDB the guest list, so a reload
    with no server at all still opens the door, and what it admits syncs when the server is back."""
    context, page = new_page(browser, door, PHONE)
    try:
        sign_in(page)
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        page.reload()  # now through the service worker, which keeps a copy
        page.wait_for_function("document.getElementById('count-expected').textContent === '3'")
        door.server.stop()
        page.reload()
        page.wait_for_function("document.getElementById('count-expected').textContent === '3'")
        admit_by_name(page, "Harriet Quill")
        assert "to sync" in (page.locator("#door-net").text_content() or "")
        page.screenshot(path=str(ARTIFACTS / "door-server-gone-390.png"), full_page=True)
        door.server.start()
        page.wait_for_function(
            "!document.getElementById('door-net').textContent.includes('sync')", timeout=15_000
        )
        assert door.status("Harriet Quill") == "checked_in"
    finally:
        context.close()
