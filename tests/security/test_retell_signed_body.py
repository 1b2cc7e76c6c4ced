"""Retell: the signed body decides what runs. A captured, validly signed read request sent again
with `?tool=cancel_event` (the query string is not signed) cancels nothing."""

from __future__ import annotations

import json

from starlette.testclient import TestClient

from aitickets.settings import Settings
from integrations.voice_platforms import retell_signature
from tests.conftest import NOW
from tests.web import voice_platform_fixtures as fx
from tests.web.voice_platform_fixtures import RETELL_KEY, counts, query

db_url, settings, seeded_template = fx.db_url, fx.settings, fx.seeded_template


def _signed(client: TestClient, body: dict, path: str) -> object:
    raw = json.dumps(body, separators=(",", ":")).encode()
    signature = retell_signature(raw.decode(), RETELL_KEY, int(NOW.timestamp() * 1000))
    headers = {"Content-Type": "application/json", "X-Retell-Signature": signature}
    return client.post(path, content=raw, headers=headers)


def _jazz(settings: Settings) -> tuple[int, str]:
    [(ident, status)] = query(settings, "SELECT id, status FROM events WHERE name = 'Jazz Night'")
    return ident, status


def test_the_query_string_cannot_pick_another_tool(client: TestClient, settings: Settings) -> None:
    event, before = _jazz(settings)
    call = {"call_id": "call_captured", "from_number": "+15550100199"}
    body = {"name": "get_event", "call": call, "args": {"event_id": event}}
    assert _signed(client, body, "/voice/retell").status_code == 200  # the genuine request
    counted = counts(settings)
    for query_string in ("?tool=cancel_event", "?tool=cancel_event&name=cancel_event"):
        replay = {**body, "call": {**call, "call_id": "call_replayed" + query_string[-3:]}}
        response = _signed(client, replay, "/voice/retell" + query_string)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "tool_mismatch"
    assert _jazz(settings)[1] == before
    assert counts(settings) == counted


def test_args_at_root_takes_the_tool_from_the_body_only(
    client: TestClient, settings: Settings
) -> None:
    event, before = _jazz(settings)
    unnamed = {"call": {"call_id": "call_root"}, "event_id": event}
    response = _signed(client, unnamed, "/voice/retell?tool=cancel_event")
    assert response.status_code == 422
    assert _jazz(settings)[1] == before
