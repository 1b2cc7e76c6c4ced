"""Junk that used to be a 500, fed to every route it can reach: JSON nested a thousand deep,
non-ASCII header values, extreme datetimes (and pages showing the extremes that are allowed),
superscript and other non-ASCII digits, decompression-bomb images, and signed Stripe events of
the wrong shape. Each answer must be < 500 (a 4xx where the input is certainly wrong) and a
refused request must leave every row as it was."""

from __future__ import annotations

import base64
import json
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import pytest
import stripe
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from starlette.routing import Route
from starlette.testclient import TestClient

from aitickets.settings import Settings
from persistence.db import Database
from persistence.models import Order, Ticket
from tests.conftest import FixedClock, auth
from tests.factories import make_customer, make_event, make_ticket, make_tier, make_venue
from tests.security.conftest import Rows
from tools import registry
from tools.common import EARLIEST, LATEST

WEBHOOK_SECRET = "whsec_junk_tests_0123456789"
BODY_METHODS = ("POST", "PUT", "PATCH")


@pytest.fixture
def junk_client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    from web.app import create_app

    settings.stripe_webhook_secret = WEBHOOK_SECRET
    settings.sse_max_seconds = 1  # a stream that is (wrongly) accepted still ends
    settings.rate_limit_public = "100000/60"  # this suite sends thousands of requests
    settings.rate_limit_auth = "100000/60"
    app = create_app(settings, clock=clock, migrate_on_start=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
async def world(db: Database) -> dict[str, str]:
    """Path values for every route: an event at the latest allowed time in the zone furthest
    ahead (+14:00), one at the earliest in the zone furthest behind (-12:00), a ticket each."""
    late_venue = await make_venue(db, "Line Islands Hall", tz="Pacific/Kiritimati")
    early_venue = await make_venue(db, "Baker Island Hut", tz="Etc/GMT+12")
    late = await make_event(db, "Last Show", venue_id=late_venue, starts_at=LATEST)
    early = await make_event(db, "First Show", venue_id=early_venue, starts_at=EARLIEST)
    customer = await make_customer(db, email="pat@example.com", phone="+15550100001")
    tiers, tickets = [], []
    for event in (late, early):
        tier = await make_tier(db, event, price_cents=0, capacity=50)
        tiers.append(tier)
        tickets.append(await make_ticket(db, event, tier, customer, price_cents=0))
    async with db.sessions() as s:
        ticket = await s.get(Ticket, tickets[0])
        assert ticket is not None
        order = await s.scalar(select(Order).where(Order.id == ticket.order_id))
        assert order is not None
        return {
            "event_id": str(late),
            "early_event_id": str(early),
            "tier_id": str(tiers[0]),
            "ticket_id": str(tickets[0]),
            "customer_id": str(customer),
            "access_token": order.access_token,
            "qr_token": ticket.qr_token,
        }


def _routes(client: TestClient) -> list[tuple[str, str]]:
    """(method, path template) of every HTTP route of the app, HEAD left out."""
    found = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route):
            methods = sorted((route.methods or {"GET", "POST"}) - {"HEAD"})
            found.extend((method, route.path) for method in methods)
    return found


def _fill(path: str, values: dict[str, str], default: str = "1") -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        if name == "name" and path.startswith("/tools/"):
            return "list_events"
        return values.get(name, default)

    return re.sub(r"\{([^}]+)\}", value, path)


def _check(response: Any, where: Any, *, need_4xx: bool = False) -> None:
    assert response.status_code < 500, (where, response.status_code, response.text[:300])
    if need_4xx:
        assert 400 <= response.status_code < 500, (where, response.status_code, response.text[:300])


# --- JSON nested deeply ---------------------------------------------------------------------

DEEP = [
    b"[" * 1000 + b"]" * 1000,
    b'{"a":' * 1000 + b"1" + b"}" * 1000,
    b"[" * 5000 + b"]" * 5000,
    b'{"tier_id": 1, "customer": ' + b"[" * 100 + b"]" * 100 + b"}",  # over the limit, legal JSON
]


def _json_routes(client: TestClient) -> list[tuple[str, str]]:
    routes = [(m, p) for m, p in _routes(client) if m in BODY_METHODS and p != "/tools/{name}"]
    routes += [("POST", f"/tools/{spec.name}") for spec in registry]
    return routes


