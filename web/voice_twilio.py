"""A phone line with no LLM account, through Twilio ConversationRelay: Twilio turns speech into
text and back, the local router does the rest.

- `POST /voice/twilio/incoming` (the number's voice webhook, signed by Twilio over its URL and
  form) issues a pass for this call (its `CallSid` and `From`; single use, two minutes) and
  answers TwiML connecting the call to `wss://<AITICKETS_PUBLIC_URL>/voice/twilio/relay?pass=…`.
- The WebSocket checks `X-Twilio-Signature` over that URL at the handshake (TWILIO_AUTH_TOKEN;
  without a token both routes refuse), then redeems the pass: a used, expired or unknown one is
  refused, so a captured handshake opens nothing. Who is calling comes from the pass, never from
  what the client says in `setup` (whose `callSid` must be the pass's call): a registered staff
  phone acts with its role, anyone else as the public, limited to event information and joining
  a waitlist. Each final `prompt` gets one `text` message (`last: true`) with the agent's
  speech; `interrupt`, `dtmf` and `error` are noted and ignored.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from aitickets.errors import Forbidden, InvalidInput, TicketsError
from aitickets.parsing import loads_json
from aitickets.settings import Settings
from integrations.voice_platforms import verify_twilio
from tools.context import Actor
from tools.phone_passes import CallPass, issue_pass, redeem_pass
from tools.staff_phones import phone_actor

from . import voice_calls

log = logging.getLogger("aitickets.voice.twilio")

INCOMING_PATH = "/voice/twilio/incoming"
RELAY_PATH = "/voice/twilio/relay"
MAX_FORM = 64_000
POLICY_VIOLATION = 1008  # WebSocket close code: refused at the handshake
SORRY = "Sorry, something went wrong on our side. Please say that again."
IGNORED = frozenset({"interrupt", "dtmf", "error"})


def public_url(settings: Settings, path: str, *, websocket: bool = False) -> str:
    """The address Twilio was given, which is the one it signs (behind a proxy the request's
    own URL differs)."""
    base = settings.public_base_url.strip().rstrip("/")
    if websocket:
        parts = urlsplit(base)
        scheme = "wss" if parts.scheme == "https" else "ws"
        base = parts._replace(scheme=scheme).geturl()
    return base + path


def _token(settings: Settings) -> str:
    if not settings.twilio_auth_token:
        raise Forbidden(
            "The phone line is off: set TWILIO_AUTH_TOKEN (and AITICKETS_PUBLIC_URL).",
            code="phone_line_off",
        )
    return settings.twilio_auth_token


def _twiml(settings: Settings, token: str) -> str:
    from twilio.twiml.voice_response import Connect, VoiceResponse

    response = VoiceResponse()
    connect = Connect()
    connect.conversation_relay(
        url=public_url(settings, RELAY_PATH, websocket=True) + "?pass=" + quote(token, safe=""),
        welcome_greeting=f"Hi, this is {settings.org_name}. How can I help?",
    )
    response.append(connect)
    return str(response)


async def incoming(request: Request) -> Response:
    settings = request.app.state.settings
    token = _token(settings)
    raw = await request.body()
    if len(raw) > MAX_FORM:
        raise InvalidInput("The request is too large.", code="too_large")
    try:
        form = ImmutableMultiDict(parse_qsl(raw.decode(), keep_blank_values=True))
    except UnicodeDecodeError:
        raise InvalidInput("The body is not a form Twilio sends.") from None
    url = public_url(settings, INCOMING_PATH)
    if request.url.query:
        url += "?" + request.url.query
    verify_twilio(
        token,
        url,
        form,
        request.headers.get("x-twilio-signature"),
        request.headers.get("x-twilio-webhooks-signature-settings"),
    )
    call_sid = voice_calls.session_id(form.get("CallSid"), "CallSid")
    state = request.app.state
    token = await issue_pass(
        state.runner.db, call_sid=call_sid, caller=form.get("From") or "", now=state.clock()
    )
    return Response(_twiml(settings, token), media_type="text/xml")


async def _refuse(websocket: WebSocket, why: str) -> None:
    log.warning("phone line refused a connection: %s", why)
    await websocket.close(code=POLICY_VIOLATION, reason=why[:120])


def _message(raw: str) -> dict[str, Any] | None:
    try:
        message = loads_json(raw)
    except ValueError:
        message = None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        log.warning("phone line: ignored a message that is not ConversationRelay JSON")
        return None
    return message


class Call:
    """One ConversationRelay session: the call its pass was issued for, who is calling (from the
    pass) and, once `setup` names the same call, the agent's session id."""

    def __init__(self, websocket: WebSocket, call: CallPass, actor: Actor) -> None:
        self.websocket = websocket
        self.state = websocket.app.state
        self.call = call
        self.actor = actor
        self.session: str | None = None

    async def setup(self, message: dict[str, Any]) -> None:
        sid = voice_calls.session_id(message.get("callSid"), "setup.callSid")
        if sid != self.call.call_sid:
            raise Forbidden("setup.callSid is not the call this connection was opened for.")
        self.session = sid
        if message.get("from") != self.call.caller:  # noted; the signed webhook's number counts
            log.warning("phone call %s: setup.from differs from the signed caller", sid)
        log.info("phone call %s as %s", self.session, self.actor.role)

    async def prompt(self, message: dict[str, Any]) -> None:
        if message.get("last") is False:  # a partial transcript: the final one follows
            return
        text = message.get("voicePrompt")
        if self.session is None:
            log.warning("phone line: a prompt before setup was ignored")
            return
        if not isinstance(text, str) or not text.strip():
            return
        try:
            reply = await voice_calls.agent_turn(
                self.state,
                text.strip()[: voice_calls.MAX_REQUEST],
                session=self.session,
                actor=self.actor,
            )
            speech = voice_calls.one_line(reply.speech)
        except Exception:  # a caller on the line hears an apology, never silence
            log.exception("phone line: the turn failed in call %s", self.session)
            speech = SORRY
        await self.websocket.send_json({"type": "text", "token": speech, "last": True})

    async def handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "setup":
            await self.setup(message)
        elif kind == "prompt":
            await self.prompt(message)
        elif kind in IGNORED:
            log.info("phone line: %s in call %s (ignored)", kind, self.session)
        else:
            log.warning("phone line: unknown message type %r ignored", kind)


