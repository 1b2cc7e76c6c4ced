"""One error hierarchy for every surface: REST maps it to a status, voice to a sentence, MCP to
a tool error. Only these reach users; anything else is logged behind a generic message."""

from __future__ import annotations

from typing import Any, ClassVar


class TicketsError(Exception):
    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 400

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code  # type: ignore[misc]
        self.details = details

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}


class InvalidInput(TicketsError):
    """The request is malformed or a value is out of range; fix it and retry."""

    code = "invalid_input"
    http_status = 422


class Unauthorized(TicketsError):
    code = "unauthorized"
    http_status = 401


class Forbidden(TicketsError):
    code = "forbidden"
    http_status = 403


class NotFound(TicketsError):
    code = "not_found"
    http_status = 404


class Ambiguous(TicketsError):
    """Several records match; `details["options"]` lists them so a person can choose."""

    code = "ambiguous"
    http_status = 409


class Conflict(TicketsError):
    """The request is valid but the current state refuses it (already checked in, refunded …)."""

    code = "conflict"
    http_status = 409


class SoldOut(Conflict):
    code = "sold_out"


class PaymentRequired(TicketsError):
    code = "payment_required"
    http_status = 402


class NeedsConfirmation(TicketsError):
    code = "needs_confirmation"
    http_status = 409


class Busy(TicketsError):
    """The database stayed locked past its timeout; retrying shortly will work."""

    code = "busy"
    http_status = 503


class RateLimited(TicketsError):
    code = "rate_limited"
    http_status = 429
