"""The registry is the whole domain API: every entry is complete, and every surface derived
from it (REST, GET /tools, POST /tools/{name}) shows exactly what the registry says."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from starlette.testclient import TestClient

from tests.conftest import ADMIN_KEY, auth
from tools import registry
from tools.common import In, Out
from tools.registry import ROLE_RANK

SPECS = list(registry)


def test_at_least_sixty_tools() -> None:
    assert len(SPECS) >= 60


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_every_tool_is_fully_described(spec) -> None:  # type: ignore[no-untyped-def]
    assert spec.description and len(spec.summary) > 10, "the docstring is the description"
    assert spec.examples, "examples feed the voice router"
    assert issubclass(spec.input_model, In) and issubclass(spec.output_model, Out)
    assert spec.role in ROLE_RANK
    assert "ctx" not in spec.input_model.model_json_schema().get("properties", {})
    if spec.destructive:
        assert spec.confirm and not spec.read_only
    if spec.read_only:
        assert spec.idempotent and not spec.destructive
    if spec.undo:
        assert spec.undo in registry, f"{spec.name} declares an unknown undo tool"


def test_http_routes_are_unique() -> None:
    routes = Counter((r.method, r.path) for spec in SPECS for r in spec.http)
    assert [route for route, n in routes.items() if n > 1] == []


def test_tool_listing_follows_the_role(client: TestClient) -> None:
    public = {t["name"] for t in client.get("/tools").json()}
    admin = {t["name"] for t in client.get("/tools", headers=auth()).json()}
    assert public == {s.name for s in SPECS if s.role == "public"}
    assert admin == {s.name for s in SPECS}
    assert "create_api_key" not in public and "list_events" in public


def test_tool_listing_carries_schemas_and_annotations(client: TestClient) -> None:
    listing = {t["name"]: t for t in client.get("/tools", headers=auth()).json()}
    refund = listing["refund_ticket"]
    assert refund["annotations"]["destructiveHint"] is True
    assert refund["requiresConfirmation"] is True
    assert "ticket_id" in refund["inputSchema"]["properties"]
    assert "refunded_cents" in refund["outputSchema"]["properties"]
    assert listing["list_events"]["annotations"]["readOnlyHint"] is True


def test_post_tool_runs_it_with_the_callers_role(client: TestClient) -> None:
    created = client.post(
        "/tools/create_venue", json={"name": "Annex", "timezone": "UTC"}, headers=auth()
    )
    assert created.status_code == 200 and created.json()["name"] == "Annex"
    assert client.post("/tools/create_venue", json={"name": "X"}).status_code == 403
    listed = client.post("/tools/list_venues", json={})
    assert [v["name"] for v in listed.json()["venues"]] == ["Annex"]


def test_post_unknown_tool_is_404(client: TestClient) -> None:
    response = client.post("/tools/launch_rockets", json={}, headers=auth())
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_tool"


def test_post_tool_rejects_unknown_arguments(client: TestClient) -> None:
    response = client.post("/tools/list_venues", json={"limt": 5})
    assert response.status_code == 422
    assert "limt" in response.json()["error"]["message"]


def test_post_tool_rejects_non_object_bodies(client: TestClient) -> None:
    for body in (b"[1, 2]", b'"text"', b"{not json"):
        response = client.post("/tools/list_venues", content=body, headers=auth(ADMIN_KEY))
        assert response.status_code in (400, 422)
        assert response.json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize(
    ("method", "path"),
    sorted({(r.method, r.path) for s in SPECS for r in s.http if s.role != "public"}),
)
def test_no_protected_route_answers_without_a_key(
    client: TestClient, method: str, path: str
) -> None:
    url = re.sub(r"\{[^}]+\}", "1", path)
    response = client.request(method, url, json={})
    assert response.status_code == 403, (method, path, response.text)
