"""MCP over streamable HTTP at `/mcp`, inside the Starlette app.

Every request needs a bearer API key (the same `KeyAuth` as REST): without one, or with a wrong
one, the answer is 401 before any MCP code runs. The authenticated actor travels in the ASGI
scope to the tools (`tools/mcp.py`), whose list follows its role.

fastmcp costs ~1.4 s to import, so the server start does not pay it: the MCP app is built on the
first `/mcp` request (the import runs in a worker thread, so the door keeps answering) and its
lifespan runs in a task the app's lifespan owns, so shutdown closes it cleanly.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from anyio.abc import TaskGroup, TaskStatus
from starlette.applications import Starlette
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from aitickets.errors import TicketsError, Unauthorized
from tools.context import Actor

MCP_PATH = "/mcp"
ACTOR_SCOPE_KEY = "aitickets.actor"


async def request_actor() -> Actor:
    """The actor `McpEndpoint` authenticated for the current request; fails closed."""
    from fastmcp.server.dependencies import get_http_request

    try:
        actor = get_http_request().scope.get(ACTOR_SCOPE_KEY)
    except RuntimeError:
        actor = None
    if not isinstance(actor, Actor):
        raise Unauthorized("Send an API key as 'Authorization: Bearer <key>'.")
    return actor


class McpHost:
    """Builds the MCP ASGI app once, on demand, and keeps its lifespan open until shutdown."""

    def __init__(self, app: Starlette, task_group: TaskGroup) -> None:
        self._starlette = app
        self._task_group = task_group
        self._lock = anyio.Lock()
        self._stop = anyio.Event()
        self._asgi: ASGIApp | None = None

    async def asgi(self) -> ASGIApp:
        if self._asgi is None:
            async with self._lock:
                if self._asgi is None:
                    await self._task_group.start(self._serve)
        assert self._asgi is not None
        return self._asgi

    def build(self, module: Any) -> Any:
        for name in ("mcp.server.streamable_http", "mcp.server.streamable_http_manager"):
            logging.getLogger(name).setLevel(logging.WARNING)  # a line per request otherwise
        server = module.build_server(self._starlette.state.runner, request_actor)
        from .voice_mcp import add_ask_tool  # already imported in _serve's thread

        add_ask_tool(server, self._starlette.state)
        return server.http_app(path=MCP_PATH, stateless_http=True, json_response=True)

    async def _serve(self, *, task_status: TaskStatus[None]) -> None:
        module = await anyio.to_thread.run_sync(importlib.import_module, "tools.mcp")
        await anyio.to_thread.run_sync(importlib.import_module, "web.voice_mcp")  # agent modules
        http_app = self.build(module)
        async with http_app.lifespan(http_app):
            self._asgi = http_app
            task_status.started()
            await self._stop.wait()

    def stop(self) -> None:
        self._stop.set()


@asynccontextmanager
async def service(app: Starlette) -> AsyncIterator[None]:
    """A SERVICES entry: owns the task the MCP app's lifespan runs in."""
    async with anyio.create_task_group() as task_group:
        host = McpHost(app, task_group)
        app.state.mcp = host
        try:
            yield
        finally:
            host.stop()


class McpEndpoint:
    """The ASGI app at `/mcp`: authenticate, then hand over to the MCP transport."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # pragma: no cover - Route only passes http
            return
        app = scope["app"]
        conn = HTTPConnection(scope)
        try:
            if "authorization" not in conn.headers:
                raise Unauthorized("MCP needs an API key: send 'Authorization: Bearer <key>'.")
            actor = await app.state.auth.actor(conn)
        except TicketsError as exc:
            headers = {"WWW-Authenticate": 'Bearer realm="aitickets"'}
            response = JSONResponse(exc.to_body(), status_code=exc.http_status, headers=headers)
            await response(scope, receive, send)
            return
        inner = await app.state.mcp.asgi()
        await inner({**scope, ACTOR_SCOPE_KEY: actor}, receive, send)


def routes() -> list[Route]:
    return [Route(MCP_PATH, McpEndpoint(), name="mcp")]
