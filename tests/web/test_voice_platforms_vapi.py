"""`POST /voice/vapi` with Vapi's own message shapes: the three spellings of a call's arguments,
`ask_tickets` keeping the call's session (a confirmation across two messages), direct tools with
a one-line result, auth by key or secret, and refusals that change nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from aitickets.settings import Settings
from tests.conftest import auth
from tests.web import voice_platform_fixtures as fx
from tests.web.voice_platform_fixtures import VAPI_SECRET, counts, new_key, query, ticket_status

SECRET = {"X-Vapi-Secret": VAPI_SECRET}
CALL = {"id": "vapi-call-1", "assistantId": "asst-1", "customer": {"number": "+15550100199"}}

# The seeded venue and the platforms' secrets, for every test here.
db_url, settings, seeded_template = fx.db_url, fx.settings, fx.seeded_template


def _message(calls: list[dict[str, Any]], call: dict[str, Any] = CALL) -> dict[str, Any]:
    """A `tool-calls` server message as Vapi sends it (toolCallList beside the call object)."""
    return {"message": {"type": "tool-calls", "call": call, "toolCallList": calls}}


def _ask(text: str, call_id: str = "tc-1") -> dict[str, Any]:
    return {"id": call_id, "name": "ask_tickets", "arguments": {"request": text}}


def _results(client: TestClient, body: dict[str, Any], **headers: str) -> list[dict[str, Any]]:
    response = client.post("/voice/vapi", json=body, headers=headers or SECRET)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    for result in results:
        text = result.get("result", result.get("error"))
        assert isinstance(text, str) and "\n" not in text and text
    return results


def test_ask_tickets_checks_in_and_keeps_the_calls_session_across_messages(
    client: TestClient, settings: Settings
) -> None:
    [checked] = _results(client, _message([_ask("check in Sarah Lee")]))
    assert checked == {
        "toolCallId": "tc-1",
        "name": "ask_tickets",
        "result": "Sarah Lee is checked in for Jazz Night.",
    }
    assert set(ticket_status(settings, "Sarah Lee")) == {"checked_in"}
    [asked] = _results(client, _message([_ask("refund Mike's ticket", "tc-2")]))
    assert "Mike" in asked["result"] and "refunded" not in ticket_status(
        settings, "Mike Brown", None
    )
    [done] = _results(client, _message([_ask("yes", "tc-3")]))
    assert done["toolCallId"] == "tc-3" and "Refunded" in done["result"]
    assert ticket_status(settings, "Mike Brown", None).count("refunded") == 1
    sessions = query(settings, "SELECT DISTINCT session_id FROM voice_turns")
    assert sessions == [("vapi-call-1",)]


def test_another_calls_yes_confirms_nothing(client: TestClient, settings: Settings) -> None:
    _results(client, _message([_ask("refund Mike's ticket")]))
    other = {**CALL, "id": "vapi-call-2"}
    [answer] = _results(client, _message([_ask("yes")], call=other))
    assert "Refunded" not in answer["result"]
    assert "refunded" not in ticket_status(settings, "Mike Brown", None)


def test_the_three_argument_spellings_run_the_same_tool(client: TestClient) -> None:
    arguments = {"q": "jazz"}
    body = {
        "message": {
            "type": "tool-calls",
            "call": CALL,
            "toolCallList": [
                {"id": "a", "name": "list_events", "arguments": arguments},  # object
                {"id": "b", "name": "list_events", "parameters": arguments},  # V3's examples
                {  # OpenAPI: function.arguments is a JSON string
                    "id": "c",
                    "type": "function",
                    "function": {"name": "list_events", "arguments": json.dumps(arguments)},
                },
            ],
        }
    }
    results = _results(client, body)
    assert [r["toolCallId"] for r in results] == ["a", "b", "c"]
    assert all("Jazz Night" in r["result"] and "Comedy" not in r["result"] for r in results)
    assert len({r["result"] for r in results}) == 1


def test_tool_with_tool_call_list_alone_is_read(client: TestClient) -> None:
    body = {
        "message": {
            "type": "tool-calls",
            "call": CALL,
            "toolWithToolCallList": [
                {
                    "type": "function",
                    "name": "list_events",
                    "toolCall": {"id": "w1", "parameters": {"q": "comedy"}},
                }
            ],
        }
    }
    [result] = _results(client, body)
    assert result["toolCallId"] == "w1" and "Comedy Hour" in result["result"]


def test_a_direct_tool_changes_the_database_and_answers_one_line_with_its_data(
    client: TestClient, settings: Settings
) -> None:
    [(event_id,)] = query(settings, "SELECT id FROM events WHERE name = 'Jazz Night'")
    call = {
        "id": "t1",
        "name": "check_in_by_name",
        "arguments": {"name": "Sarah Lee", "event_id": event_id},
    }
    [result] = _results(client, _message([call]))
    assert result["result"].startswith("Sarah Lee")
    assert f'"event_id":{event_id}' in result["result"]  # the ids the caller's LLM needs next
    assert set(ticket_status(settings, "Sarah Lee")) == {"checked_in"}


def test_tool_errors_are_results_with_error_and_change_nothing(
    client: TestClient, settings: Settings
) -> None:
    before = counts(settings)
    calls = [
        {"id": "1", "name": "no_such_tool", "arguments": {}},
        {"id": "2", "name": "get_event", "arguments": {"event_id": 999}},
        {"id": "3", "function": {"name": "list_events", "arguments": "{not json"}},
        {"id": "4", "name": "refund_ticket", "arguments": "[1]"},
        {"id": "5", "name": "ask_tickets", "arguments": {"request": ""}},
    ]
    results = _results(client, _message(calls))
    assert [set(r) for r in results] == [{"toolCallId", "name", "error"}] * 5
    assert "no tool called 'no_such_tool'" in results[0]["error"]
    assert "999" in results[1]["error"]
    assert "not valid JSON" in results[2]["error"]
    assert counts(settings) == before


def test_other_message_types_get_an_empty_200_and_unknown_ones_a_clear_error(
    client: TestClient, settings: Settings
) -> None:
    before = counts(settings)
    for kind in ("status-update", "end-of-call-report", "conversation-update", "hang"):
        body = {"message": {"type": kind, "call": CALL, "status": "in-progress"}}
        response = client.post("/voice/vapi", json=body, headers=SECRET)
        assert response.status_code == 200 and response.json() == {}
    response = client.post("/voice/vapi", json={"message": {"type": "bogus"}}, headers=SECRET)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_message_type"
    assert counts(settings) == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"message": "tool-calls"},
        {"message": {"type": 3}},
        {"message": {"type": "tool-calls", "call": CALL}},
        {"message": {"type": "tool-calls", "toolCallList": [{"name": "list_events"}]}},
        {"message": {"type": "tool-calls", "toolCallList": [{"id": "x"}]}},
        {"message": {"type": "tool-calls", "toolCallList": ["list_events"]}},
        {"message": {"type": "tool-calls", "call": {"id": 7}, "toolCallList": [_ask("hi")]}},
    ],
)
def test_malformed_messages_are_422_and_run_nothing(
    client: TestClient, settings: Settings, body: dict[str, Any]
) -> None:
    before = counts(settings)
    response = client.post("/voice/vapi", json=body, headers=SECRET)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"]
    assert counts(settings) == before


def test_a_non_json_body_is_a_clear_4xx(client: TestClient) -> None:
    response = client.post("/voice/vapi", content=b"tool-calls", headers=SECRET)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_json"


def test_auth_by_key_or_secret(client: TestClient, settings: Settings) -> None:
    body = _message([_ask("check in Sarah Lee")])
    before = counts(settings)
    for headers in ({}, {"X-Vapi-Secret": "wrong"}, {"X-Vapi-Secret": ""}, auth("atk_wrong")):
        response = client.post("/voice/vapi", json=body, headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["error"]["code"] == "unauthorized"
    assert counts(settings) == before
    staff = new_key(client, "staff")
    [result] = _results(client, body, **auth(staff))
    assert "checked in" in result["result"]


def test_an_agent_key_may_call_its_tools_but_not_ask_tickets(client: TestClient) -> None:
    agent = new_key(client, "agent")
    calls = [_ask("check in Sarah Lee"), {"id": "t2", "name": "list_events", "arguments": {}}]
    asked, listed = _results(client, _message(calls), **auth(agent))
    assert "error" in asked and "staff or admin" in asked["error"]
    assert "Jazz Night" in listed["result"]


def test_no_secret_configured_refuses_the_secret_header(
    client: TestClient, settings: Settings
) -> None:
    settings.vapi_secret = ""
    response = client.post(
        "/voice/vapi", json=_message([_ask("hi")]), headers={"X-Vapi-Secret": ""}
    )
    assert response.status_code == 401
