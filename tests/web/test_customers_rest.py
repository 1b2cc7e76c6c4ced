import asyncio
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from aitickets.settings import Settings
from persistence.db import Database
from tests.conftest import auth
from tests.factories import make_event, make_ticket, make_tier

BASE = "/api/event-goers"


def _key(client: TestClient, role: str) -> dict[str, str]:
    created = client.post("/api/keys", json={"name": role, "role": role}, headers=auth())
    return auth(created.json()["key"])


@pytest.fixture
def staff(client: TestClient) -> dict[str, str]:
    return _key(client, "staff")


def _register(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post(BASE, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def _error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code
    return body["message"]


def test_register_then_read_the_profile(client: TestClient, staff) -> None:
    made = _register(
        client,
        staff,
        name="Jane Doe",
        email="Jane@Example.com",
        phone="+1 (555) 010-0104",
        birthday="1990-05-01",
        preferences={"language": "fr"},
    )
    assert made["email"] == "jane@example.com" and made["phone"] == "+15550100104"
    profile = client.get(f"{BASE}/{made['id']}", headers=staff).json()
    assert profile["birthday"] == "1990-05-01"
    assert profile["preferences"] == {"language": "fr"}
    assert (profile["lifetime_spend_cents"], profile["history"], profile["do_not_call"]) == (
        0,
        [],
        False,
    )


def test_customer_data_needs_a_staff_key(client: TestClient) -> None:
    _error(client.get(BASE), 403, "forbidden")
    _error(client.get(BASE, headers=_key(client, "agent")), 403, "forbidden")
    _error(client.post(BASE, json={"name": "X"}, headers=auth("nope")), 401, "unauthorized")


def test_bad_input_is_a_422_with_a_message(client: TestClient, staff) -> None:
    message = _error(
        client.post(BASE, json={"name": "X", "email": "nope"}, headers=staff), 422, "invalid_input"
    )
    assert "email" in message
    _error(client.post(BASE, content=b"[1]", headers=staff), 422, "invalid_json")
    _error(client.get(f"{BASE}/abc", headers=staff), 422, "invalid_input")
    _error(client.get(BASE, params={"limit": "lots"}, headers=staff), 422, "invalid_input")
    _error(client.get(f"{BASE}/999", headers=staff), 404, "not_found")


def test_duplicate_email_is_a_409_naming_the_owner(client: TestClient, staff) -> None:
    owner = _register(client, staff, name="Jane Doe", email="jane@example.com")
    response = client.post(BASE, json={"name": "Janet", "email": "JANE@example.com"}, headers=staff)
    message = _error(response, 409, "duplicate_email")
    assert "Jane Doe" in message
    assert response.json()["error"]["details"] == {"existing_id": owner["id"]}


def test_update_with_put(client: TestClient, staff) -> None:
    made = _register(client, staff, name="Jon Smith")
    response = client.put(
        f"{BASE}/{made['id']}", json={"name": "John Smith", "sms_opt_in": True}, headers=staff
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["sms_opt_in"]) == ("John Smith", True)
    _error(client.put(f"{BASE}/{made['id']}", json={}, headers=staff), 422, "invalid_input")


def test_search_by_name_phone_and_vip(client: TestClient, staff) -> None:
    john = _register(client, staff, name="John Smith", phone="555-010-0104", vip=True)
    _register(client, staff, name="Johnny Walker")
    found = client.get(BASE, params={"q": "jon smth"}, headers=staff).json()
    assert [(c["id"], c["match"]) for c in found["customers"]] == [(john["id"], "fuzzy_name")]
    by_phone = client.get(BASE, params={"q": "(555) 010 0104"}, headers=staff).json()
    assert [c["match"] for c in by_phone["customers"]] == ["phone"]
    vips = client.get(BASE, params={"vip": "true"}, headers=staff).json()
    assert (vips["total"], vips["customers"][0]["name"]) == (1, "John Smith")
    everyone = client.get(BASE, params={"limit": 1}, headers=staff).json()
    assert (everyone["total"], len(everyone["customers"])) == (2, 1)


def test_search_wildcards_are_literal(client: TestClient, staff) -> None:
    literal = _register(client, staff, name="Ann_Lee")
    _register(client, staff, name="AnnXLee Moore")
    found = client.get(f"{BASE}?q={quote('n_l')}", headers=staff).json()
    assert [c["id"] for c in found["customers"] if c["match"] == "name"] == [literal["id"]]
    found = client.get(f"{BASE}?q={quote('%')}", headers=staff).json()
    assert found["total"] == 0


def test_lookup_route_is_not_read_as_an_id(client: TestClient, staff) -> None:
    made = _register(client, staff, name="Jane Doe", email="jane@example.com")
    response = client.get(f"{BASE}/lookup", params={"email": "JANE@example.com"}, headers=staff)
    assert response.status_code == 200 and response.json()["id"] == made["id"]
    _error(client.get(f"{BASE}/lookup", headers=staff), 422, "invalid_input")
    missing = client.get(f"{BASE}/lookup", params={"phone": "5550100999"}, headers=staff)
    _error(missing, 404, "not_found")


def test_notes_preferences_vip_and_do_not_call(client: TestClient, staff) -> None:
    cid = _register(client, staff, name="Maria Lopez")["id"]
    note = client.post(
        f"{BASE}/{cid}/notes", json={"body": "Loves salsa", "kind": "insight"}, headers=staff
    )
    assert note.status_code == 201 and note.json()["kind"] == "insight"
    notes = client.get(f"{BASE}/{cid}/notes", params={"kind": "insight"}, headers=staff).json()
    assert [n["body"] for n in notes["notes"]] == ["Loves salsa"]
    prefs = client.patch(
        f"{BASE}/{cid}/preferences",
        json={"seating": "aisle", "contact_method": "sms"},
        headers=staff,
    )
    assert prefs.json()["preferences"] == {"seating": "aisle", "contact_method": "sms"}
    bad = client.patch(f"{BASE}/{cid}/preferences", json={"contact_method": "fax"}, headers=staff)
    _error(bad, 422, "invalid_input")
    assert client.put(f"{BASE}/{cid}/vip", json={"vip": True}, headers=staff).json()["vip"]
    dnc = client.post(f"{BASE}/{cid}/do-not-call", json={"reason": "asked"}, headers=staff)
    assert dnc.json()["do_not_call"] is True


def test_links_and_party(client: TestClient, staff) -> None:
    john = _register(client, staff, name="John Smith")["id"]
    mary = _register(client, staff, name="Mary Smith")["id"]
    linked = client.post(
        f"{BASE}/{john}/links", json={"related_id": mary, "relation": "wife"}, headers=staff
    )
    assert linked.status_code == 201 and len(linked.json()["links"]) == 2
    party = client.get(f"{BASE}/{mary}/party", headers=staff).json()
    assert [(m["name"], m["relation"]) for m in party["members"]] == [("John Smith", "husband")]
    assert client.delete(f"{BASE}/{john}/links/{mary}", headers=staff).json() == {"removed": 2}
    _error(client.delete(f"{BASE}/{john}/links/{mary}", headers=staff), 404, "not_found")
    self_link = {"related_id": john, "relation": "friend"}
    _error(client.post(f"{BASE}/{john}/links", json=self_link, headers=staff), 422, "invalid_input")


def test_tickets_and_delete(client: TestClient, staff, settings: Settings) -> None:
    buyer = _register(client, staff, name="John Smith")["id"]
    spare = _register(client, staff, name="Spare Record")["id"]

    async def seed() -> None:
        db = Database(settings.resolved_database_url)
        try:
            event = await make_event(db, "Jazz Night")
            await make_ticket(db, event, await make_tier(db, event), buyer)
        finally:
            await db.dispose()

    asyncio.run(seed())
    tickets = client.get(f"{BASE}/{buyer}/tickets", headers=staff).json()
    assert [t["event_name"] for t in tickets["tickets"]] == ["Jazz Night"]
    assert tickets["tickets"][0]["qr_token"]
    _error(client.delete(f"{BASE}/{spare}", headers=staff), 403, "forbidden")
    _error(client.delete(f"{BASE}/{buyer}", headers=auth()), 409, "conflict")
    assert client.delete(f"{BASE}/{spare}", headers=auth()).json()["deleted"] is True
    _error(client.get(f"{BASE}/{spare}", headers=staff), 404, "not_found")
