import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from aitickets.errors import Ambiguous, Conflict, Forbidden, InvalidInput, NotFound
from persistence.db import Database
from persistence.models import Customer, CustomerLink, CustomerNote, DomainEvent, Order, Ticket
from tests.conftest import ACTORS, NOW
from tests.factories import make_customer, make_event, make_ticket, make_tier
from tools.customers import upsert_customer


async def _order(
    db: Database,
    event_id: int,
    tier_id: int,
    buyer: int,
    holders: list[tuple[int, str]],
    *,
    status: str = "paid",
    refunded: int = 0,
    price: int = 1000,
    checked_in: bool = False,
) -> int:
    """An order bought by `buyer` with one ticket per (holder customer id, holder name)."""
    async with db.unit_of_work() as s:
        order = Order(
            event_id=event_id,
            customer_id=buyer,
            status=status,
            payment_method="card",
            subtotal_cents=price * len(holders),
            total_cents=price * len(holders),
            refunded_cents=refunded,
            access_token=secrets.token_urlsafe(24),
            created_at=NOW,
        )
        s.add(order)
        await s.flush()
        for holder_id, holder_name in holders:
            s.add(
                Ticket(
                    order_id=order.id,
                    event_id=event_id,
                    tier_id=tier_id,
                    customer_id=holder_id,
                    holder_name=holder_name,
                    qr_token=secrets.token_urlsafe(24),
                    price_cents=price,
                    checked_in_at=NOW if checked_in else None,
                    created_at=NOW,
                )
            )
        return order.id


async def _staff(runner, tool: str, **arguments):
    """Like the `call` fixture, for tools with a `name` argument (which `call` takes itself)."""
    return await runner.call(tool, arguments, ACTORS["staff"])


async def _events(db: Database, kind: str) -> list[DomainEvent]:
    async with db.sessions() as s:
        return list((await s.scalars(select(DomainEvent).where(DomainEvent.kind == kind))).all())


# register / update


async def test_register_normalises_contact_and_emits_event(runner, db) -> None:
    out = await _staff(
        runner,
        "register_customer",
        name="  María López ",
        email="Maria@Example.COM",
        phone="(555) 010-0104",
        preferences={"seating": "aisle", "favourite_event_types": ["Jazz", "jazz", "Comedy"]},
    )
    assert (out.name, out.email, out.phone) == ("María López", "maria@example.com", "+15550100104")
    assert out.sms_opt_in is False and out.email_opt_in is True
    assert out.preferences == {"seating": "aisle", "favourite_event_types": ["jazz", "comedy"]}
    async with db.sessions() as s:
        assert (await s.get(Customer, out.id)).name_key == "maria lopez"
    [event] = await _events(db, "customer.registered")
    assert event.payload == {"customer_id": out.id, "vip": False, "source": "staff"}
    assert event.actor == "door"


async def test_register_refuses_duplicate_email_naming_the_owner(runner, db) -> None:
    owner = await make_customer(db, "Jane Doe", email="jane@example.com")
    with pytest.raises(Conflict) as err:
        await _staff(runner, "register_customer", name="J. Doe", email="JANE@example.com")
    assert "Jane Doe" in err.value.message and err.value.details["existing_id"] == owner
    assert await _events(db, "customer.registered") == []


@pytest.mark.parametrize(
    "bad",
    [
        {"email": "not-an-email"},
        {"phone": "12"},
        {"birthday": "2030-01-01"},
        {"preferences": {"contact_method": "carrier pigeon"}},
        {"preferences": {"favourite_colour": "blue"}},
        {"nickname": "JJ"},
        {"name": "   "},
    ],
)
async def test_register_rejects_bad_input(runner, bad) -> None:
    with pytest.raises(InvalidInput):
        await _staff(runner, "register_customer", **{"name": "Jo Jo", **bad})


