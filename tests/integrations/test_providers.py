"""Resend and Twilio through their SDKs with the HTTP layer mocked, and the console default."""

from __future__ import annotations

import json

import httpx
import pytest
import respx
from twilio.http import AsyncHttpClient
from twilio.http.response import Response as TwilioResponse

from aitickets.settings import Settings
from integrations import email, sms


@pytest.fixture
def resend_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"resend_api_key": "re_test_123"})


@pytest.fixture(autouse=True)
def _restore_resend():
    import resend

    saved = (resend.api_key, resend.default_async_http_client)
    yield
    resend.api_key, resend.default_async_http_client = saved


async def _email(s: Settings) -> email.Sent:
    return await email.send_email(
        s, to="ann@example.com", subject="Hi", body="Hello", idempotency_key="message-1"
    )


async def test_console_is_the_default_for_email_and_sms(settings: Settings) -> None:
    assert (await _email(settings)).provider == "console"
    assert (await sms.send_sms(settings, to="+15550100", body="x")).provider == "console"


@respx.mock
async def test_resend_sends_with_an_idempotency_key(resend_settings: Settings) -> None:
    route = respx.post("https://api.resend.com/emails").mock(
        return_value=httpx.Response(200, json={"id": "em_1"})
    )
    sent = await _email(resend_settings)
    assert sent == email.Sent("resend", "em_1")
    request = route.calls.last.request
    assert request.headers["Idempotency-Key"] == "message-1"
    assert json.loads(request.content)["to"] == ["ann@example.com"]


@respx.mock
async def test_resend_5xx_is_a_temporary_failure(resend_settings: Settings) -> None:
    respx.post("https://api.resend.com/emails").mock(
        return_value=httpx.Response(503, json={"name": "internal_server_error", "message": "x"})
    )
    with pytest.raises(email.DeliveryFailed) as err:
        await _email(resend_settings)
    assert not err.value.permanent


@respx.mock
async def test_resend_timeout_is_a_temporary_failure(resend_settings: Settings) -> None:
    respx.post("https://api.resend.com/emails").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(email.DeliveryFailed) as err:
        await _email(resend_settings)
    assert not err.value.permanent


@respx.mock
async def test_resend_422_is_permanent(resend_settings: Settings) -> None:
    respx.post("https://api.resend.com/emails").mock(
        return_value=httpx.Response(422, json={"name": "validation_error", "message": "bad to"})
    )
    with pytest.raises(email.DeliveryFailed) as err:
        await _email(resend_settings)
    assert err.value.permanent


class FakeTwilio(AsyncHttpClient):
    def __init__(self, status: int = 201, raise_exc: Exception | None = None) -> None:
        import logging

        super().__init__(logging.getLogger("test.twilio"), True)
        self.status, self.raise_exc, self.requests = status, raise_exc, []

    async def request(
        self,
        method,
        url,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,  # noqa: ASYNC109 - the SDK calls it so
        allow_redirects=False,
    ):
        self.requests.append((method, url, data))
        if self.raise_exc:
            raise self.raise_exc
        body = (
            {"sid": "SM123", "status": "queued"}
            if self.status < 400
            else {"code": 20500, "message": "Internal error", "status": self.status}
        )
        return TwilioResponse(self.status, json.dumps(body))


@pytest.fixture
def twilio_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "twilio_account_sid": "AC123",
            "twilio_auth_token": "tok",
            "twilio_from_number": "+15550001",
        }
    )


async def test_twilio_sends_through_the_sdk(twilio_settings, monkeypatch) -> None:
    fake = FakeTwilio()
    monkeypatch.setattr(sms, "HTTP_CLIENT", fake)
    sent = await sms.send_sms(twilio_settings, to="+15550100", body="Doors at 8")
    assert sent == email.Sent("twilio", "SM123")
    method, url, data = fake.requests[0]
    assert method == "POST" and url.endswith("/Accounts/AC123/Messages.json")
    assert data["To"] == "+15550100" and data["From"] == "+15550001"


@pytest.mark.parametrize("status,permanent", [(500, False), (503, False), (400, True)])
async def test_twilio_errors_are_classified(twilio_settings, monkeypatch, status, permanent):
    monkeypatch.setattr(sms, "HTTP_CLIENT", FakeTwilio(status))
    with pytest.raises(email.DeliveryFailed) as err:
        await sms.send_sms(twilio_settings, to="+15550100", body="x")
    assert err.value.permanent is permanent


async def test_twilio_timeout_is_temporary(twilio_settings, monkeypatch) -> None:
    monkeypatch.setattr(sms, "HTTP_CLIENT", FakeTwilio(raise_exc=TimeoutError()))
    with pytest.raises(email.DeliveryFailed) as err:
        await sms.send_sms(twilio_settings, to="+15550100", body="x")
    assert not err.value.permanent
