"""Payment gateways: Stripe through its SDK, and the embedded demo gateway (a local TEST MODE
checkout page) used when STRIPE_SECRET_KEY is unset. Both drive the same order state machine in
tools/payments.py: pending (seats held) → paid (tickets issued) or expired/cancelled (released).

The stripe package is imported only when a Stripe call is made (it costs ~1 s to import).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from aitickets.errors import InvalidInput, TicketsError
from aitickets.parsing import loads_json
from aitickets.settings import Settings

# Stripe refuses a Checkout Session that expires sooner than this after it is created.
STRIPE_MIN_EXPIRY = timedelta(minutes=30)


class PaymentUnavailable(TicketsError):
    """The payment provider failed or timed out; nothing was charged, sold or recorded."""

    code = "payment_unavailable"
    http_status = 502


@dataclass(frozen=True)
class CheckoutRequest:
    order_id: int
    item_name: str
    unit_amount_cents: int
    quantity: int
    currency: str
    expires_at: datetime
    success_url: str
    cancel_url: str
    discount_cents: int = 0
    discount_label: str = ""
    customer_email: str | None = None


@dataclass(frozen=True)
class CheckoutSession:
    session_id: str
    url: str


@dataclass(frozen=True)
class PaymentLinkRequest:
    item_name: str
    unit_amount_cents: int
    quantity: int
    currency: str
    redirect_url: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentLinkResult:
    link_id: str
    url: str


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    status: str  # succeeded | pending


class PaymentGateway(Protocol):
    name: str
    test_mode: bool

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession: ...

    async def expire_checkout(self, session_id: str) -> None: ...

    async def create_payment_link(self, request: PaymentLinkRequest) -> PaymentLinkResult: ...

    async def refund(
        self, *, payment_ref: str, amount_cents: int, idempotency_key: str
    ) -> RefundResult: ...


class DemoGateway:
    """No money moves: the checkout is a local page (web/checkout.py) marked TEST MODE whose
    Pay and Cancel buttons complete or cancel the order like Stripe's webhooks would."""

    name = "demo"
    test_mode = True

    def __init__(self, settings: Settings) -> None:
        self.base = settings.public_base_url.rstrip("/")

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        session_id = f"demo_cs_{secrets.token_urlsafe(24)}"
        return CheckoutSession(session_id, f"{self.base}/checkout/demo/{session_id}")

    async def expire_checkout(self, session_id: str) -> None:
        return None

    async def create_payment_link(self, request: PaymentLinkRequest) -> PaymentLinkResult:
        link_id = f"demo_plink_{secrets.token_urlsafe(12)}"
        return PaymentLinkResult(link_id, f"{self.base}/checkout/link/{link_id}")

    async def refund(
        self, *, payment_ref: str, amount_cents: int, idempotency_key: str
    ) -> RefundResult:
        # Idempotent like Stripe: the same key is the same refund, however often it is sent.
        digest = hashlib.sha256(f"{payment_ref}:{idempotency_key}".encode()).hexdigest()
        return RefundResult(f"demo_re_{digest[:24]}", "succeeded")


class StripeGateway:
    """Stripe Checkout Sessions, Payment Links and refunds through the official SDK, over its
    HTTPX client (legacy httpx, which respx mocks in tests)."""

    name = "stripe"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.test_mode = settings.stripe_secret_key.startswith(("sk_test_", "rk_test_"))

    @asynccontextmanager
    async def _client(self, doing: str) -> AsyncIterator[Any]:
        import stripe

        http = _httpx_client_class()(timeout=self.settings.stripe_timeout_seconds)
        client = stripe.StripeClient(
            self.settings.stripe_secret_key,
            http_client=http,
            max_network_retries=self.settings.stripe_max_retries,
        )
        try:
            yield client
        except stripe.StripeError as exc:
            reason = "did not answer in time" if _is_timeout(exc) else "refused or failed"
            raise PaymentUnavailable(
                f"Stripe {reason} while {doing}, so nothing was changed here. "
                "Please try again in a minute.",
                provider_status=getattr(exc, "http_status", None),
            ) from None
        finally:
            await http.close_async()

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": request.unit_amount_cents,
                        "product_data": {"name": request.item_name},
                    },
                    "quantity": request.quantity,
                }
            ],
            "client_reference_id": str(request.order_id),
            "metadata": {"order_id": str(request.order_id)},
            "payment_intent_data": {"metadata": {"order_id": str(request.order_id)}},
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "expires_at": int(request.expires_at.timestamp()),
        }
        if request.customer_email:
            params["customer_email"] = request.customer_email
        async with self._client("starting the checkout") as client:
            if request.discount_cents:
                coupon = await client.v1.coupons.create_async(
                    {
                        "amount_off": request.discount_cents,
                        "currency": request.currency.lower(),
                        "duration": "once",
                        "max_redemptions": 1,
                        "name": request.discount_label[:40] or "Discount",
                    }
                )
                params["discounts"] = [{"coupon": coupon.id}]
            session = await client.v1.checkout.sessions.create_async(params)
        return CheckoutSession(session.id, session.url)

    async def expire_checkout(self, session_id: str) -> None:
        async with self._client("closing the checkout") as client:
            await client.v1.checkout.sessions.expire_async(session_id)

    async def create_payment_link(self, request: PaymentLinkRequest) -> PaymentLinkResult:
        async with self._client("creating the payment link") as client:
            price = await client.v1.prices.create_async(
                {
                    "currency": request.currency.lower(),
                    "unit_amount": request.unit_amount_cents,
                    "product_data": {"name": request.item_name},
                }
            )
            link = await client.v1.payment_links.create_async(
                {
                    "line_items": [{"price": price.id, "quantity": request.quantity}],
                    "metadata": request.metadata,
                    "after_completion": {
                        "type": "redirect",
                        "redirect": {"url": request.redirect_url},
                    },
                }
            )
        return PaymentLinkResult(link.id, link.url)

    async def refund(
        self, *, payment_ref: str, amount_cents: int, idempotency_key: str
    ) -> RefundResult:
        async with self._client("refunding the payment") as client:
            refund = await client.v1.refunds.create_async(
                {"payment_intent": payment_ref, "amount": amount_cents},
                {"idempotency_key": idempotency_key},
            )
        return RefundResult(refund.id, "succeeded" if refund.status == "succeeded" else "pending")


