"""`/openapi.json` generated from the registry's HTTP mappings, and `/docs` that renders it.

Each HTTP mapping of a tool becomes one operation: path parameters and (for GET and DELETE)
query parameters from the input model, a JSON body for POST/PUT/PATCH, the output model as the
success response, the error envelope for every 4xx, and bearer security (optional on public
routes). The docs page is a small renderer served from web/static/docs (no CDN).
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from tools.registry import HttpRoute, Registry, ToolSpec

DOCS_PAGE = Path(__file__).parent / "static" / "docs" / "index.html"
REF = "#/components/schemas/{model}"
_BODY_METHODS = {"POST", "PUT", "PATCH"}
_PARAM = re.compile(r"{(\w+)}")

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "examples": ["not_found"]},
                "message": {"type": "string"},
                "details": {"type": "object"},
            },
        }
    },
}

_ERRORS = {
    "401": "No key, or a key that is unknown or revoked.",
    "403": "The key's role may not use this.",
    "404": "Nothing with that id.",
    "409": "The current state refuses it (sold out, already checked in, ambiguous …).",
    "422": "The input is malformed or out of range; the message says which field.",
    "429": "Too many requests; retry after the Retry-After header's seconds.",
}


def _error_responses(spec: ToolSpec) -> dict[str, Any]:
    wanted = dict(_ERRORS)
    if spec.role == "public":
        wanted.pop("403")
    return {
        status: {
            "description": text,
            "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}},
        }
        for status, text in wanted.items()
    }


def _operation_id(spec: ToolSpec, route: HttpRoute) -> str:
    index = spec.http.index(route)
    return spec.name if index == 0 else f"{spec.name}_{index + 1}"


def _operation(
    spec: ToolSpec, route: HttpRoute, defs: dict[str, Any], names: dict[type, str]
) -> dict[str, Any]:
    model_schema = defs[names[spec.input_model]]
    properties: dict[str, Any] = model_schema.get("properties", {})
    required = set(model_schema.get("required", []))
    path_names = _PARAM.findall(route.path)
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": properties.get(name, {"type": "string"}),
        }
        for name in path_names
    ]
    operation: dict[str, Any] = {
        "operationId": _operation_id(spec, route),
        "summary": spec.summary,
        "description": spec.description,
        "tags": [spec.category],
        "x-role": spec.role,
        "x-mcp-annotations": spec.annotations,
    }
    rest = {k: v for k, v in properties.items() if k not in path_names}
    if route.method in _BODY_METHODS:
        body = copy.deepcopy(model_schema)
        body["properties"] = rest
        body["required"] = sorted(required & rest.keys())
        if not body["required"]:
            body.pop("required")
        operation["requestBody"] = {
            "required": bool(required & rest.keys()),
            "content": {"application/json": {"schema": body}},
        }
    else:
        parameters += [
            {"name": name, "in": "query", "required": name in required, "schema": schema}
            for name, schema in rest.items()
        ]
    if parameters:
        operation["parameters"] = parameters
    operation["responses"] = {
        str(route.status): {
            "description": "Success.",
            "content": {
                "application/json": {"schema": {"$ref": REF.format(model=names[spec.output_model])}}
            },
        },
        **_error_responses(spec),
    }
    operation["security"] = (
        [{}, {"bearerAuth": []}] if spec.role == "public" else [{"bearerAuth": []}]
    )
    return operation


def _schemas(tools: Registry) -> tuple[dict[str, Any], dict[type, str]]:
    models: list[type[BaseModel]] = []
    for spec in tools:
        if spec.http:
            for model in (spec.input_model, spec.output_model):
                if model not in models:
                    models.append(model)
    pairs = [(m, "validation" if m in _inputs(tools) else "serialization") for m in models]
    refs, top = models_json_schema(pairs, ref_template=REF)  # type: ignore[arg-type]
    defs = top.get("$defs", {})
    names = {model: refs[(model, mode)]["$ref"].rsplit("/", 1)[1] for model, mode in pairs}
    return defs, names


def _inputs(tools: Registry) -> set[type]:
    return {spec.input_model for spec in tools}


def _extra_paths() -> dict[str, Any]:
    json_object = {"application/json": {"schema": {"type": "object"}}}
    return {
        "/healthz": {
            "get": {
                "operationId": "healthz",
                "summary": "Liveness and database reachability.",
                "tags": ["operations"],
                "responses": {
                    "200": {"description": "Healthy.", "content": json_object},
                    "503": {"description": "The database does not answer."},
                },
            }
        },
        "/events/stream": {
            "get": {
                "operationId": "events_stream",
                "summary": "Domain events as server-sent events (staff).",
                "tags": ["operations"],
                "parameters": [
                    {"name": "event_id", "in": "query", "schema": {"type": "integer"}},
                    {"name": "types", "in": "query", "schema": {"type": "string"}},
                    {"name": "Last-Event-ID", "in": "header", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "An endless stream; each event's data is JSON.",
                        "content": {"text/event-stream": {"schema": {"type": "string"}}},
                    },
                    "401": {"description": "No key."},
                    "403": {"description": "Below staff."},
                    "422": {"description": "A bad filter or Last-Event-ID."},
                },
                "security": [{"bearerAuth": []}],
            }
        },
    }


def build_openapi(tools: Registry, *, title: str, server_url: str | None = None) -> dict[str, Any]:
    defs, names = _schemas(tools)
    paths: dict[str, Any] = _extra_paths()
    for spec in tools:
        for route in spec.http:
            operation = _operation(spec, route, defs, names)
            paths.setdefault(route.path, {})[route.method.lower()] = operation
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": f"{title} API",
            "version": "1.0.0",
            "description": "Generated from the tool registry: each operation is one typed tool.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {**defs, "Error": ERROR_SCHEMA},
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API key."}
            },
        },
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document


@lru_cache(maxsize=4)
def _cached(tools: Registry, title: str) -> dict[str, Any]:
    return build_openapi(tools, title=title)


async def openapi_json(request: Request) -> Response:
    tools: Registry = request.app.state.runner.tools
    return JSONResponse(_cached(tools, request.app.state.settings.org_name))


async def docs(_request: Request) -> Response:
    return FileResponse(DOCS_PAGE, media_type="text/html")


def routes() -> list[Route]:
    return [
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Route("/docs", docs, methods=["GET"]),
    ]
