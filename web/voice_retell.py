"""`POST /voice/retell`: Retell's custom functions. The body is `{name, call, args}` (with
`args_at_root`, the arguments sit at the top level beside `name` and `call`).
`X-Retell-Signature` must sign it with RETELL_API_KEY within five minutes (missing or wrong:
401). The signed body alone decides what runs: its `name` is the tool; a `?tool=` in the URL,
which nobody signs, may only repeat it. The call id is the agent's session for `ask_tickets`.

Retell retries a request that failed or timed out, up to twice: the same call, tool and
arguments (and the same number of caller turns in the call's transcript, so that a second "yes"
later in the call is new) run once, and every repeat gets the first answer. The answer is JSON
for Retell's LLM: `{"result", "success", "data"}` or `{"error", "code", "success": false}`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aitickets.errors import InvalidInput, NotFound
from aitickets.parsing import loads_json
from integrations.voice_platforms import verify_retell
from tools.context import Actor
from tools.voice_calls import Answer, claim, finish, release, request_key

from . import voice_calls

PLATFORM = "retell"
MAX_BODY = 1_000_000  # the call object carries the live transcript


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        body = loads_json(raw)
    except ValueError:
        raise InvalidInput("The body is not valid JSON.", code="invalid_json") from None
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object.", code="invalid_json")
    return body


def _parts(body: dict[str, Any], queried: str | None) -> tuple[str, dict[str, Any], Any]:
    """(tool, call, arguments) from either body shape. Only the body is signed, so only the
    body's `name` says what runs: a `?tool=` that disagrees is refused, never obeyed."""
    call = body.get("call")
    if not isinstance(call, dict):
        raise InvalidInput("call: Retell's call object is missing.")
    tool = body.get("name")
    if not isinstance(tool, str) or not tool:
        raise InvalidInput("name: the signed body must name the function Retell called.")
    if queried is not None and queried != tool:
        raise InvalidInput(
            f"?tool={queried} disagrees with the signed body, which calls {tool!r}; the body "
            "decides (the query string is not signed).",
            code="tool_mismatch",
        )
    if "args" in body:
        arguments = body["args"]
    else:  # args_at_root: every other top-level field is an argument
        arguments = {k: v for k, v in body.items() if k not in ("call", "name")}
    if not isinstance(arguments, dict):
        raise InvalidInput("args: the arguments must be a JSON object.")
    return tool, call, arguments


def _caller_turns(call: dict[str, Any]) -> int | None:
    turns = call.get("transcript_object")
    if not isinstance(turns, list):
        return None
    return sum(1 for t in turns if isinstance(t, dict) and t.get("role") == "user")


async def _actor(request: Request) -> Actor:
    if "authorization" in request.headers:  # an API key, when the venue adds one, sets the role
        return await request.app.state.auth.actor(request)
    return Actor(name="retell", role=request.app.state.settings.voice_platform_role)


def _body(outcome: voice_calls.Outcome) -> dict[str, Any]:
    if not outcome.ok:
        return {"error": outcome.text, "code": outcome.code, "success": False}
    data = outcome.data or {}
    if "speech" in data:  # ask_tickets: the reply is the speech
        return {"result": outcome.text, "success": data["success"], "awaiting": data["awaiting"]}
    return {"result": outcome.text, "success": True, "data": data}


async def retell(request: Request) -> Response:
    state = request.app.state
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise InvalidInput("The request is too large.", code="too_large")
    now = state.clock()
    signature = request.headers.get("x-retell-signature")
    verify_retell(raw, signature, state.settings.retell_api_key, int(now.timestamp() * 1000))
    tool, call, arguments = _parts(_parse(raw), request.query_params.get("tool"))
    call_id = voice_calls.session_id(call.get("call_id"), "call.call_id")
    if not voice_calls.known_tool(state, tool):
        raise NotFound(f"There is no tool called {tool!r}.", code="unknown_tool")
    actor = await _actor(request)
    db = state.runner.db
    key = request_key(call_id, tool, arguments, _caller_turns(call))
    stored = await claim(db, platform=PLATFORM, key=key, call_id=call_id, tool=tool, now=now)
    if stored is not None:
        return JSONResponse(stored.body, stored.status_code, headers={"Idempotent-Replay": "true"})
    try:
        outcome = await voice_calls.run(state, tool, arguments, actor, call_id)
    except Exception:
        await release(db, platform=PLATFORM, key=key)
        raise
    if outcome.code == "busy":  # nothing happened: let Retell's retry run it
        await release(db, platform=PLATFORM, key=key)
        return JSONResponse(_body(outcome), 503, headers={"Retry-After": "1"})
    answer = Answer(200, _body(outcome))
    await finish(db, platform=PLATFORM, key=key, answer=answer, now=state.clock())
    return JSONResponse(answer.body, answer.status_code)


def routes() -> list[Route]:
    return [Route("/voice/retell", retell, methods=["POST"])]
