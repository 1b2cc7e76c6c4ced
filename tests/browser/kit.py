"""What the browser tests of the shop and the back office share: a live server on a free
127.0.0.1 port, Debian's Chromium, the vendored axe-core audit, and screenshots at phone and
desktop sizes kept in test-artifacts/ (git-ignored)."""

from __future__ import annotations

import re
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aitickets.settings import Settings
from tests.conftest import FixedClock

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"  # vendored 4.14.1, see vendor/README.md
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(settings: Settings, clock: FixedClock | None = None) -> Iterator[str]:
    """The app under uvicorn in a thread, as `aitickets serve` runs it (no job worker)."""
    import uvicorn

    from web.app import create_app

    port = free_port()
    # Links in messages and checkouts must lead back to this very server, as under `serve`.
    here = settings.model_copy(update={"public_base_url": f"http://127.0.0.1:{port}"})
    app = create_app(here, clock=clock or FixedClock(), migrate_on_start=False)
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


def axe_violations(page: Any) -> list[str]:
    """axe-core's WCAG 2.x A/AA violations on the page as it is now, one line each."""
    page.add_script_tag(content=AXE.read_text())
    found = page.evaluate(
        """async () => {
            const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
            const r = await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
            });
            const where = v => v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ');
            return r.violations.map(v => `${v.id}: ${v.help} at ${where(v)}`);
        }"""
    )
    return list(found)


def overflow_px(page: Any) -> int:
    """How far the page is wider than the screen (0 when nothing scrolls sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def small_nav_targets(page: Any) -> list[str]:
    """Links and buttons in the site header's navigation smaller than 44×44 px."""
    return list(
        page.evaluate(
            """[...document.querySelectorAll('header nav a, header nav button, header .brand')]
                .map(a => [a.textContent.trim(), a.getBoundingClientRect()])
                .filter(([, r]) => r.width < 44 || r.height < 44)
                .map(([t, r]) => `${t} ${Math.round(r.width)}x${Math.round(r.height)}`)"""
        )
    )


def shoot(page: Any, name: str, *, full_page: bool = True) -> None:
    """Screenshots of the current page at phone and desktop size (the whole page unless told)."""
    ARTIFACTS.mkdir(exist_ok=True)
    size = page.viewport_size
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=full_page)
    if size:
        page.set_viewport_size(size)


def audit(page: Any, name: str) -> None:
    """The checks every new page gets: no axe violations, no sideways scroll on a phone, nav
    tap targets of 44 px, and a screenshot at both sizes."""
    shoot(page, name)
    size = page.viewport_size
    try:
        page.set_viewport_size(PHONE)
        wider = overflow_px(page)
        assert wider == 0, f"{name} scrolls sideways on a phone by {wider} px"
        small = small_nav_targets(page)
        assert small == [], f"{name}: small tap targets {small}"
        found = axe_violations(page)
        assert found == [], f"{name}: axe on a phone: {found}"
        page.set_viewport_size(DESKTOP)
        found = axe_violations(page)
        assert found == [], f"{name}: axe on a desktop: {found}"
    finally:
        if size:
            page.set_viewport_size(size)


def texted_code(page: Any, settings: Settings) -> str:
    """The 6-digit code a phone was just texted, read from the outbox as the phone gets it (the
    admin listing hides sign-in codes), once the page shows the code's form: reading it sooner
    races the click that sent it."""
    page.get_by_label(re.compile("6-digit code")).wait_for()
    conn = sqlite3.connect(settings.resolved_database_url.split("///", 1)[1])
    try:
        (body,) = conn.execute(
            "SELECT body FROM messages WHERE channel = 'sms' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    found = re.match(r"(\d{6}) ", body)
    assert found is not None, body
    return found.group(1)
