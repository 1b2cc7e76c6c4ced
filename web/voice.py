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

from aitickets.errors import InvalidInput

from . import voice_calls, voice_retell, voice_twilio, voice_vapi
from .rest import read_json_object

MAX_ACTION = 2000


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


async def voice_action(request: Request) -> Response:
    actor = await request.app.state.auth.actor(request)
    voice_calls.require_agent_role(actor, "The voice agent")
    body = await read_json_object(request)
    action = body.get("action")
    if not isinstance(action, str) or not action.strip():
        raise InvalidInput("action: say what happened, as text (for example 'check in Sam').")
    if len(action) > MAX_ACTION:
        raise InvalidInput(f"action: at most {MAX_ACTION} characters.")
    given = body.get("session_id") or request.headers.get("x-session-id")
    session = voice_calls.session_id(given, "session_id") if given is not None else uuid.uuid4().hex
    reply = await voice_calls.agent_turn(
        request.app.state, action.strip(), session=session, actor=actor
    )
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
