"""The Starlette application: wiring only (database, runner, auth, routes, error handlers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aitickets import logs
from aitickets.settings import Settings, get_settings
from persistence import migrate
from persistence.db import Database
from tools import registry
from tools.context import Clock, system_clock
from tools.runner import ToolRunner

from . import documents, pages, rest
from .auth import KeyAuth
from .errors import HANDLERS


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

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        url = settings.resolved_database_url
        if migrate_on_start:
            await migrate.prepare(url)
        db = Database(url)
        app.state.runner = ToolRunner(db, settings, clock=clock)
        app.state.auth = KeyAuth(db, settings)
        app.state.settings = settings
        try:
            yield
        finally:
            await db.dispose()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        *rest.routes(registry),
        *documents.routes(),
        *pages.routes(),
    ]
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers=HANDLERS)  # type: ignore[arg-type]
