"""What every voice-platform adapter shares: one tool call, run either as the registry tool the
caller's LLM named, or as `ask_tickets` (a turn of the voice agent in the call's session, so
focus, confirmations and undo carry across the call as on `/voice/action`), and its outcome said
on one line. `POST /tools/ask_tickets` (ElevenLabs server tools) lives here too."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aitickets.errors import Forbidden, InvalidInput, TicketsError, Unauthorized
from tools import registry
from tools.context import Actor
from tools.voice_config import ASK_MIN_ROLE, ASK_TOOL, MAX_REQUEST

from .rest import read_json_object

log = logging.getLogger("aitickets.voice")

MAX_SESSION_ID = 128
MAX_DATA = 2000  # characters of result data after a direct tool's summary
MAX_ITEMS = 10


@dataclass(frozen=True)
class Outcome:
    ok: bool
    text: str  # one line: the agent's speech, a summary of the result, or what went wrong
    data: dict[str, Any] | None = None  # the tool's result, or the agent's reply
    code: str | None = None  # the error's code when not ok


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def session_id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_SESSION_ID:
        raise InvalidInput(f"{where}: give a string of 1 to {MAX_SESSION_ID} characters.")
    return value.strip()


def require_agent_role(actor: Actor, what: str = ASK_TOOL) -> None:
    """The voice agent (`/voice/action`, `ask_tickets`) answers staff and admin keys only."""
    if actor.role == "public":
        raise Unauthorized(f"{what} needs a staff or admin key (Authorization: Bearer).")
    if not actor.at_least(ASK_MIN_ROLE):
        raise Forbidden(f"{what} needs a staff or admin key.")


def request_text(arguments: Any) -> str:
    text = arguments.get("request") if isinstance(arguments, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("request: pass the caller's words as text (for example 'check in Sam').")
    if len(text) > MAX_REQUEST:
        raise InvalidInput(f"request: at most {MAX_REQUEST} characters.")
    return text.strip()


async def agent_turn(state: Any, text: str, *, session: str, actor: Actor) -> Any:
    """One turn of the voice agent (agent.service.VoiceReply), opened on first use."""
    await state.runner.ensure_in_force(actor)
    agent = await state.voice.get()
    return await agent.turn(text, session_id=session, actor=actor)


async def ask(state: Any, arguments: Any, actor: Actor, session: str) -> Any:
    """`ask_tickets`: the caller's words → the agent's reply, for staff and admin keys."""
    require_agent_role(actor)
    return await agent_turn(state, request_text(arguments), session=session, actor=actor)


def _speaker(state: Any) -> Any:
    from agent.speech import Speaker

    settings = state.settings
    return Speaker(ZoneInfo(settings.default_timezone), state.runner.clock(), {}, {})


def _trim(value: Any) -> Any:
    if isinstance(value, list):
        kept = [_trim(v) for v in value[:MAX_ITEMS]]
        return [*kept, f"… {len(value) - MAX_ITEMS} more"] if len(value) > MAX_ITEMS else kept
    if isinstance(value, dict):
        return {k: _trim(v) for k, v in value.items()}
    return value


def compact(data: dict[str, Any]) -> str:
    """The result as one line of JSON, lists cut to their first items when it is long."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    if len(text) > MAX_DATA:
        text = json.dumps(_trim(data), separators=(",", ":"), ensure_ascii=False)
    return text if len(text) <= MAX_DATA else text[: MAX_DATA - 1] + "…"


def summary(state: Any, tool: str, data: dict[str, Any], arguments: Any) -> str:
    """A sentence about the result (the agent's own wording), then its data for the caller's
    LLM, which needs the ids to go on."""
    try:
        sentence = _speaker(state).result(
            registry.get(tool), data, arguments if isinstance(arguments, dict) else {}
        )
    except Exception:  # the tool has run and committed: a summary must never turn it into a failure
        log.exception("no summary for %s", tool)
        sentence = "Done."
    return one_line(f"{sentence} Data: {compact(data)}")


async def run(state: Any, tool: str, arguments: Any, actor: Actor, session: str | None) -> Outcome:
    """A platform's tool call; every expected failure becomes an Outcome, nothing is raised."""
    try:
        if tool == ASK_TOOL:
            if session is None:
                raise InvalidInput(f"{ASK_TOOL} needs the platform's call id for its session.")
            reply = await ask(state, arguments, actor, session)
            return Outcome(True, one_line(reply.speech), reply.model_dump(mode="json"))
        if not isinstance(arguments, dict):
            raise InvalidInput("The arguments must be a JSON object.")
        result = await state.runner.call(tool, arguments, actor)
    except TicketsError as exc:  # said as it is: the caller's LLM reads it and can fix the call
        return Outcome(False, one_line(exc.message), None, exc.code)
    data = result.model_dump(mode="json")
    return Outcome(True, summary(state, tool, data, arguments), data)


def known_tool(state: Any, tool: str) -> bool:
    return tool == ASK_TOOL or tool in state.runner.tools


async def ask_tickets_route(request: Request) -> Response:
    """`POST /tools/ask_tickets` `{request}`: ElevenLabs binds `X-Session-ID` to the
    conversation id; without it each request is a new session. Answers like /voice/action."""
    actor = await request.app.state.auth.actor(request)
    require_agent_role(actor)
    arguments = await read_json_object(request)
    header = request.headers.get("x-session-id")
    session = session_id(header, "X-Session-ID") if header is not None else uuid.uuid4().hex
    reply = await ask(request.app.state, arguments, actor, session)
    return JSONResponse(reply.model_dump(mode="json"))


def routes() -> list[Route]:
    """Before the generic `POST /tools/{name}`, which would answer `unknown_tool`."""
    return [Route(f"/tools/{ASK_TOOL}", ask_tickets_route, methods=["POST"])]
