"""QR codes: a PNG that encodes exactly the ticket's token, for staff only."""

from __future__ import annotations

import base64

import pytest
from starlette.testclient import TestClient

from aitickets.errors import Forbidden, NotFound
from persistence.db import Database
from persistence.models import Ticket
from tests.conftest import Call, auth
from tests.factories import make_customer, make_event, make_ticket, make_tier

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


async def _ticket(db: Database) -> tuple[int, str]:
    event = await make_event(db)
    tier = await make_tier(db, event)
    ticket_id = await make_ticket(db, event, tier, await make_customer(db))
    async with db.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket_id, ticket.qr_token


async def test_qr_is_a_png_of_the_token(call: Call, db: Database) -> None:
    ticket_id, token = await _ticket(db)
    result = await call("get_ticket_qr", as_="staff", ticket_id=ticket_id)
    png = base64.b64decode(result.png_base64)
    assert png.startswith(PNG_MAGIC) and result.qr_token == token
    bigger = await call("get_ticket_qr", as_="staff", ticket_id=ticket_id, scale=16)
    assert len(base64.b64decode(bigger.png_base64)) > len(png)


async def test_qr_needs_staff_and_a_real_ticket(call: Call, db: Database) -> None:
    ticket_id, _ = await _ticket(db)
    with pytest.raises(Forbidden):
        await call("get_ticket_qr", as_="agent", ticket_id=ticket_id)
    with pytest.raises(NotFound):
        await call("get_ticket_qr", ticket_id=999)


async def test_qr_png_route(client: TestClient, db: Database) -> None:
    ticket_id, _ = await _ticket(db)
    response = client.get(f"/api/tickets/{ticket_id}/qr.png", headers=auth())
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(PNG_MAGIC)
    assert client.get(f"/api/tickets/{ticket_id}/qr.png").status_code == 403
    assert client.get("/api/tickets/abc/qr.png", headers=auth()).status_code == 422
