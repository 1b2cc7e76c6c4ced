"""The Starlette application: wiring only (database, runner, auth, routes, error handlers)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from aitickets import logs, production
from aitickets.settings import Settings, get_settings
from integrations.jobs import worker_service
from persistence import migrate
from persistence.db import Database
from tools import registry
from tools.context import Clock, system_clock
from tools.runner import ToolRunner

from . import (
    checkout,
    documents,
    door,
    limits,
    login,
    openapi,
    pages,
    rest,
    sse,
    transcripts,
    webhooks,
)
from . import voice as voice_web
from .admin import routes as admin_routes
from .auth import KeyAuth
from .errors import HANDLERS
from .mcp import routes as mcp_routes
from .mcp import service as mcp_service
from .shop import routes as shop_routes

# Things that live as long as the app (the MCP session manager, the job worker, …): each takes
# the app and is entered, in order, once the database and the runner are ready.
Service = Callable[[Starlette], AbstractAsyncContextManager[None]]
SERVICES: list[Service] = [mcp_service, worker_service, voice_web.voice_service]


def middleware(settings: Settings) -> list[Middleware]:
    return [*limits.build_middleware(settings)]


def extra_routes() -> list[BaseRoute]:
    """Routes of the surfaces mounted beside the generated REST API."""
    return [
        *mcp_routes(),
        *sse.routes(),
        *openapi.routes(),
        *checkout.routes(),
        *webhooks.routes(),
        *voice_web.routes(),
        *transcripts.routes(),
        *login.routes(),
        *door.routes(),
        *shop_routes(),
        *admin_routes(),
    ]


async def healthz(request: Request) -> Response:
    if await request.app.state.runner.db.ping():
        return JSONResponse({"status": "ok", "database": "ok"})
    return JSONResponse({"status": "degraded", "database": "unreachable"}, status_code=503)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock = system_clock,
    migrate_on_start: bool = True,
) -> Starlette:
    settings = settings or get_settings()
    logs.configure(settings.log_level, settings.log_format)
    production.ensure_safe(settings)  # whatever starts the app (aitickets serve, uvicorn, …)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        url = settings.resolved_database_url
        if migrate_on_start:
            await migrate.prepare(url)
        db = Database(url)
        app.state.runner = ToolRunner(db, settings, clock=clock)
        app.state.auth = KeyAuth(db, settings)
        app.state.settings = settings
        app.state.clock = clock
        try:
            async with AsyncExitStack() as stack:
                for service in SERVICES:
                    await stack.enter_async_context(service(app))
                yield
        finally:
            await app.state.runner.limits.close()
            await db.dispose()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        *voice_web.ahead_of_rest(),
        *rest.routes(registry),
        *documents.routes(),
        *extra_routes(),
        *pages.routes(),
    ]
    return Starlette(
        routes=routes,
        middleware=middleware(settings),
        lifespan=lifespan,
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
    )