async def test_update_changes_only_given_fields_and_reindexes_name(call, runner, db) -> None:
    cid = await make_customer(db, "Jon Smith", email="jon@example.com", phone="+15550100001")
    out = await _staff(
        runner, "update_customer", customer_id=cid, name="Jonathan Smith", phone=None
    )
    assert (out.name, out.email, out.phone) == ("Jonathan Smith", "jon@example.com", None)
    found = await call("search_customers", as_="staff", q="jonathan")
    assert [c.id for c in found.customers] == [cid]
    [event] = await _events(db, "customer.updated")
    assert event.payload == {"customer_id": cid, "fields": ["name", "phone"]}


async def test_update_refuses_taken_email_empty_update_and_null_name(call, runner, db) -> None:
    await make_customer(db, "Jane Doe", email="jane@example.com")
    cid = await make_customer(db, "Jon Smith", email="jon@example.com")
    with pytest.raises(Conflict):
        await call("update_customer", as_="staff", customer_id=cid, email="Jane@example.com")
    # Keeping one's own email is not a conflict.
    same = await call("update_customer", as_="staff", customer_id=cid, email="JON@example.com")
    assert same.email == "jon@example.com"
    with pytest.raises(InvalidInput, match="Nothing to change"):
        await call("update_customer", as_="staff", customer_id=cid)
    with pytest.raises(InvalidInput, match="name"):
        await _staff(runner, "update_customer", customer_id=cid, name=None)
    with pytest.raises(NotFound):
        await _staff(runner, "update_customer", customer_id=999, name="X")


# profile


async def test_profile_spend_counts_every_order_net_of_refunds(call, db) -> None:
    cid = await make_customer(db, "Big Spender")
    event = await make_event(db, "Jazz Night")
    tier = await make_tier(db, event)
    for _ in range(12):  # more orders than the history shows
        await _order(db, event, tier, cid, [(cid, "Big Spender")], price=1000)
    await _order(db, event, tier, cid, [(cid, "Big Spender")], price=5000, refunded=2000)
    await _order(db, event, tier, cid, [(cid, "Big Spender")], status="refunded", refunded=1000)
    await _order(db, event, tier, cid, [(cid, "Big Spender")], status="pending", price=9999)
    profile = await call("get_customer_profile", as_="staff", customer_id=cid, history_limit=5)
    assert profile.lifetime_spend_cents == 12 * 1000 + 3000
    assert profile.order_count == 14
    assert len(profile.history) == 5
    assert profile.history[0].event_name == "Jazz Night"
    assert profile.last_order_at == NOW


async def test_profile_counts_tickets_attendance_notes_and_links(call, db) -> None:
    cid = await make_customer(db, "John Smith")
    wife = await make_customer(db, "Mary Smith")
    first = await make_event(db, "Jazz Night")
    second = await make_event(db, "Comedy Hour", starts_at=NOW + timedelta(days=3))
    t1, t2 = await make_tier(db, first), await make_tier(db, second)
    await _order(db, first, t1, cid, [(cid, "John Smith"), (cid, "John Smith")], checked_in=True)
    await _order(db, second, t2, cid, [(cid, "John Smith"), (wife, "Mary Smith")])
    await call("add_customer_note", as_="staff", customer_id=cid, body="Likes the front row")
    await call("link_customers", as_="staff", customer_id=cid, related_id=wife, relation="wife")
    profile = await call("get_customer_profile", as_="staff", customer_id=cid)
    assert profile.ticket_count == 3  # Mary's ticket is hers
    assert profile.events_attended == 1
    assert {h.event_name: h.ticket_count for h in profile.history} == {
        "Jazz Night": 2,
        "Comedy Hour": 2,
    }
    assert [n.body for n in profile.notes] == ["Likes the front row"]
    assert [(k.related_name, k.relation) for k in profile.links] == [("Mary Smith", "wife")]


async def test_profile_of_unknown_customer_is_not_found(call) -> None:
    with pytest.raises(NotFound, match="customer"):
        await call("get_customer_profile", as_="staff", customer_id=404)


