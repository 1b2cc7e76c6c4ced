"""`POST /voice/vapi`: Vapi's server messages. A `tool-calls` message runs each call (a registry
tool, or `ask_tickets` in the session of `message.call.id`) and answers HTTP 200
`{"results": [{"toolCallId", "name", "result" | "error"}]}`, one line each; Vapi's other messages
(status updates, transcripts, reports …) get 200 `{}`.

Vapi has spelled a call's arguments three ways: `arguments` (an object), `parameters` (V3's
examples) and `function.arguments` (a JSON string in its OpenAPI); all are read.
Auth: an API key (`Authorization: Bearer`, the key's role) or `X-Vapi-Secret` equal to
VAPI_SECRET (VOICE_PLATFORM_ROLE), compared in constant time.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aitickets.errors import InvalidInput, Unauthorized
from aitickets.parsing import loads_json
from integrations.voice_platforms import same_secret
from tools.context import Actor

from . import voice_calls
from .rest import read_json_object

MAX_CALLS = 20  # tool calls in one message; a model asks for a handful at most
# Vapi's informational server messages (fern/server-url/events.mdx); anything else is a mistake.
INFORMATIONAL = frozenset(
    {
        "assistant-request",
        "status-update",
        "end-of-call-report",
        "hang",
        "conversation-update",
        "transcript",
        "speech-update",
        "model-output",
        "transfer-destination-request",
        "transfer-update",
        "user-interrupted",
        "language-change-detected",
        "phone-call-control",
        "knowledge-base-request",
        "voice-input",
        "voice-request",
        "call.endpointing.request",
        "function-call",
        "tool-calls-result",
    }
)
INFORMATIONAL_PREFIXES = ("transcript[", "chat.", "session.", "assistant.", "call.", "workflow.")


async def _actor(request: Request) -> Actor:
    if "authorization" in request.headers:
        return await request.app.state.auth.actor(request)  # a wrong key is 401 there
    settings = request.app.state.settings
    if same_secret(request.headers.get("x-vapi-secret"), settings.vapi_secret):
        return Actor(name="vapi", role=settings.voice_platform_role)
    raise Unauthorized(
        "Vapi must send an API key (Authorization: Bearer) or VAPI_SECRET as X-Vapi-Secret."
    )


def _informational(kind: str) -> bool:
    return kind in INFORMATIONAL or kind.startswith(INFORMATIONAL_PREFIXES)


def _session(message: dict[str, Any]) -> str | None:
    """`message.call.id` (a web chat has `message.chat.id` instead)."""
    for holder in ("call", "chat"):
        value = message.get(holder)
        if isinstance(value, dict) and value.get("id") is not None:
            return voice_calls.session_id(value["id"], f"message.{holder}.id")
    return None


def _arguments(item: dict[str, Any]) -> Any:
    function = item.get("function") if isinstance(item.get("function"), dict) else {}
    for holder, key in ((item, "arguments"), (item, "parameters"), (function, "arguments")):
        if key in holder and holder[key] is not None:
            value = holder[key]
            break
    else:
        value = function.get("parameters", {})
    if isinstance(value, str):
        try:
            value = loads_json(value) if value.strip() else {}
        except ValueError:
            return None  # said to the model as an error; the other calls still run
    return value


def _calls(message: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(toolCallId, name, arguments) for each call; a call without an id or a name is refused
    before any runs, since its answer could not be matched."""
    items = message.get("toolCallList")
    if not isinstance(items, list) or not items:
        wrapped = message.get("toolWithToolCallList")
        items = [
            {"name": w.get("name"), **w["toolCall"]}
            for w in wrapped or []
            if isinstance(w, dict) and isinstance(w.get("toolCall"), dict)
        ]
    if not isinstance(items, list) or not items:
        raise InvalidInput(
            "A tool-calls message needs message.toolCallList (or toolWithToolCallList)."
        )
    if len(items) > MAX_CALLS:
        raise InvalidInput(f"At most {MAX_CALLS} tool calls in one message.")
    calls = []
    for item in items:
        function = item.get("function") if isinstance(item, dict) else None
        name = (item.get("name") if isinstance(item, dict) else None) or (
            function.get("name") if isinstance(function, dict) else None
        )
        call_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(call_id, str) or not call_id or not isinstance(name, str) or not name:
            raise InvalidInput("Each tool call needs an id and a function name.")
        calls.append((call_id, name, _arguments(item)))
    return calls


async def vapi(request: Request) -> Response:
    actor = await _actor(request)
    body = await read_json_object(request)
    message = body.get("message")
    kind = message.get("type") if isinstance(message, dict) else None
    if not isinstance(message, dict) or not isinstance(kind, str) or not kind:
        raise InvalidInput('Send a Vapi server message: {"message": {"type": …}}.')
    if kind != "tool-calls":
        if _informational(kind):
            return JSONResponse({})
        raise InvalidInput(
            f"Vapi message type {kind!r} is not one AI Tickets knows; tools come as 'tool-calls'.",
            code="unknown_message_type",
        )
    session = _session(message)
    calls = _calls(message)
    state = request.app.state
    results = []
    for call_id, name, arguments in calls:
        if arguments is None:
            outcome = voice_calls.Outcome(False, "The arguments are not valid JSON.")
        else:
            outcome = await voice_calls.run(state, name, arguments, actor, session)
        key = "result" if outcome.ok else "error"
        results.append({"toolCallId": call_id, "name": name, key: outcome.text})
    return JSONResponse({"results": results})


def routes() -> list[Route]:
    return [Route("/voice/vapi", vapi, methods=["POST"])]
