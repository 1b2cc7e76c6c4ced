"""A revoked key is refused on the very next request, whoever revoked it: this process over
REST, or another process sharing the database (the CLI), although the key's role is cached."""

from __future__ import annotations

from starlette.testclient import TestClient

from aitickets.settings import Settings
from tests.conftest import auth
from tools.runner import call_offline


def _new_key(client: TestClient, role: str = "admin") -> tuple[str, int]:
    created = client.post("/api/keys", json={"name": f"temp {role}", "role": role}, headers=auth())
    assert created.status_code == 201
    return created.json()["key"], created.json()["id"]


def test_revoked_over_rest_the_key_is_refused_at_once(client: TestClient) -> None:
    key, key_id = _new_key(client)
    assert client.get("/api/keys", headers=auth(key)).status_code == 200  # cached now
    assert client.delete(f"/api/keys/{key_id}", headers=auth()).status_code == 200
    refused = client.get("/api/keys", headers=auth(key))
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "key_revoked"
    # It cannot mint a successor either.
    made = client.post("/api/keys", json={"name": "successor", "role": "admin"}, headers=auth(key))
    assert made.status_code == 401


def test_revoked_by_another_process_the_key_is_refused_at_once(
    client: TestClient, settings: Settings
) -> None:
    key, key_id = _new_key(client, "staff")
    assert client.get("/api/event-goers", headers=auth(key)).status_code == 200
    # What `aitickets keys revoke` does: the registry tool, run offline on the same database.
    client.portal.call(call_offline, settings, "revoke_api_key", {"key_id": key_id})
    assert client.get("/api/event-goers", headers=auth(key)).status_code == 401
    assert client.post("/voice/action", json={"action": "hi"}, headers=auth(key)).status_code == 401


def test_other_keys_keep_working(client: TestClient) -> None:
    kept, _ = _new_key(client, "staff")
    gone, gone_id = _new_key(client, "staff")
    for key in (kept, gone):
        assert client.get("/api/event-goers", headers=auth(key)).status_code == 200
    assert client.delete(f"/api/keys/{gone_id}", headers=auth()).status_code == 200
    assert client.get("/api/event-goers", headers=auth(kept)).status_code == 200
