"""REST routes generated from the registry's HTTP mappings, plus `GET /tools` and
`POST /tools/{name}`. No tool logic lives here."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aitickets.errors import InvalidInput
from aitickets.parsing import loads_json
from tools.registry import HttpRoute, Registry, ToolSpec

_BODY_METHODS = {"POST", "PUT", "PATCH"}


def json_response(result: BaseModel, status: int = 200) -> Response:
    return Response(result.model_dump_json(), status_code=status, media_type="application/json")


async def read_json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    body = loads_json(raw)
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object.", code="invalid_json")
    return body


def _field_names(spec: ToolSpec) -> frozenset[str]:
    """The names (and aliases) of a tool's input fields: the query parameters it reads."""
    names: set[str] = set()
    for name, field in spec.input_model.model_fields.items():
        names.add(name)
        if field.alias:
            names.add(field.alias)
    return frozenset(names)


def _endpoint(spec: ToolSpec, route: HttpRoute):  # type: ignore[no-untyped-def]
    known = _field_names(spec)  # once per route, not per request: the door scans come here

    def query_arguments(request: Request) -> dict[str, Any]:
        return {k: v for k, v in request.query_params.items() if k in known}

    async def endpoint(request: Request) -> Response:
        actor = await request.app.state.auth.actor(request)
        if route.method in _BODY_METHODS:
            arguments = await read_json_object(request)
            arguments.update(query_arguments(request))
        else:
            arguments = query_arguments(request)
        arguments.update(request.path_params)
        result = await request.app.state.runner.call(spec.name, arguments, actor)
        return json_response(result, route.status)

    endpoint.__name__ = spec.name
    return endpoint


@cache  # schemas are built once per tool, not on every GET /tools
def tool_description(spec: ToolSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "description": spec.description,
        "category": spec.category,
        "inputSchema": spec.input_model.model_json_schema(),
        "outputSchema": spec.output_model.model_json_schema(),
        "annotations": spec.annotations,
        "requiresConfirmation": spec.confirm,
        "examples": list(spec.examples),
    }


async def list_tools(request: Request) -> Response:
    actor = await request.app.state.auth.actor(request)
    registry: Registry = request.app.state.runner.tools
    return JSONResponse([tool_description(spec) for spec in registry.for_role(actor.role)])


async def call_tool(request: Request) -> Response:
    actor = await request.app.state.auth.actor(request)
    arguments = await read_json_object(request)
    result = await request.app.state.runner.call(request.path_params["name"], arguments, actor)
    return json_response(result)


def routes(registry: Registry) -> list[Route]:
    generated = [
        Route(route.path, _endpoint(spec, route), methods=[route.method], name=spec.name)
        for spec in registry
        for route in spec.http
    ]
    # Literal segments before parameters, so /api/promo-codes/validate is not read as an id.
    generated.sort(key=lambda r: [seg.startswith("{") for seg in r.path.split("/")])
    return [
        Route("/tools", list_tools, methods=["GET"]),
        Route("/tools/{name}", call_tool, methods=["POST"]),
        *generated,
    ]
