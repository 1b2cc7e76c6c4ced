"""Recorded voice sessions for admins: `GET /api/voice/sessions` lists them and
`GET /api/voice/sessions/{session_id}/transcript` exports one as an eval transcript, YAML by
default (ready to drop into evals/transcripts) or `?format=json`. Both go through the read-only
admin tools `list_voice_sessions` and `export_voice_transcript`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aitickets.errors import Forbidden, InvalidInput, Unauthorized
from memory.transcripts import transcript_yaml
from tools.context import Actor

from .rest import json_response

FORMATS = ("yaml", "json")


async def _admin(request: Request) -> Actor:
    actor = await request.app.state.auth.actor(request)
    if actor.role == "public":
        raise Unauthorized("Voice transcripts need an admin key (Authorization: Bearer).")
    if not actor.at_least("admin"):
        raise Forbidden("Only admin keys may read voice transcripts.")
    return actor


async def list_sessions(request: Request) -> Response:
    actor = await _admin(request)
    params = request.query_params
    arguments = {name: params[name] for name in ("limit", "offset") if name in params}
    result = await request.app.state.runner.call("list_voice_sessions", arguments, actor)
    return json_response(result)


async def export_transcript(request: Request) -> Response:
    actor = await _admin(request)
    params = request.query_params
    form = params.get("format", "yaml")
    if form not in FORMATS:
        raise InvalidInput("format: give yaml (the default) or json.")
    arguments = {"session_id": request.path_params["session_id"]}
    if "category" in params:
        arguments["category"] = params["category"]
    result = await request.app.state.runner.call("export_voice_transcript", arguments, actor)
    if form == "json":
        return json_response(result)
    filename = f"{result.transcript['name']}.yaml"  # lower-case letters, digits, - and _ only
    return Response(
        transcript_yaml(result.transcript),
        media_type="application/yaml",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def routes() -> list[Route]:
    return [
        Route("/api/voice/sessions", list_sessions, methods=["GET"]),
        Route(
            "/api/voice/sessions/{session_id:path}/transcript", export_transcript, methods=["GET"]
        ),
    ]
