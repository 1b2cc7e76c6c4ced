"""Control characters: names that reach e-mail subjects, texts and logs refuse CR, LF and the
other control characters with a 4xx (and change nothing), and log lines escape whatever a
request carries so that it cannot forge a line of its own."""

from __future__ import annotations

import logging
import sys
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from aitickets.logs import TextFormatter
from tests.conftest import NOW, auth
from tests.factories import make_event, make_tier
from tests.web.voice_platform_fixtures import counts
from tools.common import without_controls

HOSTILE = [
    "Eve\r\nBcc: all@example.net",
    "Eve\nSubject: you won",
    "Eve\x00",
    "Eve\x1b[31mred",
    "Eve\u2028Second line",
    "Eve\u202egnp.exe",
]


@pytest.fixture
def show(db, client: TestClient) -> tuple[int, int]:
    async def build() -> tuple[int, int]:
        event = await make_event(db, starts_at=NOW + timedelta(days=5))
        return event, await make_tier(db, event, "Free", price_cents=0)

    return client.portal.call(build)


@pytest.mark.parametrize("name", HOSTILE)
def test_names_with_control_characters_are_refused_and_change_nothing(
    client: TestClient, settings, show: tuple[int, int], name: str
) -> None:
    event, tier = show
    before = counts(settings)
    attempts = [
        client.post(
            f"/api/tickets/events/{event}/purchase",
            json={"tier_id": tier, "quantity": 1, "customer": {"name": name, "email": "e@x.io"}},
        ),
        client.post(
            f"/api/events/{event}/waitlist", json={"name": name, "email": "e@x.io", "quantity": 1}
        ),
        client.post("/api/event-goers", json={"name": name}, headers=auth()),
        client.put(f"/api/events/{event}", json={"name": name}, headers=auth()),
        client.post("/api/keys", json={"name": name, "role": "staff"}, headers=auth()),
    ]
    for response in attempts:
        assert response.status_code == 422, response.text
        # NUL is refused by the JSON reader itself (invalid_json), the rest by the name type
        assert response.json()["error"]["code"] in ("invalid_input", "invalid_json")
    assert counts(settings) == before


def test_ordinary_names_still_pass(client: TestClient, show: tuple[int, int]) -> None:
    for name in ("Zoë O'Brien-Ñúñez", "李小龍", "Anne  Marie", "محمد"):
        made = client.post("/api/event-goers", json={"name": name}, headers=auth())
        assert made.status_code == 201, made.text


def test_a_payment_providers_name_is_made_plain() -> None:
    assert without_controls("Eve\r\nBcc: x") == "Eve  Bcc: x"


def _line(message: str, *args: object, exc: bool = False) -> str:
    info = None
    if exc:
        try:
            raise ValueError("bad\r\n2026-12-02 INFO forged line")
        except ValueError:
            info = sys.exc_info()
    record = logging.LogRecord("aitickets.web", logging.INFO, __file__, 1, message, args, info)
    return TextFormatter("%(levelname)s %(name)s %(message)s").format(record)


def test_log_lines_escape_what_a_request_carries() -> None:
    line = _line("phone call %s as %s", "CA1\r\nWARNING aitickets forged", "\x1b[2Jstaff")
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert (
        line == "INFO aitickets.web phone call CA1\\r\\nWARNING aitickets forged as \\x1b[2Jstaff"
    )
    # A traceback keeps its lines, indented: none of them can pass for a record.
    first, *rest = _line("failed", exc=True).split("\n")
    assert first == "INFO aitickets.web failed"
    assert rest and all(part.startswith("    ") for part in rest)
    assert "\r" not in "".join(rest)
