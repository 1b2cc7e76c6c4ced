"""`/door`: the door scanner for staff. The page (templates/door.html, static/door.js) judges
scans with the camera, by name, and offline; everything it changes goes through the registry's
check-in tools, called here with the signed-in person's role.

- `POST /door/api/{tool}`: a few door tools, for the signed-in browser (session cookie and the
  X-CSRF-Token header; no API key ever reaches the page).
- `GET /door/stream?event_id=`: the event's ticket changes as server-sent events, to keep the
  page's offline copy fresh.
- `GET /door/manifest.webmanifest` and `/door/sw.js`: installable, and the page opens offline.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from aitickets.errors import Forbidden, InvalidInput, NotFound, Unauthorized

from .csrf import check_csrf_header
from .rest import json_response, read_json_object
from .session import session_actor, signed_in
from .site_kit import HERE, render
from .sse import StreamFilter, _cursor_from, stream

# What the page may call: reading the list, admitting, undoing, syncing what was queued.
DOOR_TOOLS = frozenset(
    {
        "get_door_options",
        "get_door_list",
        "get_checkin_stats",
        "check_in_ticket",
        "check_in_party",
        "undo_check_in",
        "sync_door_scans",
    }
)
# Changes that alter who may come in: admissions and undos, sales, refunds, cancellations.
STREAM_PREFIXES = ("ticket.", "order.", "event.")


async def door_page(request: Request) -> Response:
    actor = await signed_in(request, "staff")
    if isinstance(actor, Response):
        return actor
    runner = request.app.state.runner
    listing = await runner.call("get_door_options", {}, actor)
    wanted = request.query_params.get("event_id", "")
    chosen = int(wanted) if wanted.isdecimal() and len(wanted) < 12 else listing.default_event_id
    if chosen is not None and all(e.id != chosen for e in listing.events):
        try:  # an event outside tonight's window, asked for by id: offer it too
            extra = await runner.call("get_door_list", {"event_id": chosen}, actor)
            listing.events.append(extra.event)
        except (NotFound, InvalidInput):  # no such event, or no event id at all (0)
            chosen = listing.default_event_id
    return await render(
        request,
        "door.html",
        {"events": listing.events, "chosen": chosen, "actor": actor},
        headers={"Cache-Control": "no-cache"},
    )


async def door_api(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in DOOR_TOOLS:
        raise NotFound(f"The door page cannot call {name!r}.", code="unknown_tool")
    actor = await session_actor(request)
    if actor is None:
        raise Unauthorized("Your sign-in has ended; sign in again at /login.")
    if not check_csrf_header(request):
        raise Forbidden("This page expired; reload it.", code="csrf")
    arguments = await read_json_object(request)
    result = await request.app.state.runner.call(name, arguments, actor)
    return json_response(result)


async def door_stream(request: Request) -> Response:
    from sse_starlette import EventSourceResponse

    actor = await session_actor(request)
    if actor is None:
        raise Unauthorized("Your sign-in has ended; sign in again at /login.")
    if not actor.at_least("staff"):
        raise Forbidden("Only staff may follow the door's stream.")
    filt = StreamFilter.from_query(request)
    if filt.event_id is None:
        raise InvalidInput("event_id: say which event's door this is.")
    filt = StreamFilter(event_id=filt.event_id, prefixes=STREAM_PREFIXES)
    settings = request.app.state.settings
    return EventSourceResponse(
        stream(
            request.app.state.runner,
            actor,
            filt,
            _cursor_from(request),
            poll=settings.sse_poll_seconds,
            max_seconds=min(settings.sse_max_seconds, 900),  # the session is re-checked then
        ),
        ping=settings.sse_heartbeat_seconds,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


MANIFEST = {
    "name": "Door scanner",
    "short_name": "Door",
    "description": "Scan tickets at the door, online or offline.",
    "start_url": "/door",
    "scope": "/door",
    "display": "standalone",
    "orientation": "portrait",
    "background_color": "#111827",
    "theme_color": "#111827",
    "icons": [
        {"src": "/static/door-icon.svg", "sizes": "any", "type": "image/svg+xml"},
        {"src": "/static/door-icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/static/door-icon-512.png", "sizes": "512x512", "type": "image/png"},
    ],
}


async def manifest(_request: Request) -> Response:
    return Response(
        json.dumps(MANIFEST),
        media_type="application/manifest+json",
        headers={"Cache-Control": "no-cache"},
    )


async def service_worker(_request: Request) -> Response:
    # Served from /door/ but controlling /door itself, which the header allows.
    return FileResponse(
        HERE / "static" / "door-sw.js",
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/door", "Cache-Control": "no-cache"},
    )


def routes() -> list[Route]:
    return [
        Route("/door", door_page, methods=["GET"]),
        Route("/door/api/{name}", door_api, methods=["POST"]),
        Route("/door/stream", door_stream, methods=["GET"]),
        Route("/door/manifest.webmanifest", manifest, methods=["GET"]),
        Route("/door/sw.js", service_worker, methods=["GET"]),
    ]
