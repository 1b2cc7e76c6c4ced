"""SMS delivery: Twilio through its SDK when TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and
TWILIO_FROM_NUMBER are set, else the console. The SDK is imported on first use; tests pass their
own `twilio.http.AsyncHttpClient` through HTTP_CLIENT."""

from __future__ import annotations

import logging
from typing import Any

from aitickets.settings import Settings

from .email import DeliveryFailed, Sent

log = logging.getLogger("aitickets.sms")

TIMEOUT_SECONDS = 10
HTTP_CLIENT: Any = None  # a twilio AsyncHttpClient; None = the SDK's aiohttp client


def configured(settings: Settings) -> bool:
    return bool(
        settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from_number
    )


def provider_name(settings: Settings) -> str:
    return "twilio" if configured(settings) else "console"


async def send_sms(settings: Settings, *, to: str, body: str) -> Sent:
    if not configured(settings):
        log.info("sms (console) to=%s\n%s", to, body)
        return Sent("console")
    from twilio.base.exceptions import TwilioException, TwilioRestException
    from twilio.http.async_http_client import AsyncTwilioHttpClient
    from twilio.rest import Client

    http = HTTP_CLIENT or AsyncTwilioHttpClient(timeout=TIMEOUT_SECONDS)
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http)
    try:
        message = await client.messages.create_async(
            to=to, from_=settings.twilio_from_number, body=body
        )
    except TwilioRestException as exc:
        status = int(exc.status or 500)
        permanent = 400 <= status < 500 and status not in (408, 409, 429)
        raise DeliveryFailed(f"Twilio {status}: {exc.msg}", permanent=permanent) from None
    except (TwilioException, OSError, TimeoutError) as exc:
        raise DeliveryFailed(f"Twilio unreachable: {type(exc).__name__}: {exc}") from None
    finally:
        if HTTP_CLIENT is None and hasattr(http, "close"):
            await http.close()
    return Sent("twilio", message.sid)
