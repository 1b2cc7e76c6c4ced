"""API keys and roles over HTTP: public routes need none, a wrong key is 401, a weak role 403."""

from __future__ import annotations

import subprocess
import sys

from starlette.testclient import TestClient

from aitickets.settings import Settings
from tests.conftest import auth


def _key(client: TestClient, role: str) -> str:
    response = client.post("/api/keys", json={"name": f"{role} key", "role": role}, headers=auth())
    assert response.status_code == 201
    return str(response.json()["key"])


def test_public_routes_answer_without_a_key(client: TestClient) -> None:
    assert client.get("/api/events").status_code == 200
    assert client.get("/api/categories").status_code == 200
    assert client.get("/api/about").status_code == 200


def test_a_wrong_key_is_refused_even_on_public_routes(client: TestClient) -> None:
    response = client.get("/api/events", headers=auth("not-a-key"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_malformed_authorization_headers_are_401(client: TestClient) -> None:
    for header in ("Basic abc", "Bearer", "Bearer    ", "token"):
        response = client.get("/api/events", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_roles_are_ranked(client: TestClient) -> None:
    staff, agent = _key(client, "staff"), _key(client, "agent")
    venue = {"name": "Hall", "timezone": "UTC"}
    assert client.post("/api/venues", json=venue, headers=auth(staff)).status_code == 403
    assert client.post("/api/venues", json=venue, headers=auth(agent)).status_code == 403
    assert client.post("/api/venues", json=venue, headers=auth()).status_code == 201
    assert client.get("/api/event-goers", headers=auth(agent)).status_code == 403
    assert client.get("/api/event-goers", headers=auth(staff)).status_code == 200


def test_revoked_keys_stop_working_at_once(client: TestClient) -> None:
    created = client.post("/api/keys", json={"name": "temp", "role": "staff"}, headers=auth())
    key, key_id = created.json()["key"], created.json()["id"]
    assert client.get("/api/event-goers", headers=auth(key)).status_code == 200
    assert client.delete(f"/api/keys/{key_id}", headers=auth()).status_code == 200
    client.app.state.auth.forget_all()  # type: ignore[attr-defined]
    assert client.get("/api/event-goers", headers=auth(key)).status_code == 401


def test_keys_are_stored_hashed(client: TestClient) -> None:
    key = _key(client, "staff")
    listing = client.get("/api/keys", headers=auth()).json()["keys"]
    assert all(key not in str(entry.values()) for entry in listing)
    assert listing[0]["prefix"] == key[:10]


def test_upgrade_header_bypasses_nothing(client: TestClient) -> None:
    headers = {"Upgrade": "websocket", "Connection": "Upgrade"}
    response = client.post("/api/venues", json={"name": "Sneaky"}, headers=headers)
    assert response.status_code == 403


def test_cli_creates_a_key_that_works(settings: Settings, client: TestClient) -> None:
    env = {
        "DATABASE_URL": settings.resolved_database_url,
        "AITICKETS_DATA_DIR": str(settings.data_dir),
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "aitickets.cli",
            "keys",
            "create",
            "--role",
            "staff",
            "--name",
            "door",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    key = result.stdout.strip()
    assert key.startswith("atk_") and "shown once" in result.stderr
    assert client.get("/api/event-goers", headers=auth(key)).status_code == 200
    listed = subprocess.run(
        [sys.executable, "-m", "aitickets.cli", "keys", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "door" in listed and key not in listed
