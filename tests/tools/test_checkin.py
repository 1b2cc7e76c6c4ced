"""Admission at the door: QR scans, check-in by spoken name, whole parties, undo and stats."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from aitickets.errors import Ambiguous, Conflict, Forbidden, InvalidInput, NotFound
from persistence.db import Database
from persistence.models import CheckIn, DomainEvent, Ticket
from tests.conftest import ACTORS, NOW
from tests.factories import make_customer, make_event, make_ticket, make_tier, make_venue

TONIGHT = NOW + timedelta(hours=8)  # 20:00 in New York, already tomorrow in UTC


async def _ticket(db: Database, ticket_id: int) -> Ticket:
    async with db.sessions() as s:
        ticket = await s.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket


async def _qr(db: Database, ticket_id: int) -> str:
    return (await _ticket(db, ticket_id)).qr_token


async def _log(db: Database) -> list[CheckIn]:
    async with db.sessions() as s:
        return list((await s.scalars(select(CheckIn).order_by(CheckIn.id))).all())


async def _events(db: Database, kind: str) -> list[DomainEvent]:
    async with db.sessions() as s:
        query = select(DomainEvent).where(DomainEvent.kind == kind).order_by(DomainEvent.id)
        return list((await s.scalars(query)).all())


@pytest.fixture
async def door(db: Database) -> dict[str, int]:
    """Tonight's show in New York with John Smith holding one ticket."""
    event = await make_event(db, starts_at=TONIGHT)
    tier = await make_tier(db, event)
    john = await make_customer(db, "John Smith", email="john@example.com")
    ticket = await make_ticket(db, event, tier, john)
    return {"event": event, "tier": tier, "john": john, "ticket": ticket}


async def _guest(db: Database, door: dict[str, int], name: str, **kwargs: Any) -> int:
    customer = await make_customer(db, name)
    return await make_ticket(db, door["event"], door["tier"], customer, holder_name=name, **kwargs)


async def _sell(call, door: dict[str, int], name: str, quantity: int) -> Any:
    return await call(
        "purchase_tickets",
        as_="staff",
        event_id=door["event"],
        tier_id=door["tier"],
        quantity=quantity,
        payment="cash",
        customer={"name": name},
    )


# --- QR scans --------------------------------------------------------------------------------


async def test_scan_admits_a_valid_ticket_at_the_clock_time(call, db, door, clock) -> None:
    clock.advance(hours=7, minutes=45)
    out = await call("check_in_ticket", as_="staff", qr_token=await _qr(db, door["ticket"]))
    assert (out.id, out.status, out.holder_name) == (door["ticket"], "checked_in", "John Smith")
    assert out.checked_in_at == NOW + timedelta(hours=7, minutes=45)
    stored = await _ticket(db, door["ticket"])
    assert (stored.status, stored.checked_in_at) == ("checked_in", out.checked_in_at)


async def test_scan_writes_the_log_and_a_domain_event_without_the_code(call, db, door) -> None:
    qr = await _qr(db, door["ticket"])
    await call("check_in_ticket", as_="staff", qr_token=qr)
    [entry] = await _log(db)
    assert (entry.ticket_id, entry.event_id, entry.action, entry.method, entry.actor) == (
        door["ticket"],
        door["event"],
        "check_in",
        "qr",
        "door",
    )
    [event] = await _events(db, "ticket.checked_in")
    assert event.event_id == door["event"] and event.actor == "door"
    assert event.payload["ticket_id"] == door["ticket"]
    assert event.payload["checked_in_at"] == NOW.isoformat()
    assert qr not in str(event.payload)


async def test_a_second_scan_says_when_the_first_was(call, db, door, clock) -> None:
    qr = await _qr(db, door["ticket"])
    first = await call("check_in_ticket", as_="staff", qr_token=qr)
    clock.advance(minutes=10)
    with pytest.raises(Conflict) as err:
        await call("check_in_ticket", as_="staff", qr_token=qr)
    assert err.value.code == "already_checked_in"
    assert err.value.details["checked_in_at"] == first.checked_in_at.isoformat()
    assert "17:00" in err.value.message
    assert len(await _log(db)) == 1 and len(await _events(db, "ticket.checked_in")) == 1
    assert (await _ticket(db, door["ticket"])).checked_in_at == NOW


