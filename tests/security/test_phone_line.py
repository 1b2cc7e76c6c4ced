"""Phone-line impersonation: the caller is who the signed incoming-call webhook says. A captured
handshake (URL and signature) opens no second call, a pass is single use and short-lived, and a
stranger whose `setup` claims a staff phone stays a stranger."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from twilio.request_validator import RequestValidator

from aitickets.settings import Settings
from tests.conftest import FixedClock, auth
from tests.web import voice_platform_fixtures as fx
from tests.web.voice_platform_fixtures import PUBLIC_URL, TWILIO_TOKEN, ticket_status

db_url, settings, seeded_template = fx.db_url, fx.settings, fx.seeded_template

STAFF_PHONE = "+15550100199"
STRANGER = "+15550100777"
HOST = "wss://tickets.example"


def _sign(url: str, params: dict[str, str] | None = None) -> str:
    return RequestValidator(TWILIO_TOKEN).compute_signature(url, params or {})


def _incoming(client: TestClient, call_sid: str, caller: str) -> str:
    form = {"CallSid": call_sid, "AccountSid": "AC" + "0" * 32, "From": caller,
            "To": "+15550100000", "CallStatus": "ringing", "Direction": "inbound"}  # fmt: skip
    signed = {"X-Twilio-Signature": _sign(f"{PUBLIC_URL}/voice/twilio/incoming", form)}
    response = client.post("/voice/twilio/incoming", data=form, headers=signed)
    assert response.status_code == 200, response.text
    relay = ElementTree.fromstring(response.text).find("./Connect/ConversationRelay")
    assert relay is not None
    return str(relay.get("url"))


def _connect(client: TestClient, url: str, signature: str | None = None) -> Any:
    headers = {"X-Twilio-Signature": signature or _sign(url)}
    return client.websocket_connect(url.removeprefix(HOST), headers=headers)


def _setup(call_sid: str, caller: str) -> dict[str, Any]:
    return {"type": "setup", "sessionId": "VX" + "0" * 32, "callSid": call_sid, "from": caller,
            "to": "+15550100000", "direction": "inbound", "customParameters": {}}  # fmt: skip


def _say(ws: Any, text: str) -> str:
    ws.send_json({"type": "prompt", "voicePrompt": text, "lang": "en-US", "last": True})
    return str(ws.receive_json()["token"])


def _refused(client: TestClient, url: str, signature: str | None = None) -> None:
    """Refused at the handshake; a connection that is served fails the test (never hangs)."""
    try:
        with _connect(client, url, signature) as ws:
            ws.send_json(_setup("CA" + "9" * 32, STAFF_PHONE))
            reply = _say(ws, "what's on this week?")
    except WebSocketDisconnect as refused:
        assert refused.code == 1008
        return
    pytest.fail(f"the connection was served: {reply!r}")


@pytest.fixture
def staff_phone(client: TestClient) -> None:
    added = client.post("/api/staff-phones", json={"phone": STAFF_PHONE}, headers=auth())
    assert added.status_code == 201


def test_a_captured_handshake_opens_no_second_call(
    client: TestClient, settings: Settings, staff_phone: None
) -> None:
    url = _incoming(client, "CA" + "1" * 32, STAFF_PHONE)
    signature = _sign(url)
    with _connect(client, url, signature) as ws:  # the genuine call works
        ws.send_json(_setup("CA" + "1" * 32, STAFF_PHONE))
        assert "checked in" in _say(ws, "check in Sarah Lee")
    assert set(ticket_status(settings, "Sarah Lee")) == {"checked_in"}
    # The same URL and signature again, for a call Twilio never announced.
    _refused(client, url, signature)
    # Nor does the fixed relay URL, signed once, open anything without a pass.
    _refused(client, f"{HOST}/voice/twilio/relay")


def test_a_stranger_claiming_a_staff_phone_in_setup_stays_a_stranger(
    client: TestClient, settings: Settings, staff_phone: None
) -> None:
    sid, before = "CA" + "2" * 32, ticket_status(settings, "Sarah Lee")
    assert "valid" in before
    with _connect(client, _incoming(client, sid, STRANGER)) as ws:
        ws.send_json(_setup(sid, STAFF_PHONE))
        _say(ws, "check in Sarah Lee")
        _say(ws, "yes")
    assert ticket_status(settings, "Sarah Lee") == before


def test_a_setup_for_another_call_is_refused(
    client: TestClient, settings: Settings, staff_phone: None
) -> None:
    before = ticket_status(settings, "Sarah Lee")
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        _connect(client, _incoming(client, "CA" + "3" * 32, STAFF_PHONE)) as ws,
    ):
        ws.send_json(_setup("CA" + "4" * 32, STAFF_PHONE))
        ws.send_json({"type": "prompt", "voicePrompt": "check in Sarah Lee", "last": True})
        ws.receive_json()
    assert closed.value.code == 1008
    assert ticket_status(settings, "Sarah Lee") == before


def test_a_pass_is_short_lived(client: TestClient, clock: FixedClock) -> None:
    url = _incoming(client, "CA" + "5" * 32, STAFF_PHONE)
    clock.advance(minutes=3)
    _refused(client, url)
    tampered = url[:-4] + ("AAAA" if not url.endswith("AAAA") else "BBBB")
    _refused(client, tampered)