@pytest.mark.parametrize("keyed", [False, True], ids=["anonymous", "admin"])
def test_json_nested_deeply_is_a_4xx_on_every_body_route(
    world: dict[str, str], junk_client: TestClient, db_rows: Callable[[], Rows], keyed: bool
) -> None:
    before = db_rows()
    headers = {"Content-Type": "application/json", **(auth() if keyed else {})}
    for method, path in _json_routes(junk_client):
        url = _fill(path, world)
        for body in DEEP:
            response = junk_client.request(method, url, content=body, headers=headers)
            reads_json = url.startswith(("/api/", "/tools/", "/voice/action"))
            _check(response, (method, url, body[:20]), need_4xx=reads_json)
    assert db_rows() == before


def test_a_lone_surrogate_is_a_4xx_on_every_body_route(
    world: dict[str, str], junk_client: TestClient, db_rows: Callable[[], Rows]
) -> None:
    """A "\\ud800" escape is legal JSON but no text: it used to reach the database or the
    log and fail there (a 500)."""
    before = db_rows()
    headers = {"Content-Type": "application/json", **auth()}
    for method, path in _json_routes(junk_client):
        url = _fill(path, world)
        for body in (
            b'{"name": "Pat \\ud800", "action": "list events \\udfff", "request": "\\ud800"}',
            b'{"\\udc00": 1}',
            b'{"customer": {"name": "\\ud83d", "email": "p@example.com"}, "tier_id": 1}',
        ):
            response = junk_client.request(method, url, content=body, headers=headers)
            reads_json = url.startswith(("/api/", "/tools/", "/voice/action"))
            _check(
                response, (method, url, body), need_4xx=reads_json and response.status_code != 404
            )
    assert db_rows() == before


def test_a_nul_character_is_a_4xx_on_every_route(
    world: dict[str, str], junk_client: TestClient, db_rows: Callable[[], Rows]
) -> None:
    """PostgreSQL refuses NUL in every text and JSON column (a 500 there); it is refused at the
    door on every database: in JSON bodies, query strings, forms and path segments."""
    before = db_rows()
    headers = {"Content-Type": "application/json", **auth()}
    for method, path in _json_routes(junk_client):
        url = _fill(path, world)
        body = (
            b'{"name": "Pat\\u0000", "action": "hi\\u0000", "request": "\\u0000", "q": "\\u0000"}'
        )
        response = junk_client.request(method, url, content=body, headers=headers)
        _check(response, (method, url), need_4xx=url.startswith(("/api/", "/tools/", "/voice/")))
    for method, path in _routes(junk_client):
        if method == "GET" and path != "/events/stream":
            url = _fill(path, world)
            _check(junk_client.get(url, params={"q": "a\x00b", "category": "\x00"}), url)
            _check(junk_client.get(_fill(path, {}, default="%00")), path)
    for url in ("/api/events?q=a%00b", "/events?q=a%00b", "/api/event-goers?q=%00"):
        response = junk_client.get(url, headers=auth())
        assert response.status_code == 422, (url, response.status_code)
    assert db_rows() == before


def test_deep_json_inside_a_vapi_arguments_string_is_refused() -> None:
    from aitickets.parsing import BadJson, loads_json

    with pytest.raises(BadJson):
        loads_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(BadJson):
        loads_json(b"\xff\xfe not utf-8")
    assert loads_json(b'{"a": [[1]]}') == {"a": [[1]]}
    assert loads_json('{"smile": "\\ud83d\\ude00"}') == {"smile": "\U0001f600"}  # a pair is fine
    with pytest.raises(BadJson):
        loads_json('{"half": "\\ud83d"}')
    with pytest.raises(BadJson):
        loads_json('"\ud800"')  # an already-decoded lone surrogate in the text itself
    with pytest.raises(BadJson):
        loads_json(b'{"a": ["\\u0000"]}')
    assert loads_json(b'{"a": "\\\\u0000"}') == {"a": "\\u0000"}  # an escaped backslash is text


# --- non-ASCII header values ------------------------------------------------------------------

HOSTILE_HEADERS: list[dict[str, bytes]] = [
    {"Authorization": "Bearer cl\xe9-\xfc".encode("latin-1")},
    {"Authorization": "\xe9\xe9".encode("latin-1")},
    {"Authorization": b"Bearer \x7f\x01"},
    {
        "X-Session-ID": "s\xe9ssion".encode("latin-1"),
        "X-Vapi-Secret": "s\xe9cret".encode("latin-1"),
        "X-Retell-Signature": "v=1,d=\xe9".encode("latin-1"),
        "X-Twilio-Signature": "\xe9".encode("latin-1"),
        "Stripe-Signature": "t=1,v1=\xe9".encode("latin-1"),
        "Last-Event-ID": "\xb2".encode("latin-1"),
        "Cookie": "aitickets_csrf=\xe9\xe9; dash=\xfc".encode("latin-1"),
        "Content-Type": "application/json; charset=\xe9".encode("latin-1"),
    },
]


