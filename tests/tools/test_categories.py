from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from aitickets.errors import Conflict, Forbidden, InvalidInput, NotFound
from persistence.models import DomainEvent, event_categories
from tests.conftest import ACTORS, NOW
from tests.factories import make_event, make_venue
from tools.runner import ToolRunner


@pytest.fixture
def call(runner: ToolRunner):  # type: ignore[no-untyped-def]
    """Like conftest's `call`, but a tool argument may be called `name` (categories have one)."""

    async def _call(tool: str, as_: str = "admin", **arguments: Any) -> Any:
        return await runner.call(tool, arguments, ACTORS[as_])

    return _call


async def _category(call, name: str, **extra: Any) -> int:  # type: ignore[no-untyped-def]
    return (await call("create_category", as_="staff", name=name, **extra)).id


async def test_create_and_list_with_counts(call, db) -> None:
    jazz = await _category(call, "Jazz", color="#4F46E5", description="Swing and bop")
    comedy = await _category(call, "Comedy")
    soon = await make_event(db, "Soon")
    past = await make_event(db, "Past", starts_at=NOW - timedelta(days=3))
    draft = await make_event(db, "Draft", visibility="draft")
    await call("add_event_categories", as_="staff", event_id=soon, category_ids=[jazz, comedy])
    await call("add_event_categories", as_="staff", event_id=past, category_ids=[jazz])
    await call("add_event_categories", as_="staff", event_id=draft, category_ids=[jazz])

    listing = await call("list_categories", as_="public")
    by_name = {c.name: c for c in listing.categories}
    assert list(by_name) == ["Comedy", "Jazz"]
    assert (by_name["Jazz"].event_count, by_name["Jazz"].upcoming_count) == (3, 1)
    assert (by_name["Comedy"].event_count, by_name["Comedy"].upcoming_count) == (1, 1)
    assert by_name["Jazz"].color == "#4f46e5"


async def test_names_are_unique_ignoring_case_and_accents(call) -> None:
    await _category(call, "Café Shows")
    with pytest.raises(Conflict, match="already exists"):
        await _category(call, "cafe  SHOWS")


