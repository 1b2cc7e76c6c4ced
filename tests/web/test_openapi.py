"""/openapi.json from the registry, and /docs from vendored assets."""

from __future__ import annotations

import re

from jsonschema import Draft202012Validator
from openapi_pydantic import parse_obj
from starlette.testclient import TestClient

from tests.conftest import auth
from tools import registry


def _doc(client: TestClient) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_document_is_valid_openapi_3_1(client: TestClient) -> None:
    doc = _doc(client)
    assert doc["openapi"] == "3.1.0"
    parse_obj(doc)  # raises on a structurally invalid document
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_every_http_mapping_is_one_operation(client: TestClient) -> None:
    doc = _doc(client)
    ids = []
    for spec in registry:
        for route in spec.http:
            operation = doc["paths"][route.path][route.method.lower()]
            assert operation["description"] == spec.description
            assert str(route.status) in operation["responses"]
            assert operation["x-role"] == spec.role
            ids.append(operation["operationId"])
    assert len(ids) == len(set(ids))


def test_errors_and_security_are_declared(client: TestClient) -> None:
    doc = _doc(client)
    create_venue = doc["paths"]["/api/venues"]["post"]
    assert create_venue["security"] == [{"bearerAuth": []}]
    assert {"401", "403", "422", "429"} <= create_venue["responses"].keys()
    error_ref = create_venue["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
    assert error_ref == "#/components/schemas/Error"
    list_events = doc["paths"]["/api/events"]["get"]
    assert {} in list_events["security"]  # public: the key is optional
    assert "403" not in list_events["responses"]


def test_parameters_come_from_the_input_model(client: TestClient) -> None:
    doc = _doc(client)
    get_event = doc["paths"]["/api/events/{event_id}"]["get"]
    expected = {"name": "event_id", "in": "path", "required": True}
    assert expected.items() <= get_event["parameters"][0].items()
    listing = {p["name"] for p in doc["paths"]["/api/events"]["get"]["parameters"]}
    assert {"q", "category", "from", "limit", "offset"} <= listing
    purchase = doc["paths"]["/api/tickets/events/{event_id}/purchase"]["post"]
    body = purchase["requestBody"]["content"]["application/json"]["schema"]
    assert "event_id" not in body["properties"] and "tier_id" in body["properties"]
    for path, item in doc["paths"].items():
        for operation in item.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), path


def test_every_schema_is_valid_json_schema(client: TestClient) -> None:
    for name, schema in _doc(client)["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema), name


def test_real_answers_match_the_declared_schemas(client: TestClient) -> None:
    doc = _doc(client)

    def check(path: str, method: str, status: str, body: object) -> None:
        schema = doc["paths"][path][method]["responses"][status]["content"]["application/json"][
            "schema"
        ]
        rooted = {**schema, "components": doc["components"]}  # so "#/components/…" resolves
        Draft202012Validator(rooted).validate(body)

    venue = client.post("/api/venues", json={"name": "Hall", "timezone": "UTC"}, headers=auth())
    check("/api/venues", "post", "201", venue.json())
    check("/api/events", "get", "200", client.get("/api/events").json())
    missing = client.get("/api/events/999")
    check("/api/events/{event_id}", "get", "404", missing.json())


def test_docs_render_from_vendored_assets(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/static/docs/docs.js" in page.text
    assert not re.search(r"(src|href)=\"https?://", page.text)  # nothing from a CDN
    script = client.get("/static/docs/docs.js")
    assert script.status_code == 200 and "/openapi.json" in script.text
    assert "innerHTML" not in script.text  # descriptions are inserted as text, never as HTML
    assert client.get("/static/docs/docs.css").status_code == 200
