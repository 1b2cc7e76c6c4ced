from typing import Any

import pytest

from aitickets.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.conftest import NOW
from tests.factories import make_event, make_venue


async def test_create_venue_normalises_contacts_and_keeps_the_time_zone(call) -> None:
    out = await call(
        "create_venue",
        name="  The Blue Room ",
        address="12 Main St",
        capacity=250,
        timezone="America/Chicago",
        phone="(312) 555-0104",
        email="Box@BlueRoom.example.com",
    )
    assert out.name == "The Blue Room"
    assert (out.capacity, out.timezone) == (250, "America/Chicago")
    assert out.phone == "+13125550104"
    assert out.email == "box@blueroom.example.com"
    assert out.created_at == NOW
    fetched = await call("get_venue", as_="public", venue_id=out.id)
    assert fetched == out


async def test_create_venue_defaults_to_utc_and_no_contacts(call) -> None:
    out = await call("create_venue", name="Warehouse")
    assert (out.timezone, out.capacity, out.address) == ("UTC", 0, "")
    assert out.phone is None and out.email is None


@pytest.mark.parametrize("zone", ["Mars/Olympus", "America", "../etc/passwd", "", "Eastern Time"])
async def test_create_venue_rejects_unknown_time_zones(call, zone: str) -> None:
    with pytest.raises(InvalidInput, match="timezone"):
        await call("create_venue", name="Somewhere", timezone=zone)


@pytest.mark.parametrize(
    "fields",
    [
        {"capacity": -1},
        {"capacity": 1_000_001},
        {"name": ""},
        {"email": "not-an-email"},
        {"phone": "12"},
        {"seats": 10},
    ],
)
async def test_create_venue_rejects_bad_fields(call, fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        await call("create_venue", **({"name": "Somewhere"} | fields))


async def test_list_venues_by_name_with_paging(call) -> None:
    for name in ("Crypt", "Attic", "Basement"):
        await call("create_venue", name=name)
    listing = await call("list_venues", as_="public")
    assert [v.name for v in listing.venues] == ["Attic", "Basement", "Crypt"]
    assert listing.total == 3
    page = await call("list_venues", as_="public", limit=1, offset=1)
    assert [v.name for v in page.venues] == ["Basement"] and page.total == 3
    with pytest.raises(InvalidInput):
        await call("list_venues", as_="public", limit=0)


async def test_update_venue_changes_only_given_fields(call) -> None:
    venue = await call(
        "create_venue",
        name="Blue Room",
        capacity=300,
        timezone="America/New_York",
        phone="+1 212 555 0100",
    )
    out = await call("update_venue", venue_id=venue.id, capacity=250)
    assert (out.name, out.capacity, out.timezone) == ("Blue Room", 250, "America/New_York")
    moved = await call("update_venue", venue_id=venue.id, timezone="Europe/Lisbon", phone=None)
    assert moved.timezone == "Europe/Lisbon" and moved.phone is None
    assert (await call("get_venue", as_="public", venue_id=venue.id)).timezone == "Europe/Lisbon"


async def test_update_venue_bad_input(call) -> None:
    venue = await call("create_venue", name="Blue Room")
    with pytest.raises(InvalidInput, match="Nothing to change"):
        await call("update_venue", venue_id=venue.id)
    with pytest.raises(InvalidInput, match="timezone"):
        await call("update_venue", venue_id=venue.id, timezone="Nowhere/Land")
    with pytest.raises(InvalidInput):
        await call("update_venue", venue_id=venue.id, capacity=-5)
    with pytest.raises(InvalidInput):
        await call("update_venue", venue_id=venue.id, name=None)
    with pytest.raises(NotFound):
        await call("update_venue", venue_id=999, name="Elsewhere")
    assert (await call("get_venue", venue_id=venue.id)).name == "Blue Room"


async def test_delete_venue_refused_while_it_has_events(call, db) -> None:
    venue_id = await make_venue(db, "Blue Room")
    await make_event(db, "Jazz Night", venue_id=venue_id)
    await make_event(db, "Blues Night", venue_id=venue_id)
    with pytest.raises(Conflict, match="2 events"):
        await call("delete_venue", venue_id=venue_id)
    assert (await call("get_venue", venue_id=venue_id)).name == "Blue Room"


async def test_delete_unused_venue(call, db) -> None:
    venue_id = await make_venue(db, "Old Warehouse")
    out = await call("delete_venue", venue_id=venue_id)
    assert out.name == "Old Warehouse"
    with pytest.raises(NotFound):
        await call("get_venue", as_="public", venue_id=venue_id)
    with pytest.raises(NotFound):
        await call("delete_venue", venue_id=venue_id)


async def test_venue_changes_need_an_admin(call, db) -> None:
    venue_id = await make_venue(db)
    for role in ("staff", "agent", "public"):
        with pytest.raises(Forbidden):
            await call("create_venue", as_=role, name="Mine")
        with pytest.raises(Forbidden):
            await call("update_venue", as_=role, venue_id=venue_id, capacity=1)
        with pytest.raises(Forbidden):
            await call("delete_venue", as_=role, venue_id=venue_id)
    assert (await call("list_venues", as_="public")).total == 1
    assert (await call("get_venue", as_="agent", venue_id=venue_id)).capacity == 300


async def test_venue_time_zone_drives_event_output(call, db) -> None:
    venue_id = await make_venue(db, tz="America/Los_Angeles")
    event_id = await make_event(db, venue_id=venue_id)
    assert (await call("get_event", as_="public", event_id=event_id)).timezone == (
        "America/Los_Angeles"
    )