@pytest.mark.parametrize("headers", HOSTILE_HEADERS, ids=lambda h: ",".join(h))
def test_non_ascii_headers_never_give_a_5xx_on_any_route(
    world: dict[str, str],
    junk_client: TestClient,
    db_rows: Callable[[], Rows],
    headers: dict[str, bytes],
) -> None:
    before = db_rows()
    for method, path in _routes(junk_client):
        url = _fill(path, world)
        body = b"{}" if method in BODY_METHODS else None
        response = junk_client.request(method, url, content=body, headers=headers)
        _check(response, (method, url))
    assert db_rows() == before


def test_a_non_ascii_key_is_a_401_on_keyed_routes(junk_client: TestClient) -> None:
    bad = {"Authorization": "Bearer cl\xe9-\xfc".encode("latin-1")}
    for method, url in [("GET", "/api/keys"), ("GET", "/tools"), ("POST", "/mcp")]:
        response = junk_client.request(method, url, headers=bad, json={})
        assert response.status_code == 401, (url, response.text)


def test_a_non_ascii_csrf_token_is_refused_on_every_form(
    world: dict[str, str], junk_client: TestClient, db_rows: Callable[[], Rows]
) -> None:
    before = db_rows()
    forms = [
        (m, p)
        for m, p in _routes(junk_client)
        if m == "POST" and not p.startswith(("/api/", "/tools", "/voice", "/webhooks", "/mcp"))
    ]
    assert len(forms) >= 6, forms
    for method, path in forms:
        url = _fill(path, world)
        for token in ("\xe9" * 64, "é" * 64, "\u00b2" * 64):
            response = junk_client.request(
                method, url, data={"csrf_token": token, "phone": "555-010-0199", "code": "123456"}
            )
            _check(response, (url, token))
    assert db_rows() == before


# --- extreme datetimes ------------------------------------------------------------------------

EXTREME_TIMES = [
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59Z",
    "1899-12-31T23:59:59Z",
    "3000-01-01T00:00:00+00:00",
]
# A valid request for each tool that takes a time, so the time is what is judged.
BASES: dict[str, dict[str, Any]] = {
    "create_event": {"name": "Far", "venue_id": 1, "starts_at": "2027-01-01T20:00:00Z"},
    "create_recurring_event": {
        "name": "Weekly",
        "venue_id": 1,
        "first_starts_at": "2027-01-01T20:00:00Z",
        "frequency": "weekly",
        "count": 3,
    },
    "update_event": {"event_id": 1, "name": "Renamed"},
    "postpone_event": {"event_id": 1, "new_starts_at": "2027-01-01T20:00:00Z"},
    "list_events": {},
    "get_revenue_report": {},
    "create_promo_code": {"code": "FAR10", "discount_percent": 10},
}


def _time_fields() -> dict[str, list[str]]:
    """Every tool input field that holds a datetime, found by feeding one."""
    found: dict[str, list[str]] = {}
    for spec in registry:
        for name, field in spec.input_model.model_fields.items():
            if "datetime.datetime" in repr(field.annotation):
                found.setdefault(spec.name, []).append(field.alias or name)
    return found


def test_every_tool_time_field_refuses_times_that_overflow() -> None:
    """The bound lives in one type (tools.common.AwareDatetime); a new tool that takes a
    plain datetime would escape it, and this test names it."""
    fields = _time_fields()
    assert set(fields) <= set(BASES), f"add a valid request to BASES for {set(fields) - set(BASES)}"
    for tool_name, names in fields.items():
        model = registry.get(tool_name).input_model
        for name in names:
            for value in EXTREME_TIMES:
                with pytest.raises(ValidationError) as err:
                    model.model_validate({**BASES[tool_name], name: value})
                where = [str(part) for e in err.value.errors() for part in e["loc"]]
                assert name in where, (tool_name, name, value)


