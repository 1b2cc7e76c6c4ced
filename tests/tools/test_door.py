"""The door page's tools: tonight's events and the default one, one event's guest list with its
QR tokens (staff only), and syncing scans queued offline, where a ticket admitted at two doors
is a conflict, a scan sent twice is recognised, and void tickets are refused with the reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from aitickets.errors import Forbidden, InvalidInput, NotFound
from persistence.db import Database
from persistence.models import CheckIn, DomainEvent, Ticket
from tests.conftest import NOW, Call, FixedClock
from tests.factories import make_customer, make_event, make_ticket, make_tier, make_venue


async def _ticket(db: Database, ticket_id: int) -> Ticket:
    async with db.sessions() as s:
        ticket = await s.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket


@pytest.fixture
async def show(db: Database) -> dict[str, Any]:
    """A show that started half an hour ago, with three guests (Ann and Bo on one order)."""
    venue = await make_venue(db, tz="America/New_York")
    event = await make_event(
        db, "Door Night", venue_id=venue, starts_at=NOW - timedelta(minutes=30)
    )
    tier = await make_tier(db, event, "GA")
    tickets = {}
    for name in ("Ann Lee", "Cy Ng"):
        customer = await make_customer(db, name)
        tickets[name] = await make_ticket(db, event, tier, customer, holder_name=name)
    tokens = {name: (await _ticket(db, tid)).qr_token for name, tid in tickets.items()}
    return {"venue": venue, "event": event, "tier": tier, "tickets": tickets, "tokens": tokens}


def _scan(local_id: str, token: str, at: Any, method: str = "qr") -> dict[str, Any]:
    return {"local_id": local_id, "qr_token": token, "scanned_at": at.isoformat(), "method": method}


async def test_the_event_on_now_is_the_default(call: Call, db: Database, show: dict) -> None:
    later = await make_event(
        db, "Late Show", venue_id=show["venue"], starts_at=NOW + timedelta(hours=4)
    )
    await make_event(db, "Last Month", venue_id=show["venue"], starts_at=NOW - timedelta(days=30))
    await make_event(db, "Cancelled", venue_id=show["venue"], starts_at=NOW, status="cancelled")
    listed = await call("get_door_options", as_="staff")
    assert [e.id for e in listed.events] == [show["event"], later]
    assert listed.default_event_id == show["event"]
    assert listed.events[0].timezone == "America/New_York"


async def test_with_nothing_on_now_the_next_event_is_the_default(
    call: Call, db: Database, show: dict, clock: FixedClock
) -> None:
    later = await make_event(
        db, "Late Show", venue_id=show["venue"], starts_at=NOW + timedelta(hours=8)
    )
    clock.advance(hours=6)  # Door Night is over (no end time: five hours)
    assert (await call("get_door_options", as_="staff")).default_event_id == later
    clock.advance(hours=12)  # both over: the last one that ended, for late arrivals
    assert (await call("get_door_options", as_="staff")).default_event_id == later


async def test_the_door_list_carries_what_offline_judging_needs(
    call: Call, db: Database, show: dict
) -> None:
    await call("check_in_ticket", as_="staff", qr_token=show["tokens"]["Cy Ng"])
    door = await call("get_door_list", as_="staff", event_id=show["event"])
    assert door.event.name == "Door Night" and [t.name for t in door.tiers] == ["GA"]
    by_name = {t.holder_name: t for t in door.tickets}
    assert by_name["Ann Lee"].qr_token == show["tokens"]["Ann Lee"]
    assert by_name["Ann Lee"].status == "valid" and by_name["Cy Ng"].status == "checked_in"
    async with db.sessions() as s:
        latest = max((await s.scalars(select(DomainEvent.id))).all())
    assert door.cursor == latest  # the stream continues from here, missing nothing


@pytest.mark.parametrize("tool", ["get_door_options", "get_door_list", "sync_door_scans"])
async def test_only_staff_use_the_door_tools(call: Call, show: dict, tool: str) -> None:
    arguments: dict[str, Any] = {}
    if tool != "get_door_options":
        arguments["event_id"] = show["event"]
    if tool == "sync_door_scans":
        arguments["scans"] = [_scan("a1", show["tokens"]["Ann Lee"], NOW)]
    for role in ("agent", "public"):
        with pytest.raises(Forbidden):
            await call(tool, as_=role, **arguments)


async def test_offline_scans_are_admitted_at_the_time_they_happened(
    call: Call, db: Database, show: dict
) -> None:
    at = NOW - timedelta(minutes=7)
    scans = [
        _scan("s2", show["tokens"]["Cy Ng"], at + timedelta(seconds=5), "name"),
        _scan("s1", show["tokens"]["Ann Lee"], at),
    ]
    synced = await call("sync_door_scans", as_="staff", event_id=show["event"], scans=scans)
    assert (synced.admitted, synced.conflicts, synced.refused) == (2, 0, 0)
    assert [r.local_id for r in synced.results] == ["s1", "s2"]  # in the order they happened
    ann = await _ticket(db, show["tickets"]["Ann Lee"])
    assert ann.status == "checked_in" and ann.checked_in_at == at
    async with db.sessions() as s:
        methods = (await s.scalars(select(CheckIn.method).order_by(CheckIn.id))).all()
    assert methods == ["offline", "offline_name"]
    again = await call("sync_door_scans", as_="staff", event_id=show["event"], scans=scans)
    assert [r.outcome for r in again.results] == ["already_synced", "already_synced"]


async def test_a_ticket_admitted_at_two_doors_is_a_conflict(
    call: Call, db: Database, show: dict
) -> None:
    token = show["tokens"]["Ann Lee"]
    first = await call(
        "sync_door_scans", as_="staff", event_id=show["event"], scans=[_scan("d1", token, NOW)]
    )
    assert first.admitted == 1
    later = NOW + timedelta(minutes=1)
    second = await call(
        "sync_door_scans", as_="staff", event_id=show["event"], scans=[_scan("d2", token, later)]
    )
    (result,) = second.results
    assert result.outcome == "conflict" and result.code == "already_checked_in"
    assert result.checked_in_at == NOW and "twice" in result.message
    async with db.sessions() as s:
        admissions = (await s.scalars(select(CheckIn).where(CheckIn.action == "check_in"))).all()
        conflicts = (
            await s.scalars(
                select(DomainEvent).where(DomainEvent.kind == "ticket.check_in_conflict")
            )
        ).all()
    assert len(admissions) == 1 and len(conflicts) == 1  # admitted once, the clash recorded


async def test_void_unknown_and_other_events_tickets_are_refused(
    call: Call, db: Database, show: dict
) -> None:
    other = await make_event(db, "Other", venue_id=show["venue"])
    other_tier = await make_tier(db, other)
    dee = await make_customer(db, "Dee Fox")
    elsewhere = await make_ticket(db, other, other_tier, dee, holder_name="Dee Fox")
    refunded = await make_ticket(
        db, show["event"], show["tier"], dee, holder_name="Dee Fox", status="refunded"
    )
    scans = [
        _scan("x1", (await _ticket(db, elsewhere)).qr_token, NOW),
        _scan("x2", (await _ticket(db, refunded)).qr_token, NOW),
        _scan("x3", "no-such-token-000", NOW),
    ]
    synced = await call("sync_door_scans", as_="staff", event_id=show["event"], scans=scans)
    assert [(r.outcome, r.code) for r in synced.results] == [
        ("refused", "wrong_event"),
        ("refused", "refunded"),
        ("refused", "unknown_ticket"),
    ]
    assert (await _ticket(db, elsewhere)).status == "valid"  # nothing changed


async def test_a_scan_from_the_future_is_admitted_at_now(
    call: Call, db: Database, show: dict
) -> None:
    ahead = NOW + timedelta(days=2)  # a phone whose clock is wrong
    await call(
        "sync_door_scans",
        as_="staff",
        event_id=show["event"],
        scans=[_scan("f1", show["tokens"]["Ann Lee"], ahead)],
    )
    assert (await _ticket(db, show["tickets"]["Ann Lee"])).checked_in_at == NOW + timedelta(
        minutes=10
    )


@pytest.mark.parametrize(
    "arguments",
    [
        {"event_id": 1, "scans": []},
        {
            "event_id": 1,
            "scans": [
                {"local_id": "a", "qr_token": "tok12345", "scanned_at": "2026-11-24T12:00:00"}
            ],
        },
        {
            "event_id": 1,
            "scans": [
                {"local_id": "a b", "qr_token": "tok12345", "scanned_at": "2026-11-24T12:00:00Z"}
            ],
        },
        {
            "event_id": 1,
            "scans": [{"local_id": "a", "qr_token": "short", "scanned_at": "2026-11-24T12:00:00Z"}],
        },
        {
            "event_id": 0,
            "scans": [
                {"local_id": "a", "qr_token": "tok12345", "scanned_at": "2026-11-24T12:00:00Z"}
            ],
        },
    ],
)
async def test_bad_sync_input_is_refused(call: Call, show: dict, arguments: dict) -> None:
    with pytest.raises(InvalidInput):
        await call("sync_door_scans", as_="staff", **arguments)


async def test_unknown_events_are_not_found(call: Call, show: dict) -> None:
    with pytest.raises(NotFound):
        await call("get_door_list", as_="staff", event_id=999)
    with pytest.raises(NotFound):
        await call(
            "sync_door_scans", as_="staff", event_id=999, scans=[_scan("a", "tok12345", NOW)]
        )
