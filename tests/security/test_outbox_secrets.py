"""Sign-in codes are not readable in the admin outbox listing (`/api/messages`): reading the
outbox must not be a way to sign in to a promoter's dashboard. The text still goes out."""

from __future__ import annotations

import re
from datetime import timedelta

from starlette.testclient import TestClient

from tests.conftest import NOW, auth
from tests.factories import make_event
from tests.integrations.helpers import messages

PHONE = "+15550100199"


def test_a_dashboard_code_is_sent_but_never_listed(client: TestClient, db) -> None:
    event = client.portal.call(lambda: make_event(db, starts_at=NOW + timedelta(days=2)))
    granted = client.post(
        f"/api/events/{event}/dashboard-access", json={"phone": PHONE}, headers=auth()
    )
    assert granted.status_code == 201
    asked = client.post(f"/api/events/{event}/dashboard/code", json={"phone": PHONE})
    assert asked.status_code == 202, asked.text
    (stored,) = client.portal.call(lambda: messages(db, template="dashboard_code"))
    code = re.match(r"(\d{6}) ", stored.body)
    assert code is not None  # the text as the phone gets it
    listed = client.get("/api/messages", headers=auth()).json()["messages"]
    (shown,) = [m for m in listed if m["template"] == "dashboard_code"]
    assert code.group(1) not in shown["body"] and "not shown" in shown["body"]
    assert code.group(1) not in client.get("/api/messages", headers=auth()).text