# search and lookup


async def test_search_puts_substring_matches_before_fuzzy_ones(call, db) -> None:
    john = await make_customer(db, "John Smith")
    johnny = await make_customer(db, "Johnny Walker")
    await make_customer(db, "Alice Jones")
    found = await call("search_customers", as_="staff", q="Jon Smth")
    assert [(c.id, c.match) for c in found.customers] == [(john, "fuzzy_name")]
    assert found.customers[0].score >= 80
    found = await call("search_customers", as_="staff", q="john")
    assert [(c.id, c.match, c.score) for c in found.customers] == [
        (john, "name", 100),
        (johnny, "name", 100),
    ]


async def test_search_accent_and_case_insensitive(call, db) -> None:
    cid = await make_customer(db, "Zoë Ångström")
    found = await call("search_customers", as_="staff", q="ZOE ANGSTROM")
    assert [c.id for c in found.customers] == [cid]


async def test_search_treats_percent_and_underscore_literally(call, db) -> None:
    percent = await make_customer(db, "100% Club")
    await make_customer(db, "1000 Club")
    under = await make_customer(db, "Ann_Lee")
    await make_customer(db, "AnnaLee")
    found = await call("search_customers", as_="staff", q="100%")
    assert [c.id for c in found.customers if c.match == "name"] == [percent]
    found = await call("search_customers", as_="staff", q="n_l")
    assert [c.id for c in found.customers if c.match == "name"] == [under]


async def test_search_by_phone_in_any_format_and_email_any_case(call, db) -> None:
    cid = await make_customer(db, "Jane Doe", email="jane@example.com", phone="+15550100104")
    await make_customer(db, "Other", phone="+15550100999")
    for q in ("555-010-0104", "(555) 010 0104", "+1 555 010 0104", "5550100104"):
        found = await call("search_customers", as_="staff", q=q)
        assert [(c.id, c.match) for c in found.customers] == [(cid, "phone")], q
    found = await call("search_customers", as_="staff", q="JANE@Example.com")
    assert [(c.id, c.match) for c in found.customers] == [(cid, "email")]
    assert (await call("search_customers", as_="staff", q="0000000")).total == 0


async def test_search_filters_vip_and_pages(call, db) -> None:
    ids = [await make_customer(db, f"Guest {n:02}", vip=n % 2 == 0) for n in range(10)]
    page = await call("search_customers", as_="staff", vip=True, limit=2, offset=2)
    assert page.total == 5
    assert [c.id for c in page.customers] == [ids[4], ids[6]]
    assert all(c.match == "all" and c.vip for c in page.customers)
    with pytest.raises(InvalidInput):
        await call("search_customers", as_="staff", limit=0)


async def test_lookup_by_email_or_phone(call, db) -> None:
    cid = await make_customer(db, "Jane Doe", email="jane@example.com", phone="+15550100104")
    assert (await call("lookup_customer", as_="staff", email="Jane@Example.com")).id == cid
    assert (await call("lookup_customer", as_="staff", phone="555.010.0104")).id == cid
    with pytest.raises(NotFound):
        await call("lookup_customer", as_="staff", email="nobody@example.com")
    with pytest.raises(InvalidInput, match="exactly one"):
        await call("lookup_customer", as_="staff")
    with pytest.raises(InvalidInput, match="exactly one"):
        await call("lookup_customer", as_="staff", email="jane@example.com", phone="5550100104")


async def test_lookup_of_shared_phone_is_ambiguous(call, db) -> None:
    a = await make_customer(db, "John Smith", phone="+15550100104")
    b = await make_customer(db, "Mary Smith", phone="+15550100104")
    with pytest.raises(Ambiguous) as err:
        await call("lookup_customer", as_="staff", phone="555 010 0104")
    assert [o["id"] for o in err.value.details["options"]] == [a, b]


