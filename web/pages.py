"""Public HTML pages (Jinja2, autoescaped). They read through the same tools as everything else."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from tools.context import PUBLIC

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


def _brand(request: Request) -> dict[str, str]:
    settings = request.app.state.settings
    return {"name": settings.org_name, "color": settings.org_color, "logo": settings.org_logo_url}


async def home(_request: Request) -> Response:
    return RedirectResponse("/events", status_code=302)


async def events_page(request: Request) -> Response:
    query = request.query_params.get("q", "")[:100]
    arguments = {"q": query} if query else {}
    listing = await request.app.state.runner.call("list_events", arguments, PUBLIC)
    return templates.TemplateResponse(
        request, "events.html", {"brand": _brand(request), "events": listing.events, "q": query}
    )


def routes() -> list[Route | Mount]:
    return [
        Route("/", home, methods=["GET"]),
        Route("/events", events_page, methods=["GET"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