@cache
def _httpx_client_class() -> type[Any]:
    """stripe's HTTPXClient, sending the form body as `content=` (httpx 0.28 deprecates raw
    bytes in `data=`, which would put a DeprecationWarning on every call)."""
    import stripe

    class Client(stripe.HTTPXClient):  # type: ignore[misc]
        def _get_request_args_kwargs(self, *args: Any, **kwargs: Any) -> Any:
            call_args, call_kwargs = super()._get_request_args_kwargs(*args, **kwargs)
            body = call_kwargs.pop("data", None)
            if body:
                call_kwargs["content"] = body
            return [call_args, call_kwargs]

    return Client


def _is_timeout(exc: Exception) -> bool:
    cause = exc.__cause__ or exc.__context__
    return cause is not None and "Timeout" in type(cause).__name__


def _ref(value: Any) -> str | None:
    """An expandable Stripe field: an id string, an object with an id, or nothing."""
    if value is None or isinstance(value, str):
        return value
    return str(value.get("id")) if hasattr(value, "get") else None


def configured_provider(settings: Settings) -> str:
    """The gateway new payments go through: Stripe when a secret key is set, else the demo."""
    return "stripe" if settings.stripe_secret_key else "demo"


def gateway_for(settings: Settings, provider: str | None = None) -> PaymentGateway:
    """The configured gateway, or the one a recorded payment was made through."""
    provider = provider or configured_provider(settings)
    if provider == "demo":
        return DemoGateway(settings)
    if not settings.stripe_secret_key:
        raise PaymentUnavailable("This payment was made through Stripe, which is not configured.")
    return StripeGateway(settings)


class BadSignature(InvalidInput):
    code = "bad_signature"
    http_status = 400


class _StripeCustomer(BaseModel):
    email: str | None = None
    name: str | None = None


class _CheckoutSession(BaseModel):
    """What fulfilment reads of a checkout.session.* object, typed: a signed event whose
    fields have other shapes is refused here rather than failing in the middle of a sale."""

    model_config = ConfigDict(extra="allow")

    id: str | None = None
    payment_status: str | None = None
    payment_intent: str | dict[str, Any] | None = None
    payment_link: str | dict[str, Any] | None = None
    customer_email: str | None = None
    customer_details: _StripeCustomer | None = None
    amount_total: int | None = Field(default=None, ge=0)
    amount_subtotal: int | None = Field(default=None, ge=0)


class _StripeEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, max_length=255)
    type: str = Field(min_length=1, max_length=255)
    data: dict[str, Any]


def verify_stripe_event(
    settings: Settings, payload: bytes, signature: str | None
) -> dict[str, Any]:
    """The event of a Stripe webhook request, after the SDK has checked its signature (and
    that it is under five minutes old). Missing, wrong or stale signatures raise BadSignature;
    a signed body that is not a Stripe event of the expected shape is a 400 too."""
    if not settings.stripe_webhook_secret:
        raise BadSignature("Stripe webhooks are not configured here (STRIPE_WEBHOOK_SECRET).")
    if not signature:
        raise BadSignature("The Stripe-Signature header is missing.")
    if not signature.isascii():  # the SDK compares str with compare_digest, which raises
        raise BadSignature("The Stripe signature does not match this payload.")
    import stripe

    try:  # the signature alone: the body is parsed below, by the one bounded JSON reader
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"),
            signature,
            settings.stripe_webhook_secret,
            stripe.Webhook.DEFAULT_TOLERANCE,
        )
    except (stripe.SignatureVerificationError, ValueError):
        raise BadSignature("The Stripe signature does not match this payload.") from None
    try:
        event = _StripeEvent.model_validate(loads_json(payload)).model_dump()
        obj = event["data"].get("object")
        if not isinstance(obj, dict):
            raise ValueError("data.object is not an object")
        if event["type"].startswith("checkout.session."):
            session = _CheckoutSession.model_validate(obj)
            event["data"]["object"] = session.model_dump(exclude_unset=True)
    except ValueError:  # BadJson and pydantic's ValidationError are both ValueErrors
        raise BadSignature("That is not a Stripe event this server understands.") from None
    return event
