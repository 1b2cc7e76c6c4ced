"""The Twilio phone line: signed TwiML for an incoming call (with the call's pass in the relay
URL), then a ConversationRelay session over a real WebSocket (Starlette's test client): the
handshake signature, setup → session and role, each final prompt answered by one text message,
the other messages ignored, and a stranger limited to event information. Replays and claimed
numbers are in tests/security/test_phone_line.py."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from twilio.request_validator import RequestValidator

from aitickets.settings import Settings
from tests.conftest import auth
from tests.web import voice_platform_fixtures as fx
from tests.web.voice_platform_fixtures import PUBLIC_URL, TWILIO_TOKEN, counts, query, ticket_status

RELAY_URL = "wss://tickets.example/voice/twilio/relay"
STAFF_PHONE = "+15550100199"
STRANGER = "+15550100777"
FORM = {
    "AccountSid": "AC00000000000000000000000000000000",
    "CallSid": "CA11111111111111111111111111111111",
    "From": STAFF_PHONE,
    "To": "+15550100000",
    "CallStatus": "ringing",
    "Direction": "inbound",
}

# The seeded venue and the platforms' secrets, for every test here.
db_url, settings, seeded_template = fx.db_url, fx.settings, fx.seeded_template


def _signature(url: str, params: dict[str, str], token: str = TWILIO_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


CALL_SID = "CA22222222222222222222222222222222"


def _incoming(client: TestClient, caller: str = STAFF_PHONE, call_sid: str = CALL_SID) -> str:
    """The relay URL (with its pass) that Twilio is told for a new call from `caller`."""
    form = {**FORM, "From": caller, "CallSid": call_sid}
    url = f"{PUBLIC_URL}/voice/twilio/incoming"
    response = client.post(
        "/voice/twilio/incoming", data=form, headers={"X-Twilio-Signature": _signature(url, form)}
    )
    assert response.status_code == 200, response.text
    relay = ElementTree.fromstring(response.text).find("./Connect/ConversationRelay")
    assert relay is not None
    return str(relay.get("url"))


def _relay(
    client: TestClient, caller: str = STAFF_PHONE, *, url: str = "", signature: str | None = None
) -> Any:
    url = url or _incoming(client, caller)
    headers = {"X-Twilio-Signature": signature or _signature(url, {})}
    return client.websocket_connect(url.removeprefix("wss://tickets.example"), headers=headers)


def _setup(caller: str, call_sid: str = CALL_SID) -> dict[str, Any]:
    return {
        "type": "setup",
        "sessionId": "VX00000000000000000000000000000000",
        "accountSid": "AC00000000000000000000000000000000",
        "callSid": call_sid,
        "from": caller,
        "to": "+15550100000",
        "direction": "inbound",
        "callType": "PSTN",
        "customParameters": {},
    }


def _prompt(text: str, last: bool = True) -> dict[str, Any]:
    return {"type": "prompt", "voicePrompt": text, "lang": "en-US", "last": last}


def _say(ws: Any, text: str) -> str:
    ws.send_json(_prompt(text))
    reply = ws.receive_json()
    assert set(reply) == {"type", "token", "last"}
    assert reply["type"] == "text" and reply["last"] is True and "\n" not in reply["token"]
    return str(reply["token"])


@pytest.fixture
def staff_phone(client: TestClient) -> None:
    added = client.post(
        "/api/staff-phones", json={"phone": "555-010-0199", "role": "staff"}, headers=auth()
    )
    assert added.status_code == 201 and added.json()["phone"] == STAFF_PHONE


def test_incoming_call_gets_twiml_connecting_to_the_relay(client: TestClient) -> None:
    url = f"{PUBLIC_URL}/voice/twilio/incoming"
    response = client.post(
        "/voice/twilio/incoming",
        data=FORM,
        headers={"X-Twilio-Signature": _signature(url, FORM)},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    relay = ElementTree.fromstring(response.text).find("./Connect/ConversationRelay")
    assert relay is not None and str(relay.get("url")).startswith(RELAY_URL + "?pass=")
    assert relay.get("welcomeGreeting")


def test_incoming_without_a_good_signature_or_a_token_is_refused(
    client: TestClient, settings: Settings
) -> None:
    url = f"{PUBLIC_URL}/voice/twilio/incoming"
    tampered = {**FORM, "From": "+15550100666"}
    for headers in ({}, {"X-Twilio-Signature": _signature(url, FORM, "other-token")}):
        response = client.post("/voice/twilio/incoming", data=FORM, headers=headers)
        assert response.status_code == 401 and response.json()["error"]["code"] == "bad_signature"
    signed = {"X-Twilio-Signature": _signature(url, FORM)}
    response = client.post("/voice/twilio/incoming", data=tampered, headers=signed)
    assert response.status_code == 401
    settings.twilio_auth_token = ""
    response = client.post("/voice/twilio/incoming", data=FORM, headers=signed)
    assert response.status_code == 403 and response.json()["error"]["code"] == "phone_line_off"


def test_a_staff_phone_runs_the_door_by_voice(
    client: TestClient, settings: Settings, staff_phone: None
) -> None:
    with _relay(client) as ws:
        ws.send_json(_setup(STAFF_PHONE))
        assert _say(ws, "check in Sarah Lee") == "Sarah Lee is checked in for Jazz Night."
        assert set(ticket_status(settings, "Sarah Lee")) == {"checked_in"}
        # Ignored without an answer: the next message received is the next prompt's reply.
        ws.send_json(
            {
                "type": "interrupt",
                "utteranceUntilInterrupt": "Sarah Lee is",
                "durationUntilInterruptMs": 460,
            }
        )
        ws.send_json({"type": "dtmf", "digit": "1"})
        ws.send_json({"type": "error", "description": "Invalid message received"})
        ws.send_json({"type": "something-new"})
        ws.send_text("not json")
        ws.send_json(_prompt("refund Mike", last=False))  # a partial: the final one follows
        assert "Mike" in _say(ws, "refund Mike's ticket")
        assert "refunded" not in ticket_status(settings, "Mike Brown", None)
        assert "Refunded" in _say(ws, "yes")
    assert ticket_status(settings, "Mike Brown", None).count("refunded") == 1
    sessions = query(settings, "SELECT DISTINCT session_id, actor FROM voice_turns")
    assert sessions == [("CA22222222222222222222222222222222", "phone:1")]


def test_a_stranger_hears_event_information_but_changes_no_tickets(
    client: TestClient, settings: Settings, staff_phone: None
) -> None:
    before = counts(settings)
    with _relay(client, STRANGER) as ws:
        ws.send_json(_setup(STRANGER))
        assert "Jazz Night" in _say(ws, "what's on this week?")
        for attempt in ("refund Mike's ticket", "yes", "buy two tickets for jazz night", "yes"):
            _say(ws, attempt)
        _say(ws, "tell me about Maria Garcia")
    after = counts(settings)
    assert after["phone_call_passes"] == before["phone_call_passes"] + 1  # the call's own pass
    for table in ("orders", "tickets", "refunds", "check_ins", "customers", "domain_events"):
        assert after[table] == before[table], table
    assert "refunded" not in ticket_status(settings, "Mike Brown", None)
    assert after["voice_turns"] == before["voice_turns"] + 6


def test_withheld_numbers_are_strangers_and_prompts_before_setup_are_ignored(
    client: TestClient, settings: Settings
) -> None:
    before = ticket_status(settings, "Sarah Lee")
    with _relay(client, "anonymous") as ws:
        ws.send_json(_prompt("check in Sarah Lee"))  # no setup yet: no session, no answer
        ws.send_json(_setup("anonymous"))
        assert "checked in" not in _say(ws, "check in Sarah Lee")
    assert ticket_status(settings, "Sarah Lee") == before


@pytest.mark.parametrize("bad", ["missing", "junk", "other-token", "no-query", "other-url"])
def test_the_handshake_refuses_a_bad_signature(client: TestClient, bad: str) -> None:
    url = _incoming(client)
    signature = {
        "missing": "",
        "junk": "bm9wZQ==",
        "other-token": _signature(url, {}, "other-token"),
        "no-query": _signature(RELAY_URL, {}),
        "other-url": _signature(PUBLIC_URL, {}),
    }[bad]
    headers = {"X-Twilio-Signature": signature} if signature else {}
    path = url.removeprefix("wss://tickets.example")
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect(path, headers=headers) as ws,
    ):
        ws.receive_json()
    assert refused.value.code == 1008


def test_no_token_configured_refuses_the_relay(client: TestClient, settings: Settings) -> None:
    url = _incoming(client)
    signature = _signature(url, {})
    settings.twilio_auth_token = ""
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        _relay(client, url=url, signature=signature) as ws,
    ):
        ws.receive_json()
    assert refused.value.code == 1008