async def test_twenty_simultaneous_scans_admit_once(runner, db, door) -> None:
    arguments = {"qr_token": await _qr(db, door["ticket"])}
    results = await asyncio.gather(
        *(runner.call("check_in_ticket", arguments, ACTORS["staff"]) for _ in range(20)),
        return_exceptions=True,
    )
    admitted = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(admitted) == 1
    assert all(isinstance(e, Conflict) and e.code == "already_checked_in" for e in refused)
    assert len(await _log(db)) == 1 and len(await _events(db, "ticket.checked_in")) == 1


@pytest.mark.parametrize("status", ["refunded", "cancelled"])
async def test_void_tickets_do_not_admit(call, db, door, status) -> None:
    ticket = await _guest(db, door, "Mary Jones", status=status)
    with pytest.raises(Conflict) as err:
        await call("check_in_ticket", as_="staff", qr_token=await _qr(db, ticket))
    assert err.value.code == status and err.value.details["ticket_id"] == ticket
    assert (await _ticket(db, ticket)).status == status
    assert await _log(db) == []


async def test_a_refund_stops_the_ticket_at_the_door(call, db, door) -> None:
    await call("refund_ticket", as_="staff", ticket_id=door["ticket"])
    with pytest.raises(Conflict) as err:
        await call("check_in_ticket", as_="staff", qr_token=await _qr(db, door["ticket"]))
    assert err.value.code == "refunded"


async def test_scan_for_another_event_is_refused(call, db, door) -> None:
    other = await make_event(db, "Comedy Night", starts_at=TONIGHT)
    qr = await _qr(db, door["ticket"])
    with pytest.raises(Conflict) as err:
        await call("check_in_ticket", as_="staff", qr_token=qr, event_id=other)
    assert err.value.code == "wrong_event"
    assert err.value.details["ticket_event_id"] == door["event"]
    assert (await _ticket(db, door["ticket"])).status == "valid"
    ok = await call("check_in_ticket", as_="staff", qr_token=qr, event_id=door["event"])
    assert ok.status == "checked_in"


async def test_unknown_and_malformed_codes(call, door) -> None:
    with pytest.raises(NotFound) as err:
        await call("check_in_ticket", as_="staff", qr_token="A" * 32)
    assert err.value.code == "unknown_ticket"
    for bad in ("short", "x" * 65, ""):
        with pytest.raises(InvalidInput):
            await call("check_in_ticket", as_="staff", qr_token=bad)


@pytest.mark.parametrize("role", ["public", "agent"])
async def test_check_in_is_for_staff(call, db, door, role) -> None:
    qr = await _qr(db, door["ticket"])
    with pytest.raises(Forbidden):
        await call("check_in_ticket", as_=role, qr_token=qr)
    with pytest.raises(Forbidden):
        await call("check_in_by_name", as_=role, name="John Smith")
    assert (await _ticket(db, door["ticket"])).status == "valid"


# --- by name ---------------------------------------------------------------------------------


async def test_check_in_by_exact_name_finds_tonights_show(call, db, door) -> None:
    out = await call("check_in_by_name", as_="staff", name="  john SMITH ")
    assert out.event_id == door["event"]
    assert [t.id for t in out.checked_in] == [door["ticket"]]
    assert (out.already_checked_in, out.remaining_on_order) == (0, 0)
    [entry] = await _log(db)
    assert entry.method == "name"


async def test_check_in_by_a_misspelled_name(call, db, door) -> None:
    await _guest(db, door, "Jane Smith")
    await _guest(db, door, "Mike Brown")
    out = await call("check_in_by_name", as_="staff", name="Jon Smyth")
    assert [t.holder_name for t in out.checked_in] == ["John Smith"]


async def test_unknown_name_or_event_is_not_found(call, door) -> None:
    with pytest.raises(NotFound) as err:
        await call("check_in_by_name", as_="staff", name="Zed Quartermaine")
    assert err.value.code == "no_guest"
    with pytest.raises(NotFound):
        await call("check_in_by_name", as_="staff", name="John Smith", event_id=999)
    with pytest.raises(InvalidInput):
        await call("check_in_by_name", as_="staff", name="")


async def test_todays_event_is_chosen_in_the_venues_time_zone(call, db) -> None:
    # 08:00 UTC on the 24th is still the 23rd in Honolulu; 01:00 UTC on the 25th is tonight in
    # New York. Judged in UTC the wrong show would be "today".
    honolulu = await make_venue(db, "Beach Bar", tz="Pacific/Honolulu")
    new_york = await make_venue(db, "Blue Room")
    late = await make_event(
        db, "Luau", venue_id=honolulu, starts_at=datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    )
    tonight = await make_event(
        db, "Jazz Night", venue_id=new_york, starts_at=datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    )
    for event in (late, tonight):
        tier = await make_tier(db, event)
        await make_ticket(db, event, tier, await make_customer(db, "John Smith"))
    out = await call("check_in_by_name", as_="staff", name="John Smith")
    assert out.event_id == tonight


