"""`POST /voice/retell` with Retell's signed bodies: the signature as Retell's SDK verifies it
(HMAC-SHA256 of body + timestamp, five minutes), `ask_tickets` in the call's session, direct
tools, `args_at_root`, retries answered once from the stored result, and refusals that change
nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from aitickets.settings import Settings
from integrations.voice_platforms import retell_signature
from tests.conftest import NOW, FixedClock, auth
from tests.web import voice_platform_fixtures as fx
from tests.web.voice_platform_fixtures import RETELL_KEY, counts, new_key, query, ticket_status

# The seeded venue and the platforms' secrets, for every test here.
db_url, settings, seeded_template = fx.db_url, fx.settings, fx.seeded_template


def _call(user_turns: int = 1, call_id: str = "call_retell_1") -> dict[str, Any]:
    """Retell's call object: ids, numbers and the live transcript so far."""
    transcript = []
    for n in range(user_turns):
        transcript += [
            {"role": "agent", "content": "How can I help?" if n == 0 else "Anything else?"},
            {"role": "user", "content": f"utterance {n + 1}"},
        ]
    return {
        "call_type": "phone_call",
        "call_id": call_id,
        "agent_id": "agent_123",
        "call_status": "ongoing",
        "direction": "inbound",
        "from_number": "+15550100199",
        "to_number": "+15550100000",
        "metadata": {},
        "transcript": " ".join(t["content"] for t in transcript),
        "transcript_object": transcript,
    }


def _post(
    client: TestClient,
    body: dict[str, Any] | bytes,
    *,
    signed: bytes | None = None,
    at: int | None = None,
    key: str = RETELL_KEY,
    path: str = "/voice/retell",
    **headers: str,
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":")).encode()
    stamp = at if at is not None else int(NOW.timestamp() * 1000)
    signature = retell_signature((signed or raw).decode(), key, stamp)
    return client.post(
        path,
        content=raw,
        headers={"Content-Type": "application/json", "X-Retell-Signature": signature, **headers},
    )


def _ids(settings: Settings) -> tuple[int, int]:
    [(event, tier)] = query(
        settings,
        "SELECT e.id, t.id FROM events e JOIN ticket_tiers t ON t.event_id = e.id "
        "WHERE e.name = 'Jazz Night' AND t.name = 'General Admission'",
    )
    return event, tier


def _sold(settings: Settings, tier: int) -> int:
    return int(query(settings, "SELECT sold FROM ticket_tiers WHERE id = ?", tier)[0][0])


def test_ask_tickets_runs_a_turn_in_the_calls_session(
    client: TestClient, settings: Settings
) -> None:
    body = {"name": "ask_tickets", "call": _call(), "args": {"request": "check in Sarah Lee"}}
    response = _post(client, body)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "result": "Sarah Lee is checked in for Jazz Night.",
        "success": True,
        "awaiting": None,
    }
    assert set(ticket_status(settings, "Sarah Lee")) == {"checked_in"}
    asked = _post(client, {**body, "call": _call(2), "args": {"request": "refund Mike's ticket"}})
    assert asked.json()["awaiting"] == "confirmation"
    done = _post(client, {**body, "call": _call(3), "args": {"request": "yes"}})
    assert "Refunded" in done.json()["result"]
    assert ticket_status(settings, "Mike Brown", None).count("refunded") == 1
    assert query(settings, "SELECT DISTINCT session_id FROM voice_turns") == [("call_retell_1",)]


def test_a_retry_runs_once_and_gets_the_same_answer(client: TestClient, settings: Settings) -> None:
    event, tier = _ids(settings)
    args = {
        "event_id": event,
        "tier_id": tier,
        "quantity": 2,
        "customer": {"name": "Walk In", "email": "walk.in@example.com"},
        "payment": "cash",
    }
    body = {"name": "purchase_tickets", "call": _call(), "args": args}
    sold = _sold(settings, tier)
    first = _post(client, body)
    assert first.status_code == 200 and first.json()["success"] is True
    assert first.json()["data"]["status"] == "paid" and "\n" not in first.json()["result"]
    assert _sold(settings, tier) == sold + 2
    for _ in range(2):  # Retell's two retries, re-signed a moment later
        again = _post(client, body, at=int(NOW.timestamp() * 1000) + 1500)
        assert again.status_code == 200 and again.json() == first.json()
        assert again.headers["Idempotent-Replay"] == "true"
    assert _sold(settings, tier) == sold + 2
    reordered = {**body, "args": dict(reversed(list(args.items())))}  # key order is not news
    assert _post(client, reordered).json() == first.json()
    later = _post(client, {**body, "call": _call(2)})  # the caller asked again, later on
    assert later.json()["data"]["order_id"] != first.json()["data"]["order_id"]
    assert _sold(settings, tier) == sold + 4


