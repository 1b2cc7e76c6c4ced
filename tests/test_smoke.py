from starlette.testclient import TestClient

from tests.conftest import auth


def test_healthz_reports_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_unknown_route_is_json_404(client: TestClient) -> None:
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_wrong_key_is_401_and_missing_key_cannot_create_keys(client: TestClient) -> None:
    assert client.get("/api/keys", headers=auth("wrong")).status_code == 401
    assert client.post("/api/keys", json={"name": "x"}).status_code == 403


def test_admin_creates_and_uses_a_staff_key(client: TestClient) -> None:
    created = client.post("/api/keys", json={"name": "door", "role": "staff"}, headers=auth())
    assert created.status_code == 201
    key = created.json()["key"]
    assert client.get("/api/keys", headers=auth(key)).status_code == 403
    listing = client.get("/api/keys", headers=auth()).json()["keys"]
    assert [k["name"] for k in listing] == ["door"]
    assert "key" not in listing[0]