async def test_no_event_today_is_not_found(call, db) -> None:
    event = await make_event(db, starts_at=NOW + timedelta(days=3))
    await make_ticket(db, event, await make_tier(db, event), await make_customer(db))
    with pytest.raises(NotFound) as err:
        await call("check_in_by_name", as_="staff", name="John Smith")
    assert err.value.code == "no_event_today"
    # Naming the event works on any day.
    out = await call("check_in_by_name", as_="staff", name="John Smith", event_id=event)
    assert out.event_id == event


async def test_several_events_today_is_a_question(call, db, door) -> None:
    early = await make_event(db, "Matinee", starts_at=NOW + timedelta(hours=2))
    with pytest.raises(Ambiguous) as err:
        await call("check_in_by_name", as_="staff", name="John Smith")
    options = err.value.details["options"]
    assert {o["id"] for o in options} == {early, door["event"]}
    assert (await _ticket(db, door["ticket"])).status == "valid"


async def test_cancelled_events_are_not_tonights_show(call, db, door) -> None:
    await make_event(db, "Called Off", starts_at=NOW + timedelta(hours=2), status="cancelled")
    out = await call("check_in_by_name", as_="staff", name="John Smith")
    assert out.event_id == door["event"]


async def test_two_guests_with_the_same_name_is_a_question(call, db, door) -> None:
    other = await _guest(db, door, "John Smith")
    with pytest.raises(Ambiguous) as err:
        await call("check_in_by_name", as_="staff", name="John Smith")
    options = err.value.details["options"]
    assert len(options) == 2 and {o["name"] for o in options} == {"John Smith"}
    assert (await _ticket(db, other)).customer_id in {o["customer_id"] for o in options}
    assert await _log(db) == []


async def test_many_matching_guests_offer_at_most_three_options(call, db, door) -> None:
    for _ in range(4):
        await _guest(db, door, "John Smith")
    with pytest.raises(Ambiguous) as err:
        await call("check_in_by_name", as_="staff", name="John Smith")
    assert len(err.value.details["options"]) == 3
    assert "5" in err.value.message


async def test_one_ticket_at_a_time_unless_all_tickets(call, db, door) -> None:
    party = await _sell(call, door, "Sarah Lee", 3)
    first = await call("check_in_by_name", as_="staff", name="Sarah Lee")
    assert len(first.checked_in) == 1
    assert (first.already_checked_in, first.remaining_on_order) == (0, 2)
    rest = await call("check_in_by_name", as_="staff", name="Sarah Lee", all_tickets=True)
    assert len(rest.checked_in) == 2 and rest.already_checked_in == 1
    assert {t.id for t in first.checked_in + rest.checked_in} == {t.id for t in party.tickets}
    with pytest.raises(Conflict) as err:
        await call("check_in_by_name", as_="staff", name="Sarah Lee")
    assert err.value.code == "already_checked_in"
    assert err.value.details["checked_in_at"] == NOW.isoformat()


async def test_void_tickets_are_not_matched_by_name(call, db, door) -> None:
    await _guest(db, door, "Mary Jones", status="refunded")
    with pytest.raises(NotFound):
        await call("check_in_by_name", as_="staff", name="Mary Jones")


# --- parties ---------------------------------------------------------------------------------


async def test_check_in_party_by_order(call, db, door) -> None:
    party = await _sell(call, door, "Garcia Family", 4)
    ids = [t.id for t in party.tickets]
    await call("check_in_ticket", as_="staff", qr_token=party.tickets[0].qr_token)
    out = await call("check_in_party", as_="staff", event_id=door["event"], order_id=party.order_id)
    assert sorted(t.id for t in out.checked_in) == ids[1:]
    assert out.already_checked_in == 1
    assert {e.method for e in await _log(db)} == {"qr", "party"}
    assert (await _ticket(db, door["ticket"])).status == "valid"  # someone else's ticket
    with pytest.raises(Conflict) as err:
        await call("check_in_party", as_="staff", event_id=door["event"], order_id=party.order_id)
    assert err.value.code == "already_checked_in"


