from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from aitickets.errors import Conflict, Forbidden, InvalidInput, NotFound
from persistence.models import Customer, DomainEvent
from tests.conftest import ACTORS, NOW
from tests.factories import make_customer, make_event, make_tier
from tools.runner import ToolRunner


@pytest.fixture
def call(runner: ToolRunner):  # type: ignore[no-untyped-def]
    """Like conftest's `call`, but a tool argument may be called `name` (join_waitlist has one)."""

    async def _call(tool: str, as_: str = "admin", **arguments: Any) -> Any:
        return await runner.call(tool, arguments, ACTORS[as_])

    return _call


async def _join(call, event_id: int, name: str, email: str, **extra):  # type: ignore[no-untyped-def]
    args = {"event_id": event_id, "name": name, "email": email, **extra}
    return await call("join_waitlist", as_="public", **args)


async def test_join_gives_positions_in_order_and_registers_the_customer(call, db) -> None:
    event_id = await make_event(db)
    first = await _join(call, event_id, "Ann Lee", "ann@example.com", quantity=2)
    second = await _join(call, event_id, "Bob Ray", "Bob@Example.com", phone="(555) 010-0104")
    assert (first.position, second.position) == (1, 2)
    assert first.quantity == 2 and first.status == "waiting" and not first.already_on_list
    async with db.sessions() as s:
        bob = await s.scalar(select(Customer).where(Customer.email == "bob@example.com"))
        kinds = (await s.scalars(select(DomainEvent.kind).order_by(DomainEvent.id))).all()
    assert bob is not None and bob.phone == "+15550100104"
    assert kinds.count("waitlist.joined") == 2
    assert kinds.count("customer.registered") == 2


async def test_joining_twice_returns_the_existing_place(call, db) -> None:
    event_id = await make_event(db)
    await _join(call, event_id, "Ann Lee", "ann@example.com")
    first = await _join(call, event_id, "Zed", "zed@example.com")
    again = await _join(call, event_id, "Zed", "ZED@example.com", quantity=4)
    assert again.already_on_list and again.entry_id == first.entry_id
    assert again.position == 2 and again.quantity == 1


async def test_existing_customer_is_reused_not_duplicated(call, db) -> None:
    event_id = await make_event(db)
    customer_id = await make_customer(db, "Cara Diaz", email="cara@example.com")
    await _join(call, event_id, "Cara Diaz", "cara@example.com")
    listing = await call("get_waitlist", as_="staff", event_id=event_id)
    assert [e.customer_id for e in listing.entries] == [customer_id]


async def test_cancelled_past_and_draft_events_refuse(call, db) -> None:
    cancelled = await make_event(db, status="cancelled")
    past = await make_event(db, "Old Show", starts_at=NOW - timedelta(days=2))
    draft = await make_event(db, "Secret", visibility="draft")
    with pytest.raises(Conflict, match="cancelled"):
        await _join(call, cancelled, "Ann", "ann@example.com")
    with pytest.raises(Conflict, match="already taken place"):
        await _join(call, past, "Ann", "ann@example.com")
    with pytest.raises(NotFound):
        await _join(call, draft, "Ann", "ann@example.com")
    with pytest.raises(NotFound):
        await _join(call, 9999, "Ann", "ann@example.com")


async def test_join_rejects_bad_input(call, db) -> None:
    event_id = await make_event(db)
    other_tier = await make_tier(db, await make_event(db, "Other"))
    bad = [
        {"quantity": 11},
        {"quantity": 0},
        {"email": "not-an-email"},
        {"phone": "12"},
        {"name": ""},
        {"surprise": True},
    ]
    for fields in bad:
        args = {"name": "Ann", "email": "ann@example.com", **fields}
        with pytest.raises(InvalidInput):
            await call("join_waitlist", as_="public", event_id=event_id, **args)
    with pytest.raises(NotFound, match="no ticket tier"):
        await _join(call, event_id, "Ann", "ann@example.com", tier_id=other_tier)


