"""`POST /voice/action`: keys and roles, the reply shape, sessions by body or header, bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.agent.conftest import seeded_template  # noqa: F401  (fixture)
from tests.conftest import auth

KEYS = {"speech", "success", "tool", "arguments", "data", "routed_by", "awaiting", "session_id"}


@pytest.fixture
def db_url(tmp_path: Path, seeded_template: Path) -> str:  # noqa: F811
    target = tmp_path / "test.db"
    shutil.copyfile(seeded_template, target)
    return f"sqlite+aiosqlite:///{target}"


def _key(client: TestClient, role: str) -> str:
    created = client.post("/api/keys", json={"name": role, "role": role}, headers=auth())
    return created.json()["key"]


def test_admin_key_gets_a_spoken_reply(client: TestClient) -> None:
    response = client.post(
        "/voice/action", json={"action": "how many are in tonight?"}, headers=auth()
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == KEYS
    assert body["tool"] == "get_checkin_stats" and body["routed_by"] == "local"
    assert body["success"] and body["session_id"]


def test_staff_key_and_header_session_carry_a_confirmation(client: TestClient) -> None:
    headers = {**auth(_key(client, "staff")), "X-Session-ID": "door-1"}
    asked = client.post("/voice/action", json={"action": "refund Mike's ticket"}, headers=headers)
    assert asked.json()["awaiting"] == "confirmation"
    assert asked.json()["session_id"] == "door-1"
    done = client.post("/voice/action", json={"action": "yes"}, headers=headers).json()
    assert done["success"] and done["tool"] == "refund_ticket"
    ticket = client.get(f"/api/tickets/{asked.json()['arguments']['ticket_id']}", headers=auth())
    assert ticket.json()["status"] == "refunded"


def test_body_session_id_wins_and_sessions_are_apart(client: TestClient) -> None:
    client.post("/voice/action", json={"action": "refund Mike's ticket", "session_id": "a"},
                headers=auth())  # fmt: skip
    other = client.post("/voice/action", json={"action": "yes", "session_id": "b"}, headers=auth())
    assert other.json()["tool"] != "refund_ticket"


def test_no_key_is_401_and_agent_key_is_403(client: TestClient) -> None:
    assert client.post("/voice/action", json={"action": "hi"}).status_code == 401
    response = client.post(
        "/voice/action", json={"action": "hi"}, headers=auth(_key(client, "agent"))
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    "body",
    [{}, {"action": ""}, {"action": 5}, {"action": "x" * 2001}, {"action": "hi", "session_id": 3}],
)
def test_bad_bodies_are_422(client: TestClient, body: dict) -> None:
    response = client.post("/voice/action", json=body, headers=auth())
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


def test_non_json_body_is_a_4xx(client: TestClient) -> None:
    response = client.post("/voice/action", content=b"check in", headers=auth())
    assert response.status_code == 400 or response.status_code == 422