async def _admit(websocket: WebSocket) -> Call:
    """The handshake: Twilio's signature over the URL it was given, then the call's pass."""
    state = websocket.app.state
    settings = state.settings
    url = public_url(settings, RELAY_PATH, websocket=True)
    if websocket.url.query:
        url += "?" + websocket.url.query
    verify_twilio(
        _token(settings),
        url,
        {},
        websocket.headers.get("x-twilio-signature"),
        websocket.headers.get("x-twilio-webhooks-signature-settings"),
    )
    call = await redeem_pass(
        state.runner.db, websocket.query_params.get("pass") or "", now=state.clock()
    )
    if call is None:
        raise Forbidden("This phone-line pass is unknown, used or expired.", code="bad_pass")
    return Call(websocket, call, await phone_actor(state.runner.db, call.caller or None))


async def relay(websocket: WebSocket) -> None:
    try:
        call = await _admit(websocket)
    except TicketsError as exc:
        await _refuse(websocket, exc.message)
        return
    await websocket.accept()
    try:
        while True:
            event = await websocket.receive()
            if event["type"] == "websocket.disconnect":
                break
            text = event.get("text")
            if text is None:
                text = (event.get("bytes") or b"").decode("utf-8", "replace")
            message = _message(text)
            if message is None:
                continue
            try:
                await call.handle(message)
            except Forbidden as exc:  # a setup for another call: this connection is not its
                await _refuse(websocket, exc.message)
                return
            except TicketsError as exc:  # a malformed setup: said in the log, the call goes on
                log.warning("phone line: %s", exc.message)
    except WebSocketDisconnect:
        pass
    log.info("phone call %s ended", call.session)


def routes() -> list[BaseRoute]:
    return [
        Route(INCOMING_PATH, incoming, methods=["POST"]),
        WebSocketRoute(RELAY_PATH, relay),
    ]