@pytest.mark.parametrize(
    "fields",
    [
        {"name": ""},
        {"name": "x" * 101},
        {"name": "Ok", "color": "blue"},
        {"name": "Ok", "extra": 1},
    ],
)
async def test_create_rejects_bad_input(call, fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        await call("create_category", as_="staff", **fields)


async def test_roles(call) -> None:
    with pytest.raises(Forbidden):
        await call("create_category", as_="agent", name="Nope")
    jazz = await _category(call, "Jazz")
    with pytest.raises(Forbidden):
        await call("delete_category", as_="staff", category_id=jazz)


async def test_update_changes_only_given_fields_and_keeps_names_unique(call, db) -> None:
    jazz = await _category(call, "Jazz", description="Swing", color="#fff")
    await _category(call, "Blues")
    out = await call("update_category", as_="staff", category_id=jazz, name="Jazz & Soul")
    assert (out.name, out.description, out.color) == ("Jazz & Soul", "Swing", "#fff")
    cleared = await call("update_category", as_="staff", category_id=jazz, color=None)
    assert cleared.color is None
    same = await call("update_category", as_="staff", category_id=jazz, name="JAZZ & soul")
    assert same.name == "JAZZ & soul"  # its own name is not a conflict
    with pytest.raises(Conflict):
        await call("update_category", as_="staff", category_id=jazz, name="blues")
    with pytest.raises(InvalidInput, match="Nothing to change"):
        await call("update_category", as_="staff", category_id=jazz)
    with pytest.raises(NotFound):
        await call("update_category", as_="staff", category_id=999, name="X")


async def test_delete_refuses_when_in_use_unless_forced(call, db) -> None:
    jazz = await _category(call, "Jazz")
    event_id = await make_event(db)
    await call("add_event_categories", as_="staff", event_id=event_id, category_ids=[jazz])
    with pytest.raises(Conflict, match="force") as caught:
        await call("delete_category", as_="admin", category_id=jazz)
    assert caught.value.code == "category_in_use"
    out = await call("delete_category", as_="admin", category_id=jazz, force=True)
    assert out.deleted.name == "Jazz" and out.events_untagged == 1
    assert (await call("get_event_categories", as_="public", event_id=event_id)).categories == []
    async with db.sessions() as s:
        assert (await s.scalars(select(event_categories.c.event_id))).all() == []


async def test_delete_unused_category(call) -> None:
    jazz = await _category(call, "Jazz")
    out = await call("delete_category", as_="admin", category_id=jazz)
    assert out.events_untagged == 0
    assert (await call("list_categories", as_="public")).categories == []


async def test_add_and_remove_event_categories_undo_each_other(call, db) -> None:
    jazz, family = await _category(call, "Jazz"), await _category(call, "Family")
    event_id = await make_event(db)
    added = await call(
        "add_event_categories", as_="staff", event_id=event_id, category_ids=[jazz, family]
    )
    assert sorted(added.changed) == sorted([jazz, family])
    again = await call("add_event_categories", as_="staff", event_id=event_id, category_ids=[jazz])
    assert again.changed == []  # already there: nothing new
    assert [c.name for c in again.categories] == ["Family", "Jazz"]
    removed = await call(
        "remove_event_categories", as_="staff", event_id=event_id, category_ids=[jazz]
    )
    assert removed.changed == [jazz] and [c.name for c in removed.categories] == ["Family"]
    async with db.sessions() as s:
        events = (
            await s.scalars(select(DomainEvent).where(DomainEvent.kind == "event.updated"))
        ).all()
    assert [e.payload["changes"] for e in events] == [["categories"], ["categories"]]
    assert all(e.event_id == event_id for e in events)


async def test_unknown_category_ids_are_named(call, db) -> None:
    jazz = await _category(call, "Jazz")
    event_id = await make_event(db)
    with pytest.raises(NotFound, match="77, 88"):
        await call(
            "add_event_categories", as_="staff", event_id=event_id, category_ids=[jazz, 88, 77]
        )
    assert (await call("get_event_categories", as_="public", event_id=event_id)).categories == []
    with pytest.raises(NotFound):
        await call("add_event_categories", as_="staff", event_id=999, category_ids=[jazz])
    with pytest.raises(InvalidInput):
        await call("add_event_categories", as_="staff", event_id=event_id, category_ids=[])


async def test_draft_event_categories_are_hidden_from_the_public(call, db) -> None:
    jazz = await _category(call, "Jazz")
    draft = await make_event(db, visibility="draft")
    await call("add_event_categories", as_="staff", event_id=draft, category_ids=[jazz])
    with pytest.raises(NotFound):
        await call("get_event_categories", as_="public", event_id=draft)
    staff_view = await call("get_event_categories", as_="staff", event_id=draft)
    assert [c.id for c in staff_view.categories] == [jazz]


async def test_category_events_are_upcoming_public_scheduled_and_soonest_first(
    call, db, clock
) -> None:
    jazz = await _category(call, "Jazz")
    venue = await make_venue(db, "Blue Room")
    later = await make_event(db, "Later", venue_id=venue, starts_at=NOW + timedelta(days=5))
    sooner = await make_event(db, "Sooner", venue_id=venue, starts_at=NOW + timedelta(days=1))
    hidden = [
        await make_event(db, "Past", venue_id=venue, starts_at=NOW - timedelta(hours=1)),
        await make_event(db, "Draft", venue_id=venue, visibility="draft"),
        await make_event(db, "Unlisted", venue_id=venue, visibility="unlisted"),
        await make_event(db, "Off", venue_id=venue, status="cancelled"),
    ]
    untagged = await make_event(db, "Untagged", venue_id=venue)
    for event_id in [later, sooner, *hidden]:
        await call("add_event_categories", as_="staff", event_id=event_id, category_ids=[jazz])

    out = await call("get_category_events", as_="public", category_id=jazz)
    assert [e.name for e in out.events] == ["Sooner", "Later"] and out.total == 2
    assert out.events[0].venue_name == "Blue Room" and untagged not in [e.id for e in out.events]
    clock.advance(days=2)
    assert [e.id for e in (await call("get_category_events", category_id=jazz)).events] == [later]
    with pytest.raises(NotFound):
        await call("get_category_events", as_="public", category_id=999)