async def test_personal_data_needs_a_staff_key(call, db) -> None:
    cid = await make_customer(db)
    with pytest.raises(Forbidden):
        await call("search_customers", as_="agent", q="john")
    with pytest.raises(Forbidden):
        await call("get_customer_profile", as_="public", customer_id=cid)
    with pytest.raises(Forbidden):
        await call("delete_customer", as_="staff", customer_id=cid)


# notes, preferences, VIP, do-not-call


async def test_notes_newest_first_filtered_by_kind(call, clock, db) -> None:
    cid = await make_customer(db)
    await call("add_customer_note", as_="staff", customer_id=cid, body="Regular at jazz nights")
    clock.advance(minutes=5)
    note = await call(
        "add_customer_note", as_="staff", customer_id=cid, body="Anniversary in May", kind="insight"
    )
    assert (note.kind, note.author, note.created_at) == ("insight", "door", clock.at)
    listing = await call("get_customer_notes", as_="staff", customer_id=cid)
    assert [n.body for n in listing.notes] == ["Anniversary in May", "Regular at jazz nights"]
    insights = await call("get_customer_notes", as_="staff", customer_id=cid, kind="insight")
    assert (insights.total, insights.notes[0].id) == (1, note.id)
    with pytest.raises(InvalidInput):
        await call("add_customer_note", as_="staff", customer_id=cid, body="", kind="note")
    with pytest.raises(InvalidInput):
        await call("add_customer_note", as_="staff", customer_id=cid, body="x", kind="gossip")


async def test_do_not_call_note_sets_the_flag(call, db) -> None:
    cid = await make_customer(db)
    await call("add_customer_note", as_="staff", customer_id=cid, body="No", kind="do_not_call")
    profile = await call("get_customer_profile", as_="staff", customer_id=cid)
    assert profile.do_not_call is True
    [event] = await _events(db, "customer.do_not_call")
    assert event.payload == {"customer_id": cid, "do_not_call": True}


async def test_mark_do_not_call_adds_note_once_and_can_be_lifted(call, db) -> None:
    cid = await make_customer(db)
    out = await call("mark_do_not_call", as_="staff", customer_id=cid, reason="Asked on the phone")
    again = await call("mark_do_not_call", as_="staff", customer_id=cid)
    assert out.do_not_call and again.do_not_call
    notes = await call("get_customer_notes", as_="staff", customer_id=cid, kind="do_not_call")
    assert [n.body for n in notes.notes] == ["Asked on the phone"]
    lifted = await call("mark_do_not_call", as_="staff", customer_id=cid, do_not_call=False)
    assert lifted.do_not_call is False and "do_not_call" not in lifted.preferences
    latest = (await call("get_customer_notes", as_="staff", customer_id=cid)).notes[0]
    assert (latest.kind, latest.body) == ("note", "Calls allowed again.")
    assert [e.payload["do_not_call"] for e in await _events(db, "customer.do_not_call")] == [
        True,
        False,
    ]


async def test_preferences_merge_and_null_removes(call, db) -> None:
    cid = await make_customer(db)
    await call(
        "update_customer_preferences",
        as_="staff",
        customer_id=cid,
        seating="aisle",
        language="es",
        contact_method="sms",
    )
    out = await call(
        "update_customer_preferences",
        as_="staff",
        customer_id=cid,
        seating=None,
        favourite_event_types=["Jazz"],
    )
    assert out.preferences == {
        "language": "es",
        "contact_method": "sms",
        "favourite_event_types": ["jazz"],
    }
    with pytest.raises(InvalidInput, match="Nothing to change"):
        await call("update_customer_preferences", as_="staff", customer_id=cid)
    with pytest.raises(InvalidInput):
        await call("update_customer_preferences", as_="staff", customer_id=cid, vip=True)


