"""`POST /voice/action`: what a voice platform heard → the agent's spoken reply.

The agent (LangGraph and its checkpointer) is opened on the first voice request, not at start,
so the server stays fast to boot; the app's lifespan closes it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from aitickets.errors import Forbidden, InvalidInput, Unauthorized

from . import voice_calls, voice_retell, voice_twilio, voice_vapi
from .rest import read_json_object

MAX_ACTION = 2000
MAX_SESSION_ID = 128


class LazyAgent:
    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.agent: Any | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> Any:
        if self.agent is None:
            async with self._lock:
                if self.agent is None:
                    from agent.service import open_agent

                    state = self.app.state
                    self.agent = await open_agent(state.runner, state.settings)
        return self.agent

    async def aclose(self) -> None:
        if self.agent is not None:
            await self.agent.aclose()
            self.agent = None


@asynccontextmanager
async def voice_service(app: Starlette) -> AsyncIterator[None]:
    app.state.voice = LazyAgent(app)
    try:
        yield
    finally:
        await app.state.voice.aclose()


def _session_id(body: dict[str, Any], request: Request) -> str:
    value = body.get("session_id") or request.headers.get("x-session-id")
    if value is None:
        return uuid.uuid4().hex
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_SESSION_ID:
        raise InvalidInput(f"session_id: give a string of 1 to {MAX_SESSION_ID} characters.")
    return value.strip()


async def voice_action(request: Request) -> Response:
    actor = await request.app.state.auth.actor(request)
    if actor.role == "public":
        raise Unauthorized("The voice agent needs a staff or admin key (Authorization: Bearer).")
    if not actor.at_least("staff"):
        raise Forbidden("The voice agent needs a staff or admin key.")
    body = await read_json_object(request)
    action = body.get("action")
    if not isinstance(action, str) or not action.strip():
        raise InvalidInput("action: say what happened, as text (for example 'check in Sam').")
    if len(action) > MAX_ACTION:
        raise InvalidInput(f"action: at most {MAX_ACTION} characters.")
    session_id = _session_id(body, request)
    agent = await request.app.state.voice.get()
    reply = await agent.turn(action.strip(), session_id=session_id, actor=actor)
    return JSONResponse(reply.model_dump(mode="json"))


def routes() -> list[BaseRoute]:
    """`/voice/action` and the voice platforms' adapters (each a thin translation to the same
    agent and registry)."""
    return [
        Route("/voice/action", voice_action, methods=["POST"]),
        *voice_vapi.routes(),
        *voice_retell.routes(),
        *voice_twilio.routes(),
    ]


def ahead_of_rest() -> list[BaseRoute]:
    """`POST /tools/ask_tickets` (ElevenLabs), matched before the generic `/tools/{name}`."""
    return voice_calls.routes()
