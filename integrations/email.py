"""Email delivery: Resend through its SDK when RESEND_API_KEY is set, else the console (the
message stays readable in the outbox, `list_messages`). The SDK is imported on first use."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aitickets.settings import Settings

log = logging.getLogger("aitickets.email")

TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Sent:
    provider: str
    ref: str | None = None


class DeliveryFailed(Exception):
    """A provider refused or could not be reached. `permanent` failures are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def provider_name(settings: Settings) -> str:
    return "resend" if settings.resend_api_key else "console"


async def send_email(
    settings: Settings, *, to: str, subject: str, body: str, idempotency_key: str
) -> Sent:
    if not settings.resend_api_key:
        log.info("email (console) to=%s subject=%s\n%s", to, subject, body)
        return Sent("console")
    return await _send_resend(settings, to=to, subject=subject, body=body, key=idempotency_key)


async def _send_resend(settings: Settings, *, to: str, subject: str, body: str, key: str) -> Sent:
    import resend
    from resend.exceptions import ResendError
    from resend.http_client_httpx import HTTPXClient

    resend.api_key = settings.resend_api_key
    if not isinstance(resend.default_async_http_client, HTTPXClient):
        resend.default_async_http_client = HTTPXClient(timeout=TIMEOUT_SECONDS)
    params = {"from": settings.email_from, "to": [to], "subject": subject, "text": body}
    try:
        response = await resend.Emails.send_async(
            params,  # type: ignore[arg-type]
            {"idempotency_key": key},
        )
    except ResendError as exc:
        code = int(exc.code) if str(exc.code).isdigit() else 500
        permanent = 400 <= code < 500 and code not in (408, 409, 429)
        raise DeliveryFailed(f"Resend {code}: {exc.message}", permanent=permanent) from None
    return Sent("resend", str(response.get("id") or "") or None)