async def test_vip_status_emits_only_on_change(call, db) -> None:
    cid = await make_customer(db)
    assert (await call("set_vip_status", as_="staff", customer_id=cid)).vip is True
    await call("set_vip_status", as_="staff", customer_id=cid, vip=True)
    assert (await call("set_vip_status", as_="staff", customer_id=cid, vip=False)).vip is False
    events = await _events(db, "customer.vip_changed")
    assert [e.payload["vip"] for e in events] == [True, False]


# links and parties


async def test_link_stores_the_obvious_inverse_and_relinking_updates(call, db) -> None:
    john = await make_customer(db, "John Smith")
    mary = await make_customer(db, "Mary Smith")
    out = await call(
        "link_customers", as_="staff", customer_id=john, related_id=mary, relation="wife"
    )
    assert {(k.customer_id, k.related_id, k.relation) for k in out.links} == {
        (john, mary, "wife"),
        (mary, john, "husband"),
    }
    out = await call(
        "link_customers", as_="staff", customer_id=john, related_id=mary, relation="partner"
    )
    assert {k.relation for k in out.links} == {"partner"}
    async with db.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(CustomerLink)) == 2


async def test_link_without_obvious_inverse_is_one_way(call, db) -> None:
    host = await make_customer(db, "Host")
    guest = await make_customer(db, "Guest")
    out = await call(
        "link_customers", as_="staff", customer_id=host, related_id=guest, relation="guest"
    )
    assert [(k.customer_id, k.related_id) for k in out.links] == [(host, guest)]


async def test_link_refuses_self_and_unknown_customers(call, db) -> None:
    cid = await make_customer(db)
    with pytest.raises(InvalidInput, match="themselves"):
        await call(
            "link_customers", as_="staff", customer_id=cid, related_id=cid, relation="friend"
        )
    with pytest.raises(NotFound):
        await call(
            "link_customers", as_="staff", customer_id=cid, related_id=999, relation="friend"
        )
    with pytest.raises(InvalidInput):
        await call(
            "link_customers", as_="staff", customer_id=cid, related_id=cid, relation="nemesis"
        )


async def test_unlink_removes_both_directions(call, db) -> None:
    a = await make_customer(db, "A")
    b = await make_customer(db, "B")
    await call("link_customers", as_="staff", customer_id=a, related_id=b, relation="friend")
    out = await call("unlink_customers", as_="staff", customer_id=b, related_id=a)
    assert out.removed == 2
    with pytest.raises(NotFound):
        await call("unlink_customers", as_="staff", customer_id=a, related_id=b)


async def test_party_combines_links_shared_orders_and_guest_names(call, db) -> None:
    john = await make_customer(db, "John Smith")
    mary = await make_customer(db, "Mary Smith")
    pal = await make_customer(db, "Pat Pal")
    host = await make_customer(db, "Helen Host")
    await make_customer(db, "Stranger")
    jazz = await make_event(db, "Jazz Night")
    comedy = await make_event(db, "Comedy Hour")
    tj, tc = await make_tier(db, jazz), await make_tier(db, comedy)
    await call("link_customers", as_="staff", customer_id=john, related_id=mary, relation="wife")
    await _order(db, jazz, tj, john, [(john, "John Smith"), (pal, "Pat Pal"), (john, "Tim")])
    await _order(db, comedy, tc, host, [(host, "Helen Host"), (john, "John Smith")])
    party = await call("get_customer_party", as_="staff", customer_id=john)
    assert [(m.name, m.relation, m.shared_orders) for m in party.members] == [
        ("Mary Smith", "wife", 0),
        ("Helen Host", None, 1),
        ("Pat Pal", None, 1),
    ]
    assert party.guest_names == ["Tim"]
    tonight = await call("get_customer_party", as_="staff", customer_id=john, event_id=jazz)
    assert [m.name for m in tonight.members] == ["Mary Smith", "Pat Pal"]
    # Seen from Mary's side, the link reads the other way.
    hers = await call("get_customer_party", as_="staff", customer_id=mary)
    assert [(m.name, m.relation) for m in hers.members] == [("John Smith", "husband")]


