"""The back office through HTTP: who may open it, the generic tool handler (CSRF, role,
confirmation, typed money and local times, only-changed updates, errors shown on the form),
events and tiers, refunds and resends, customers, CSV exports, and the read pages."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from aitickets.settings import Settings
from tests.conftest import auth
from tests.web.test_login import sign_in
from tests.web.test_pages import csrf
from tests.web.test_shop import buy_free, shop

ADMIN_PAGES = [
    "/admin",
    "/admin/events",
    "/admin/events/new",
    "/admin/orders",
    "/admin/customers",
    "/admin/checkin",
    "/admin/messages",
    "/admin/webhooks",
    "/admin/access",
    "/admin/site",
    "/admin/tools",
    "/admin/tools/create_recurring_event",
]


def run(client: TestClient, tool: str, fields: dict[str, str], back: str = "/admin") -> Any:
    data = {"csrf_token": csrf(client, "/admin"), "_back": back, **fields}
    return client.post(f"/admin/run/{tool}", data=data, follow_redirects=False)


def new_key(client: TestClient, role: str) -> str:
    made = client.post("/api/keys", json={"name": f"{role} key", "role": role}, headers=auth())
    assert made.status_code == 201, made.text
    return str(made.json()["key"])


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    assert sign_in(client).status_code == 303
    return client


def test_strangers_are_sent_to_sign_in_and_agents_are_refused(client: TestClient) -> None:
    away = client.get("/admin/events", follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"] == "/login?next=/admin/events"
    posted = client.post("/admin/run/create_venue", data={"name": "X"}, follow_redirects=False)
    assert posted.status_code == 303
    agent = new_key(client, "agent")
    assert sign_in(client, agent).status_code == 303
    assert client.get("/admin").status_code == 403


def test_every_page_opens_for_an_admin(admin: TestClient, settings: Settings) -> None:
    event_id, (tier,) = shop(settings, [("GA", 0, 5)])
    order = buy_free(admin, event_id, tier)
    for path in [
        *ADMIN_PAGES,
        f"/admin/events/{event_id}",
        f"/admin/orders/{order['order_id']}",
        f"/admin/customers/{order['customer_id']}",
        f"/admin/checkin?event_id={event_id}",
    ]:
        page = admin.get(path)
        assert page.status_code == 200, path
        assert 'aria-label="Back office"' in page.text
    assert admin.get("/admin/events/999").status_code == 404
    assert admin.get("/admin/tools/no_such_tool").status_code == 404


def test_staff_see_what_their_role_allows(client: TestClient, settings: Settings) -> None:
    staff = new_key(client, "staff")
    assert sign_in(client, staff).status_code == 303
    overview = client.get("/admin")
    assert overview.status_code == 200
    assert 'href="/admin/events"' in overview.text and 'href="/admin/access"' not in overview.text
    assert client.get("/admin/access").status_code == 403
    refused = run(client, "create_api_key", {"name": "sneaky", "role": "admin"})
    assert refused.status_code == 403
    keys = client.get("/api/keys", headers=auth()).json()["keys"]
    assert all(k["name"] != "sneaky" for k in keys)


def test_an_event_and_its_tier_are_made_from_the_generated_forms(
    admin: TestClient, settings: Settings
) -> None:
    shop(settings, [("GA", 0, 5)])  # a venue (id 1, New York)
    form = admin.get("/admin/events/new").text
    assert re.search(r'<label for="t\d+-f-starts-at">Starts at</label>', form)
    assert '<option value="1">Blue Room</option>' in form
    made = run(
        admin,
        "create_event",
        {
            "name": "Backoffice Gala",
            "venue_id": "1",
            "starts_at": "2026-12-31T20:00",
            "description": "Fizz",
        },
        back="/admin/events/{id}",
    )
    assert made.status_code == 303
    event_id = int(made.headers["location"].rsplit("/", 1)[1])
    event = admin.get(f"/api/events/{event_id}").json()
    assert event["starts_at"].startswith("2027-01-01T01:00")  # 8 pm in New York, in UTC
    assert event["visibility"] == "public"
    page = admin.get(made.headers["location"])
    assert "Done: create event (Backoffice Gala)." in page.text
    assert re.search(r'<label for="t\d+-f-price-amount">Price \(\$\)', page.text)
    tier = run(
        admin,
        "create_ticket_tier",
        {"event_id": str(event_id), "name": "Patron", "price_amount": "25.50", "capacity": "100"},
        back=f"/admin/events/{event_id}",
    )
    assert tier.status_code == 303
    (made_tier,) = admin.get(f"/api/events/{event_id}").json()["tiers"]
    assert (made_tier["name"], made_tier["price_cents"], made_tier["capacity"]) == (
        "Patron",
        2550,
        100,
    )
    assert "Backoffice Gala" in admin.get("/events").text


def test_an_update_sends_only_what_changed(admin: TestClient, settings: Settings) -> None:
    event_id, _ = shop(settings, [("GA", 0, 5)])
    before = admin.get(f"/api/events/{event_id}").json()
    page = admin.get(f"/admin/events/{event_id}").text
    form = page[page.index('action="/admin/run/update_event"') :]
    form = form[: form.index("</form>")]
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    fields.pop("csrf_token")
    fields["name"] = "Jazz Night (late show)"
    changed = run(admin, "update_event", fields, back=f"/admin/events/{event_id}")
    assert changed.status_code == 303
    after = admin.get(f"/api/events/{event_id}").json()
    assert after["name"] == "Jazz Night (late show)"
    assert after["starts_at"] == before["starts_at"] and after["venue_id"] == before["venue_id"]
    domain = admin.get("/api/domain-events?after_id=0", headers=auth()).json()
    changes = [e["payload"]["changes"] for e in domain["events"] if e["kind"] == "event.updated"]
    assert changes == [["name"]]


def test_bad_input_is_shown_on_the_form_and_changes_nothing(
    admin: TestClient, settings: Settings
) -> None:
    event_id, _ = shop(settings, [("GA", 0, 5)])
    bad = run(
        admin,
        "create_ticket_tier",
        {"event_id": str(event_id), "name": "Oops", "price_amount": "lots", "capacity": "0"},
        back=f"/admin/events/{event_id}",
    )
    assert bad.status_code == 422
    assert 'role="alert"' in bad.text and 'value="lots"' in bad.text
    assert [t["name"] for t in admin.get(f"/api/events/{event_id}").json()["tiers"]] == ["GA"]
    forged = admin.post(
        "/admin/run/create_ticket_tier",
        data={"event_id": str(event_id), "name": "Forged", "capacity": "5", "csrf_token": "0" * 64},
    )
    assert forged.status_code == 403
    unconfirmed = run(admin, "cancel_event", {"event_id": str(event_id)})
    assert unconfirmed.status_code == 422 and "confirm" in unconfirmed.text
    assert admin.get(f"/api/events/{event_id}").json()["status"] == "scheduled"
    assert run(admin, "no_such_tool", {}).status_code == 404
    offsite = run(admin, "create_venue", {"name": "Hall"}, back="https://evil.example/")
    assert "location" not in offsite.headers  # never sent to another site


def test_refund_full_and_partial_and_resend(admin: TestClient, settings: Settings) -> None:
    event_id, (tier,) = shop(settings, [("GA", 2500, 10)])
    body = {
        "tier_id": tier,
        "quantity": 2,
        "customer": {"name": "Ann Lee", "email": "ann@example.com"},
        "payment": "cash",
    }
    sale = admin.post(f"/api/tickets/events/{event_id}/purchase", json=body, headers=auth()).json()
    first, second = (t["id"] for t in sale["tickets"])
    page = admin.get(f"/admin/orders/{sale['order_id']}").text
    assert "Refund order" in page and "Resend tickets" in page
    partial = run(
        admin, "refund_ticket", {"ticket_id": str(first), "amount_amount": "5.00", "_confirm": "on"}
    )
    assert partial.status_code == 303
    assert (
        admin.get(f"/api/orders/{sale['order_id']}", headers=auth()).json()["refunded_cents"] == 500
    )
    resent = run(admin, "resend_tickets", {"order_id": str(sale["order_id"])})
    assert resent.status_code == 303
    sent = admin.get("/api/messages", headers=auth()).json()["messages"]
    (again,) = [m for m in sent if m["template"] == "confirmation"]
    assert (
        again["to_address"] == "ann@example.com"
        and f"/my-tickets/{sale['access_token']}" in again["body"]
    )
    assert again["body"].rstrip().endswith("Blue Room")  # signed with the venue's name
    full = run(admin, "refund_order", {"order_id": str(sale["order_id"]), "_confirm": "on"})
    assert full.status_code == 303
    order = admin.get(f"/api/orders/{sale['order_id']}", headers=auth()).json()
    assert order["status"] == "refunded" and order["refunded_cents"] == 5000
    statuses = {
        admin.get(f"/api/tickets/{t}", headers=auth()).json()["status"] for t in (first, second)
    }
    assert statuses == {"refunded"}


def test_customer_notes_vip_and_do_not_contact(admin: TestClient, settings: Settings) -> None:
    event_id, (tier,) = shop(settings, [("GA", 0, 10)])
    customer = buy_free(admin, event_id, tier)["customer_id"]
    assert (
        run(
            admin,
            "add_customer_note",
            {"customer_id": str(customer), "body": "Likes the booth", "kind": "note"},
        ).status_code
        == 303
    )
    assert (
        run(admin, "set_vip_status", {"customer_id": str(customer), "vip": "on"}).status_code == 303
    )
    assert (
        run(
            admin,
            "mark_do_not_call",
            {"customer_id": str(customer), "do_not_call": "on", "reason": "asked"},
        ).status_code
        == 303
    )
    profile = admin.get(f"/api/event-goers/{customer}", headers=auth()).json()
    assert profile["vip"] is True and profile["preferences"].get("do_not_call")
    page = admin.get(f"/admin/customers/{customer}").text
    assert "Likes the booth" in page
    assert "Ada Lovelace" in admin.get("/admin/customers?q=ada").text
    unset = run(admin, "set_vip_status", {"customer_id": str(customer)})  # box left unticked
    assert unset.status_code == 303
    assert admin.get(f"/api/event-goers/{customer}", headers=auth()).json()["vip"] is False


def test_csv_exports_of_orders_and_attendees(admin: TestClient, settings: Settings) -> None:
    event_id, (tier,) = shop(settings, [("GA", 0, 10)])
    body = {
        "tier_id": tier,
        "quantity": 1,
        "customer": {"name": "=HYPERLINK(1)", "email": "x@example.com"},
    }
    admin.post(f"/api/tickets/events/{event_id}/purchase", json=body)
    buy_free(admin, event_id, tier)
    orders = admin.get(f"/admin/orders.csv?event_id={event_id}")
    assert orders.status_code == 200 and orders.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(orders.text)))
    assert rows[0][:4] == ["order_id", "event_id", "customer_id", "status"] and len(rows) == 3
    people = admin.get(f"/admin/events/{event_id}/attendees.csv")
    table = list(csv.reader(io.StringIO(people.text)))
    assert table[0][3:5] == ["tier_id", "tier"] and {r[4] for r in table[1:]} == {"GA"}
    names = [r[1] for r in table][1:]
    assert sorted(names) == ["'=HYPERLINK(1)", "Ada Lovelace"]  # a formula stays text
    assert admin.get("/admin/events/999/attendees.csv").status_code == 404
    assert admin.get("/admin/orders.csv?status=" + "x" * 30).status_code == 422


def test_order_search_finds_buyers_by_name_email_or_number(
    admin: TestClient, settings: Settings
) -> None:
    event_id, (tier,) = shop(settings, [("GA", 0, 10)])
    ada = buy_free(admin, event_id, tier)
    other = {
        "tier_id": tier,
        "quantity": 1,
        "customer": {"name": "Bo Diddley", "email": "bo@example.com"},
    }
    bo = admin.post(f"/api/tickets/events/{event_id}/purchase", json=other).json()

    def found(q: str) -> list[int]:
        listed = admin.get("/api/orders", params={"q": q}, headers=auth()).json()["orders"]
        return [o["id"] for o in listed]

    assert found("lovelace") == [ada["order_id"]]
    assert found("BO@EXAMPLE") == [bo["order_id"]]
    assert found(str(bo["order_id"])) == [bo["order_id"]]
    assert found("100%_") == []
    page = admin.get("/admin/orders?q=diddley").text
    assert (
        f'href="/admin/orders/{bo["order_id"]}"' in page
        and f'href="/admin/orders/{ada["order_id"]}"' not in page
    )


def test_an_api_key_made_here_is_shown_once(admin: TestClient) -> None:
    shown = admin.post(
        "/admin/run/create_api_key",
        data={"csrf_token": csrf(admin, "/admin"), "name": "box office", "role": "staff"},
    )
    assert shown.status_code == 200 and "shown once" in shown.text
    key = re.search(r"<td>key</td>\s*<td>([^<]+)</td>", shown.text)
    assert key is not None
    assert admin.get("/api/tickets/1", headers=auth(key.group(1))).status_code == 404  # valid key


def test_webhooks_and_their_deliveries(admin: TestClient, settings: Settings) -> None:
    hook = {"url": "https://93.184.215.14/hook", "events": ["ticket.purchased"]}
    made = admin.post("/api/webhooks/outbound", json=hook, headers=auth())
    assert made.status_code == 201, made.text
    page = admin.get("/admin/webhooks").text
    assert "https://93.184.215.14/hook" in page and "Send a test" in page
    deliveries = admin.get(f"/admin/webhooks/{made.json()['id']}")
    assert deliveries.status_code == 200 and "Nothing delivered yet." in deliveries.text
    assert admin.get("/admin/webhooks/999").status_code == 404


def test_times_in_tables_are_in_the_venue_zone(admin: TestClient, settings: Settings) -> None:
    event_id, (tier,) = shop(settings, [("GA", 0, 10)])
    buy_free(admin, event_id, tier)
    orders = admin.get("/admin/orders").text
    assert "Tue 24 Nov 2026, 12:00 PM" in orders  # 17:00 UTC is noon in New York


def test_a_recurring_series_from_its_form(admin: TestClient, settings: Settings) -> None:
    shop(settings, [("GA", 0, 5)])
    form = admin.get("/admin/events/series/new").text
    assert "For example [{&#34;name&#34;: &#34;GA&#34;" in form  # an example to copy
    made = run(
        admin,
        "create_recurring_event",
        {
            "name": "Open Mic",
            "venue_id": "1",
            "first_starts_at": "2026-12-03T19:30",
            "frequency": "weekly",
            "occurrences": "3",
            "tiers": '[{"name": "GA", "price_cents": 1000, "capacity": 40}]',
        },
        back="/admin/events",
    )
    assert made.status_code == 303
    listed = admin.get("/api/events", params={"q": "Open Mic"}).json()["events"]
    assert [e["starts_at"][:16] for e in listed] == [
        "2026-12-04T00:30",
        "2026-12-11T00:30",
        "2026-12-18T00:30",
    ]
    assert all(e["tiers"][0]["price_cents"] == 1000 for e in listed)
    page = admin.get(f"/admin/events/{listed[0]['id']}").text
    assert "Change every date of this series" in page


def test_a_refunded_order_offers_no_second_refund(admin: TestClient, settings: Settings) -> None:
    event_id, (tier,) = shop(settings, [("GA", 2500, 10)])
    body = {"tier_id": tier, "quantity": 1, "customer": {"name": "Cy"}, "payment": "cash"}
    sale = admin.post(f"/api/tickets/events/{event_id}/purchase", json=body, headers=auth()).json()
    assert "Refund ticket" in admin.get(f"/admin/orders/{sale['order_id']}").text
    assert (
        run(
            admin, "refund_order", {"order_id": str(sale["order_id"]), "_confirm": "on"}
        ).status_code
        == 303
    )
    page = admin.get(f"/admin/orders/{sale['order_id']}").text
    assert "Refund ticket" not in page and "Refund order" not in page


def test_the_overview_charts_sales_across_events(admin: TestClient, settings: Settings) -> None:
    event_id, (tier,) = shop(settings, [("GA", 2500, 10)])
    body = {"tier_id": tier, "quantity": 2, "customer": {"name": "Cy"}, "payment": "cash"}
    assert (
        admin.post(
            f"/api/tickets/events/{event_id}/purchase", json=body, headers=auth()
        ).status_code
        == 201
    )
    page = admin.get("/admin").text
    assert page.count('<svg viewBox="0 0 640 240" role="img"') == 3
    assert re.search(r'<rect [^>]*class="bar"><title>Nov 24: 2 tickets</title>', page)
    assert re.search(r'<rect [^>]*class="bar"><title>Nov 24: 50 dollars</title>', page)
    assert "Sales by event, last 30 days" in page and "$50.00" in page


@pytest.mark.parametrize("zone", ["America", "../etc/passwd", "Nope/Zone", "x" * 300, ""])
def test_a_tampered_zone_is_utc_not_an_error(
    admin: TestClient, settings: Settings, zone: str
) -> None:
    event_id, _ = shop(settings, [("GA", 0, 5)])
    made = run(
        admin,
        "postpone_event",
        {
            "event_id": str(event_id),
            "new_starts_at": "2026-12-20T20:00",
            "_zone": zone,
            "_confirm": "on",
        },
        back=f"/admin/events/{event_id}",
    )
    assert made.status_code == 303
    moved = admin.get(f"/api/events/{event_id}").json()["starts_at"]
    assert moved.startswith("2026-12-21T01:00")  # no usable zone sent: the event's own (New York)
    bad = run(
        admin,
        "create_ticket_tier",
        {"event_id": str(event_id), "name": "X", "capacity": "-1", "_zone": zone},
    )
    assert bad.status_code == 422