def test_extreme_datetimes_are_a_4xx_on_every_route_that_takes_a_time(
    world: dict[str, str], junk_client: TestClient, db_rows: Callable[[], Rows]
) -> None:
    before = db_rows()
    for tool_name, names in _time_fields().items():
        spec = registry.get(tool_name)
        base = {**BASES[tool_name], "venue_id": 1, "event_id": int(world["event_id"])}
        base = {k: v for k, v in base.items() if k in spec.input_model.model_fields or k == "from"}
        for name in names:
            for value in EXTREME_TIMES:
                body = {**base, name: value}
                for http in spec.http:
                    url = _fill(http.path, {k: str(v) for k, v in body.items()})
                    if http.method == "GET":
                        response = junk_client.get(url, params=body, headers=auth())
                    else:
                        response = junk_client.request(http.method, url, json=body, headers=auth())
                    _check(response, (tool_name, name, value), need_4xx=True)
                tool = junk_client.post(f"/tools/{tool_name}", json=body, headers=auth())
                _check(tool, (tool_name, name, value), need_4xx=True)
    assert db_rows() == before


def test_the_extremes_allowed_show_on_every_page_and_route(
    world: dict[str, str], junk_client: TestClient
) -> None:
    """Events at 2999-12-31T23:59:59Z in a +14:00 venue and 1900-01-01T00:00Z in a -12:00 one:
    every GET route (pages, REST, documents, dashboards, the stream) shows them without a 5xx."""
    for values in (world, {**world, "event_id": world["early_event_id"]}):
        for method, path in _routes(junk_client):
            if method != "GET":
                continue
            url = _fill(path, values)
            for headers in ({}, auth()):
                _check(junk_client.get(url, headers=headers), url)
        for query in ({"from": EARLIEST.isoformat()}, {"to": LATEST.isoformat()}):
            _check(junk_client.get("/api/events", params=query), query, need_4xx=False)
    at_edge = junk_client.post(
        "/api/events",
        json={"name": "Edge", "venue_id": 1, "starts_at": "2999-12-31T23:59:59+00:00"},
        headers=auth(),
    )
    assert at_edge.status_code == 201, at_edge.text


# --- ids the database cannot hold -------------------------------------------------------------


def test_every_id_field_refuses_numbers_past_the_integer_columns() -> None:
    """Ids live in INTEGER columns (PostgreSQL's int4 ends at 2**31 - 1, and a larger number in
    a query is a database error there): every `…_id` input of every tool refuses 2**31."""
    checked = 0
    for spec in registry:
        for name, field in spec.input_model.model_fields.items():
            if not (name.endswith("_id") and "int" in repr(field.annotation)):
                continue
            typed = (
                Annotated[(field.annotation, *field.metadata)]
                if field.metadata
                else field.annotation
            )
            adapter: TypeAdapter[Any] = TypeAdapter(typed)
            with pytest.raises(ValidationError):
                adapter.validate_python(2**31)
            adapter.validate_python(2**31 - 1)
            checked += 1
    assert checked > 100


# --- superscript and other non-ASCII digits ---------------------------------------------------

ODD_DIGITS = ["²", "¹²", "１２", "١٢", "٣", "1²", "+1", " 1 ", "1_000", "0x10", "1e3", "9" * 5000]


def test_sse_refuses_odd_digits_in_its_ids(junk_client: TestClient) -> None:
    for value in ODD_DIGITS:
        for params in ({"event_id": value}, {"last_event_id": value}):
            response = junk_client.get("/events/stream", params=params, headers=auth())
            _check(response, params, need_4xx=value.strip() != "1")
        for raw in (value.encode("utf-8"), value.encode("latin-1", "replace")):
            response = junk_client.get("/events/stream", headers={**auth(), "Last-Event-ID": raw})
            _check(response, raw, need_4xx=value.strip() != "1")


def test_odd_digits_in_every_path_and_query_parameter_never_give_a_5xx(
    world: dict[str, str], junk_client: TestClient, db_rows: Callable[[], Rows]
) -> None:
    before = db_rows()
    for method, path in _routes(junk_client):
        if method != "GET" or path == "/events/stream":
            continue
        for value in ODD_DIGITS:
            url = _fill(path, {}, default=value)
            params = {p: value for p in ("page", "event_id", "limit", "offset", "category", "from")}
            _check(junk_client.get(url, params=params, headers=auth()), (url, value))
    assert db_rows() == before


# --- decompression bombs ----------------------------------------------------------------------


