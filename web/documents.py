"""Binary documents for a ticket (the QR PNG), served from the same tools as everything else."""

from __future__ import annotations

import base64

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def ticket_qr_png(request: Request) -> Response:
    actor = await request.app.state.auth.actor(request)
    arguments = {"ticket_id": request.path_params["ticket_id"]}
    if "scale" in request.query_params:
        arguments["scale"] = request.query_params["scale"]
    result = await request.app.state.runner.call("get_ticket_qr", arguments, actor)
    return Response(
        base64.b64decode(result.png_base64),
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=300"},
    )


def routes() -> list[Route]:
    return [Route("/api/tickets/{ticket_id}/qr.png", ticket_qr_png, methods=["GET"])]