async def test_tickets_include_ones_bought_for_others_with_qr(call, db) -> None:
    john = await make_customer(db, "John Smith")
    mary = await make_customer(db, "Mary Smith")
    jazz = await make_event(db, "Jazz Night")
    later = await make_event(db, "Late Show", starts_at=NOW + timedelta(days=9))
    tj, tl = await make_tier(db, jazz, "Balcony"), await make_tier(db, later)
    await _order(db, jazz, tj, john, [(john, "John Smith"), (mary, "Mary Smith")])
    await make_ticket(db, later, tl, john)
    await make_ticket(db, later, tl, mary, holder_name="Mary Smith")  # not John's
    out = await call("get_customer_tickets", as_="staff", customer_id=john)
    assert out.total == 3
    assert [t.event_name for t in out.tickets] == ["Late Show", "Jazz Night", "Jazz Night"]
    guest = out.tickets[2]
    assert (guest.holder_name, guest.holder_customer_id, guest.bought_by_customer_id) == (
        "Mary Smith",
        mary,
        john,
    )
    assert guest.tier_name == "Balcony" and len(guest.qr_token) > 20
    only = await call("get_customer_tickets", as_="staff", customer_id=john, event_id=later)
    assert only.total == 1


# delete


async def test_delete_refuses_customers_with_history(call, db) -> None:
    cid = await make_customer(db)
    event = await make_event(db)
    await make_ticket(db, event, await make_tier(db, event), cid)
    with pytest.raises(Conflict, match="purchase history"):
        await call("delete_customer", as_="admin", customer_id=cid)


async def test_delete_removes_customer_notes_and_links(call, db) -> None:
    cid = await make_customer(db, "Duplicate")
    other = await make_customer(db, "Friend")
    await call("add_customer_note", as_="staff", customer_id=cid, body="dup of 2")
    await call("link_customers", as_="staff", customer_id=cid, related_id=other, relation="friend")
    out = await call("delete_customer", as_="admin", customer_id=cid)
    assert (out.customer_id, out.name, out.deleted) == (cid, "Duplicate", True)
    async with db.sessions() as s:
        assert await s.get(Customer, cid) is None
        assert await s.scalar(select(func.count()).select_from(CustomerNote)) == 0
        assert await s.scalar(select(func.count()).select_from(CustomerLink)) == 0
    assert [e.payload for e in await _events(db, "customer.deleted")] == [{"customer_id": cid}]
    with pytest.raises(NotFound):
        await call("delete_customer", as_="admin", customer_id=cid)


# upsert_customer (the purchase flow's helper) as staff use it; public input is in
# tests/security/test_customer_hijack.py


async def test_upsert_finds_by_email_keeps_name_and_fills_phone(db) -> None:
    cid = await make_customer(db, "Jane Doe", email="jane@example.com")
    async with db.unit_of_work() as s:
        row, created = await upsert_customer(
            s, name="J Doe", email="JANE@example.com", phone="555 010 0104", now=NOW, trusted=True
        )
        assert (row.id, created, row.name, row.phone) == (cid, False, "Jane Doe", "+15550100104")


async def test_upsert_by_phone_and_creates_when_unknown(db) -> None:
    cid = await make_customer(db, "John Smith", phone="+15550100104")
    async with db.unit_of_work() as s:
        row, created = await upsert_customer(
            s,
            name="Johnny",
            email="john@example.com",
            phone="(555) 010-0104",
            now=NOW,
            trusted=True,
        )
        assert (row.id, created, row.email) == (cid, False, "john@example.com")
        # Same phone, but that record now has another email: a different person.
        wife, created = await upsert_customer(
            s,
            name="Mary Smith",
            email="mary@example.com",
            phone="5550100104",
            now=NOW,
            trusted=True,
        )
        assert created and wife.id != cid and wife.name_key == "mary smith"
        with pytest.raises(InvalidInput):
            await upsert_customer(s, name="X", email=None, phone="12", now=NOW)