def _png(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` x `height`; the pixel data is a stub."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


BOMBS = {
    "900 MP (Pillow's error)": _png(30000, 30000),
    "144 MP (Pillow's warning)": _png(12000, 12000),
    "48 MP (over our limit)": _png(8000, 6000),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_a_decompression_bomb_is_a_4xx_everywhere_a_photo_goes_in(
    world: dict[str, str],
    junk_client: TestClient,
    db_rows: Callable[[], Rows],
    settings: Settings,
    name: str,
) -> None:
    before = db_rows()
    token, bomb = world["access_token"], BOMBS[name]
    body = {"image_base64": base64.b64encode(bomb).decode()}
    rest = junk_client.post(f"/api/my-tickets/{token}/photos", json=body)
    _check(rest, name, need_4xx=True)
    tool = junk_client.post("/tools/upload_event_photo", json={"access_token": token, **body})
    _check(tool, name, need_4xx=True)
    page = f"/my-tickets/{token}"
    form = junk_client.get(page)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf, "the page carries an upload form"
    upload = junk_client.post(
        f"{page}/photos",
        data={"csrf_token": csrf.group(1), "caption": "bomb"},
        files={"photo": ("bomb.png", bomb, "image/png")},
    )
    _check(upload, name, need_4xx=True)
    assert db_rows() == before
    photos = settings.data_dir / "photos"
    assert not photos.exists() or not any(photos.iterdir())


# --- signed Stripe events of the wrong shape --------------------------------------------------


def _event(obj: Any, kind: str = "checkout.session.completed", **extra: Any) -> dict[str, Any]:
    return {"id": "evt_junk_1", "object": "event", "type": kind, "data": {"object": obj}, **extra}


SESSION = {"id": "cs_test_1", "payment_status": "paid"}
WRONG_SHAPES: list[Any] = [
    _event("cs_test_string"),
    _event(12),
    _event(None),
    _event(["cs_test_1"]),
    _event("cs_test_string", kind="checkout.session.expired"),
    _event("cs_test_string", kind="payment_intent.succeeded"),
    _event({**SESSION, "amount_total": "lots"}),
    _event({**SESSION, "amount_total": -5}),
    _event({**SESSION, "customer_details": "pat@example.com"}),
    _event({**SESSION, "customer_details": {"email": ["a@b.c"]}}),
    _event({**SESSION, "id": {"nested": True}}),
    {"id": "evt_junk_1", "type": "checkout.session.completed", "data": "cs_test_1"},
    {"id": "evt_junk_1", "type": "checkout.session.completed"},
    {"id": 7, "type": "checkout.session.completed", "data": {"object": SESSION}},
    {"id": "evt_junk_1", "type": ["x"], "data": {"object": SESSION}},
    ["not", "an", "event"],
    "just a string",
    None,
]


def _signed(payload: bytes) -> dict[str, str]:
    header = stripe.WebhookSignature.generate_signature_header(
        payload.decode("latin-1"), WEBHOOK_SECRET
    )
    return {"Stripe-Signature": header, "Content-Type": "application/json"}


def test_signed_stripe_events_of_the_wrong_shape_are_a_400_and_change_nothing(
    world: dict[str, str], junk_client: TestClient, db_rows: Callable[[], Rows]
) -> None:
    before = db_rows()
    payloads = [json.dumps(event).encode() for event in WRONG_SHAPES]
    payloads += [b'{"id": "evt_1", "data": {"object": ' + b"[" * 3000 + b"]" * 3000 + b"}}"]
    payloads += [b"not json at all", b"\xff\xfe\x00"]
    for payload in payloads:
        response = junk_client.post("/webhooks/stripe", content=payload, headers=_signed(payload))
        assert response.status_code == 400, (payload[:80], response.status_code, response.text)
    assert db_rows() == before


def test_a_non_ascii_stripe_signature_is_a_400(junk_client: TestClient) -> None:
    payload = json.dumps(_event(SESSION)).encode()
    for header in ("t=1,v1=\xe9", "t=\xb2,v1=ab", "\xe9"):
        response = junk_client.post(
            "/webhooks/stripe",
            content=payload,
            headers={
                "Stripe-Signature": header.encode("latin-1"),
                "Content-Type": "application/json",
            },
        )
        assert response.status_code == 400, (header, response.text)


def test_a_well_formed_signed_event_still_goes_through(junk_client: TestClient) -> None:
    """The shape checks refuse junk, not Stripe: an unknown session is answered 200."""
    payload = json.dumps(_event({**SESSION, "amount_total": 0, "customer_details": None})).encode()
    response = junk_client.post("/webhooks/stripe", content=payload, headers=_signed(payload))
    assert response.status_code == 200 and response.json()["outcome"] == "unknown_session"
    other = json.dumps(
        {**_event({"id": "pi_1", "amount": "x"}, kind="payment_intent.created"), "id": "evt_2"}
    ).encode()
    response = junk_client.post("/webhooks/stripe", content=other, headers=_signed(other))
    assert response.status_code == 200 and response.json()["outcome"] == "ignored"