async def test_position_by_email_moves_up_when_someone_ahead_leaves(call, db) -> None:
    event_id = await make_event(db)
    ann = await _join(call, event_id, "Ann", "ann@example.com")
    await _join(call, event_id, "Bob", "bob@example.com")
    before = await call(
        "get_waitlist_position", as_="public", event_id=event_id, email="BOB@example.com"
    )
    assert before.position == 2
    await call("remove_from_waitlist", as_="staff", entry_id=ann.entry_id)
    after = await call(
        "get_waitlist_position", as_="public", event_id=event_id, email="bob@example.com"
    )
    assert after.position == 1
    with pytest.raises(NotFound, match="not on the waitlist"):
        await call(
            "get_waitlist_position", as_="public", event_id=event_id, email="ann@example.com"
        )


async def test_get_waitlist_lists_contacts_in_order_for_staff_only(call, db) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, "Balcony")
    await _join(call, event_id, "Ann", "ann@example.com", quantity=3, tier_id=tier_id)
    bob = await _join(call, event_id, "Bob", "bob@example.com", phone="555-010-0199")
    await _join(call, event_id, "Cy", "cy@example.com", quantity=2)
    await call("remove_from_waitlist", as_="staff", entry_id=bob.entry_id)
    with pytest.raises(Forbidden):
        await call("get_waitlist", as_="agent", event_id=event_id)

    listing = await call("get_waitlist", as_="staff", event_id=event_id)
    assert [(e.name, e.position) for e in listing.entries] == [("Ann", 1), ("Cy", 2)]
    assert (
        listing.entries[0].tier_name == "Balcony" and listing.entries[0].email == "ann@example.com"
    )
    assert (listing.waiting, listing.seats_wanted) == (2, 5)

    everyone = await call("get_waitlist", as_="staff", event_id=event_id, include_removed=True)
    assert [(e.name, e.position, e.status) for e in everyone.entries] == [
        ("Ann", 1, "waiting"),
        ("Bob", None, "removed"),
        ("Cy", 2, "waiting"),
    ]
    paged = await call("get_waitlist", as_="staff", event_id=event_id, offset=1, limit=1)
    assert [(e.name, e.position) for e in paged.entries] == [("Cy", 2)]


async def test_remove_by_email_and_event_then_rejoin_goes_to_the_back(call, db) -> None:
    event_id = await make_event(db)
    await _join(call, event_id, "Ann", "ann@example.com")
    await _join(call, event_id, "Bob", "bob@example.com")
    out = await call(
        "remove_from_waitlist", as_="staff", email="ann@example.com", event_id=event_id
    )
    assert out.removed and out.status == "removed" and out.name == "Ann"
    back = await _join(call, event_id, "Ann", "ann@example.com")
    assert back.position == 2 and not back.already_on_list
    async with db.sessions() as s:
        kinds = (await s.scalars(select(DomainEvent.kind))).all()
    assert kinds.count("waitlist.removed") == 1


async def test_remove_is_idempotent_and_needs_staff(call, db) -> None:
    event_id = await make_event(db)
    ann = await _join(call, event_id, "Ann", "ann@example.com")
    with pytest.raises(Forbidden):
        await call("remove_from_waitlist", as_="public", entry_id=ann.entry_id)
    await call("remove_from_waitlist", as_="staff", entry_id=ann.entry_id)
    again = await call("remove_from_waitlist", as_="staff", entry_id=ann.entry_id)
    assert not again.removed and again.status == "removed"


async def test_remove_needs_an_entry_or_email_and_event(call, db) -> None:
    event_id = await make_event(db)
    with pytest.raises(InvalidInput, match="entry_id"):
        await call("remove_from_waitlist", as_="staff", email="ann@example.com")
    with pytest.raises(NotFound):
        await call("remove_from_waitlist", as_="staff", entry_id=424242)
    with pytest.raises(NotFound, match="not on the waitlist"):
        await call("remove_from_waitlist", as_="staff", email="x@example.com", event_id=event_id)
