"""`POST /webhooks/stripe`: Stripe's events, verified with the SDK (a missing or wrong signature
is a 400 and changes nothing), applied once per event id (tools/fulfilment.py)."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from integrations.payments import verify_stripe_event
from tools.fulfilment import handle_stripe_webhook

log = logging.getLogger("aitickets.payments")
MAX_BODY = 1_000_000


async def stripe_webhook(request: Request) -> Response:
    payload = await request.body()
    if len(payload) > MAX_BODY:
        return JSONResponse(
            {"error": {"code": "too_large", "message": "The event is too large."}}, 413
        )
    event = verify_stripe_event(
        request.app.state.settings, payload, request.headers.get("stripe-signature")
    )
    outcome = await handle_stripe_webhook(request.app.state.runner, event)
    log.info("stripe event %s (%s): %s", event.get("id"), event.get("type"), outcome)
    return JSONResponse({"received": True, "outcome": outcome})


def routes() -> list[Route]:
    return [Route("/webhooks/stripe", stripe_webhook, methods=["POST"])]