async def test_check_in_party_by_customer_includes_tickets_given_away(call, db, door) -> None:
    party = await _sell(call, door, "Sarah Lee", 2)
    given = party.tickets[1].id
    await call("transfer_ticket", as_="staff", ticket_id=given, to_name="Mary Jones")
    out = await call(
        "check_in_party", as_="staff", event_id=door["event"], customer_id=party.customer_id
    )
    assert sorted(t.id for t in out.checked_in) == [t.id for t in party.tickets]
    assert (await _ticket(db, door["ticket"])).status == "valid"


async def test_check_in_party_refuses_bad_targets(call, db, door) -> None:
    with pytest.raises(InvalidInput, match="either"):
        await call("check_in_party", as_="staff", event_id=door["event"])
    with pytest.raises(InvalidInput, match="either"):
        await call("check_in_party", as_="staff", event_id=door["event"], order_id=1, customer_id=1)
    with pytest.raises(NotFound):
        await call("check_in_party", as_="staff", event_id=999, order_id=1)
    other = await make_event(db, "Comedy Night")
    with pytest.raises(NotFound) as err:
        await call("check_in_party", as_="staff", event_id=other, customer_id=door["john"])
    assert err.value.code == "no_guest"


# --- undo ------------------------------------------------------------------------------------


async def test_undo_makes_the_ticket_valid_again_and_logs_it(call, db, door, clock) -> None:
    qr = await _qr(db, door["ticket"])
    await call("check_in_ticket", as_="staff", qr_token=qr)
    clock.advance(minutes=5)
    out = await call("undo_check_in", as_="staff", ticket_id=door["ticket"])
    assert (out.status, out.checked_in_at) == ("valid", None)
    stored = await _ticket(db, door["ticket"])
    assert (stored.status, stored.checked_in_at) == ("valid", None)
    assert [(e.action, e.created_at) for e in await _log(db)] == [
        ("check_in", NOW),
        ("undo", NOW + timedelta(minutes=5)),
    ]
    [undone] = await _events(db, "ticket.check_in_undone")
    assert undone.payload == {"ticket_id": door["ticket"], "event_id": door["event"]}
    again = await call("check_in_ticket", as_="staff", qr_token=qr)
    assert again.checked_in_at == NOW + timedelta(minutes=5)


async def test_undo_refuses_tickets_not_checked_in(call, db, door) -> None:
    with pytest.raises(Conflict) as err:
        await call("undo_check_in", as_="staff", ticket_id=door["ticket"])
    assert err.value.code == "not_checked_in"
    refunded = await _guest(db, door, "Mary Jones", status="refunded")
    with pytest.raises(Conflict) as err:
        await call("undo_check_in", as_="staff", ticket_id=refunded)
    assert err.value.code == "not_checked_in"
    assert (await _ticket(db, refunded)).status == "refunded"
    with pytest.raises(NotFound):
        await call("undo_check_in", as_="staff", ticket_id=999)
    assert await _log(db) == []


# --- stats -----------------------------------------------------------------------------------


async def test_checkin_stats_count_admitted_of_expected_per_tier(call, db, door) -> None:
    vip = await make_tier(db, door["event"], "VIP")
    ga = [door["ticket"], await _guest(db, door, "A"), await _guest(db, door, "B")]
    await _guest(db, door, "Void", status="refunded")
    vip_ticket = await make_ticket(db, door["event"], vip, door["john"])
    for ticket in ga[:2]:
        await call("check_in_ticket", as_="staff", qr_token=await _qr(db, ticket))

    stats = await call("get_checkin_stats", as_="staff", event_id=door["event"])
    assert (stats.checked_in, stats.expected, stats.percent) == (2, 4, 50.0)
    assert stats.event_name == "Jazz Night"
    assert [(t.tier_id, t.checked_in, t.admitted_of) for t in stats.tiers] == [
        (door["tier"], 2, 3),
        (vip, 0, 1),
    ]
    await call("check_in_ticket", as_="staff", qr_token=await _qr(db, vip_ticket))
    stats = await call("get_checkin_stats", as_="staff", event_id=door["event"])
    assert (stats.checked_in, stats.percent) == (3, 75.0)


async def test_checkin_stats_of_an_empty_event_and_unknown_event(call, db) -> None:
    event = await make_event(db)
    stats = await call("get_checkin_stats", as_="staff", event_id=event)
    assert (stats.checked_in, stats.expected, stats.percent, stats.tiers) == (0, 0, 0.0, [])
    with pytest.raises(NotFound):
        await call("get_checkin_stats", as_="staff", event_id=999)