def test_an_ask_tickets_retry_is_not_a_second_turn(client: TestClient, settings: Settings) -> None:
    body = {"name": "ask_tickets", "call": _call(), "args": {"request": "check in Sarah Lee"}}
    first = _post(client, body).json()
    assert _post(client, body).json() == first
    assert query(settings, "SELECT count(*) FROM voice_turns") == [(1,)]


def test_a_domain_error_is_said_to_the_llm_and_stored(
    client: TestClient, settings: Settings
) -> None:
    body = {"name": "get_event", "call": _call(), "args": {"event_id": 999}}
    response = _post(client, body)
    assert response.status_code == 200
    assert response.json() == {
        "error": "No event with id 999.",
        "code": "not_found",
        "success": False,
    }
    assert _post(client, body).headers.get("Idempotent-Replay") == "true"


def test_args_at_root_with_the_name(client: TestClient) -> None:
    root = {"name": "list_events", "call": _call(), "q": "comedy"}
    response = _post(client, root)
    assert response.status_code == 200 and "Comedy Hour" in response.json()["result"]
    # A ?tool= that repeats the signed name is fine; without a name in the body, nothing runs.
    same = {"name": "list_events", "call": _call(2), "q": "jazz"}
    response = _post(client, same, path="/voice/retell?tool=list_events")
    assert "Jazz Night" in response.json()["result"]
    assert "Comedy" not in response.json()["result"]
    unnamed = _post(client, {"call": _call(3), "q": "jazz"}, path="/voice/retell?tool=list_events")
    assert unnamed.status_code == 422


def test_a_compact_reserialisation_of_the_body_verifies(client: TestClient) -> None:
    body = {"name": "list_events", "call": _call(), "args": {"q": "jazz"}}
    pretty = json.dumps(body, indent=2).encode()
    compact = json.dumps(body, separators=(",", ":")).encode()
    assert _post(client, pretty, signed=compact).status_code == 200


def test_signatures_missing_wrong_or_stale_are_401_and_change_nothing(
    client: TestClient, settings: Settings, clock: FixedClock
) -> None:
    body = {"name": "ask_tickets", "call": _call(), "args": {"request": "check in Sarah Lee"}}
    raw = json.dumps(body).encode()
    before = counts(settings)
    stale = int((NOW - timedelta(minutes=6)).timestamp() * 1000)
    refused = [
        client.post("/voice/retell", content=raw),
        client.post("/voice/retell", content=raw, headers={"X-Retell-Signature": "nonsense"}),
        _post(client, body, key="key_someone_else"),
        _post(client, body, at=stale),
        _post(client, raw, signed=raw.replace(b"Sarah", b"Sally")),
    ]
    for response in refused:
        assert response.status_code == 401, response.text
        assert response.json()["error"]["code"] == "bad_signature"
    assert counts(settings) == before
    clock.advance(minutes=4)  # inside the window
    assert _post(client, body, at=int(NOW.timestamp() * 1000)).status_code == 200


def test_no_retell_key_configured_refuses_everything(
    client: TestClient, settings: Settings
) -> None:
    settings.retell_api_key = ""
    body = {"name": "list_events", "call": _call(), "args": {}}
    response = _post(client, body, key="")
    assert response.status_code == 401 and "RETELL_API_KEY" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"name": "no_such_tool", "call": _call(), "args": {}}, 404, "unknown_tool"),
        ({"name": "list_events", "args": {}}, 422, "invalid_input"),
        ({"name": "list_events", "call": _call(), "args": [1]}, 422, "invalid_input"),
        ({"call": _call(), "args": {}}, 422, "invalid_input"),
        ({"name": "list_events", "call": {"call_id": 5}, "args": {}}, 422, "invalid_input"),
        (b"not json", 422, "invalid_json"),
        (b"[1, 2]", 422, "invalid_json"),
    ],
)
def test_malformed_bodies_and_unknown_tools_change_nothing(
    client: TestClient, settings: Settings, body: Any, status: int, code: str
) -> None:
    before = counts(settings)
    response = _post(client, body)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert counts(settings) == before


def test_an_api_key_sets_the_role(client: TestClient) -> None:
    agent = new_key(client, "agent")
    body = {"name": "ask_tickets", "call": _call(), "args": {"request": "check in Sarah Lee"}}
    response = _post(client, body, **auth(agent))
    assert response.json()["success"] is False and "staff or admin" in response.json()["error"]
    assert _post(client, body, **auth("atk_wrong")).status_code == 401
