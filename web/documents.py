"""Binary ticket documents, served from the same tools as everything else: for staff (a key)
`/api/tickets/{id}/qr.png`, `ticket.pdf` and `ticket.pkpass`; for buyers, through their order's
private link, `/my-tickets/{access_token}/tickets/{id}.pdf`, `.pkpass` and `/qr.png`."""

from __future__ import annotations

import base64
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tools.context import PUBLIC


def _file(result: Any, *, inline: bool) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(
        base64.b64decode(result.content_base64),
        media_type=result.media_type,
        headers={
            "Cache-Control": "private, max-age=300",
            "Content-Disposition": f'{disposition}; filename="{result.filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


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


def _staff(tool: str, *, inline: bool):  # type: ignore[no-untyped-def]
    async def endpoint(request: Request) -> Response:
        actor = await request.app.state.auth.actor(request)
        arguments = {"ticket_id": request.path_params["ticket_id"]}
        return _file(await request.app.state.runner.call(tool, arguments, actor), inline=inline)

    return endpoint


def _buyer(kind: str):  # type: ignore[no-untyped-def]
    async def endpoint(request: Request) -> Response:
        arguments = {
            "access_token": request.path_params["access_token"],
            "ticket_id": request.path_params["ticket_id"],
            "kind": kind,
        }
        result = await request.app.state.runner.call("get_my_ticket_document", arguments, PUBLIC)
        response = _file(result, inline=kind != "pkpass")
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    return endpoint


def routes() -> list[Route]:
    mine = "/my-tickets/{access_token}/tickets/{ticket_id}"
    return [
        Route("/api/tickets/{ticket_id}/qr.png", ticket_qr_png, methods=["GET"]),
        Route(
            "/api/tickets/{ticket_id}/ticket.pdf",
            _staff("download_ticket_pdf", inline=True),
            methods=["GET"],
        ),
        Route(
            "/api/tickets/{ticket_id}/ticket.pkpass",
            _staff("download_wallet_pass", inline=False),
            methods=["GET"],
        ),
        Route(mine + ".pdf", _buyer("pdf"), methods=["GET"]),
        Route(mine + ".pkpass", _buyer("pkpass"), methods=["GET"]),
        Route(mine + "/qr.png", _buyer("qr"), methods=["GET"]),
    ]
