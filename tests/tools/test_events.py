from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from aitickets.errors import Conflict, Forbidden, InvalidInput, NotFound
from persistence.db import Database
from persistence.models import DomainEvent, Event, Order, Refund, Ticket, TicketTier
from tests.conftest import NOW
from tests.factories import make_customer, make_event, make_ticket, make_tier, make_venue

NY = ZoneInfo("America/New_York")


async def _domain_events(db: Database, kind: str) -> list[DomainEvent]:
    async with db.sessions() as s:
        query = select(DomainEvent).where(DomainEvent.kind == kind).order_by(DomainEvent.id)
        return list((await s.scalars(query)).all())


async def _row(db: Database, model: Any, ident: int) -> Any:
    async with db.sessions() as s:
        return await s.get(model, ident)


async def _create(call, venue_id: int, name: str = "Jazz Night", **fields: Any):  # type: ignore[no-untyped-def]
    fields.setdefault("starts_at", datetime(2026, 12, 4, 20, 0, tzinfo=NY))
    return await call("create_event", as_="staff", name=name, venue_id=venue_id, **fields)


# --- create ----------------------------------------------------------------------------------


async def test_create_event_returns_the_full_read_model_and_emits(call, db) -> None:
    venue_id = await make_venue(db, "Blue Room")
    jazz = (await call("create_category", as_="staff", name="Jazz")).id
    out = await _create(
        call,
        venue_id,
        description="Swing quartet",
        ends_at=datetime(2026, 12, 4, 23, 0, tzinfo=NY),
        category_ids=[jazz],
        image_url="https://example.com/jazz.png",
    )
    assert (out.name, out.venue_id, out.venue_name) == ("Jazz Night", venue_id, "Blue Room")
    assert out.timezone == "America/New_York"
    assert out.starts_at == datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    assert out.ends_at == datetime(2026, 12, 5, 4, 0, tzinfo=UTC)
    assert (out.status, out.visibility, out.series_id) == ("scheduled", "public", None)
    assert out.category_ids == [jazz] and out.tiers == [] and (out.sold, out.capacity) == (0, 0)
    created = await _domain_events(db, "event.created")
    assert [(e.event_id, e.payload["name"], e.actor) for e in created] == [
        (out.id, "Jazz Night", "door")
    ]
    assert await call("get_event", as_="public", event_id=out.id) == out


async def test_create_event_unknown_venue_or_categories_are_404(call, db) -> None:
    with pytest.raises(NotFound, match="venue"):
        await _create(call, 999)
    venue_id = await make_venue(db)
    jazz = (await call("create_category", as_="staff", name="Jazz")).id
    with pytest.raises(NotFound, match="77, 88"):
        await _create(call, venue_id, category_ids=[jazz, 88, 77])
    assert (await call("list_events", as_="staff", include_hidden=True)).total == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"starts_at": datetime(2026, 12, 4, 20, 0)}, "time zone"),
        ({"starts_at": "2026-12-04T20:00:00"}, "time zone"),
        ({"ends_at": datetime(2026, 12, 4, 19, 0, tzinfo=NY)}, "ends_at must be after"),
        ({"ends_at": datetime(2026, 12, 4, 20, 0, tzinfo=NY)}, "ends_at must be after"),
        (
            {
                "sales_start_at": datetime(2026, 12, 1, tzinfo=UTC),
                "sales_end_at": datetime(2026, 11, 30, tzinfo=UTC),
            },
            "sales_end_at must be after",
        ),
        ({"image_url": "javascript:alert(1)"}, "image_url"),
        ({"visibility": "secret"}, "visibility"),
        ({"name": ""}, "name"),
        ({"price": 10}, "price"),
    ],
)
async def test_create_event_rejects_bad_input(call, db, fields: dict[str, Any], message) -> None:
    venue_id = await make_venue(db)
    with pytest.raises(InvalidInput, match=message):
        await _create(call, venue_id, **fields)


async def test_only_staff_create_events(call, db) -> None:
    venue_id = await make_venue(db)
    for role in ("agent", "public"):
        with pytest.raises(Forbidden):
            await call(
                "create_event",
                as_=role,
                name="Mine",
                venue_id=venue_id,
                starts_at=NOW + timedelta(days=1),
            )
    event_id = await make_event(db, venue_id=venue_id)
    with pytest.raises(Forbidden):
        await call("update_event", as_="agent", event_id=event_id, name="Hijacked")
    with pytest.raises(Forbidden):
        await call("cancel_event", as_="agent", event_id=event_id)
    with pytest.raises(Forbidden):
        await call("delete_event", as_="staff", event_id=event_id)


# --- visibility ------------------------------------------------------------------------------


async def test_drafts_are_hidden_from_the_public_but_visible_to_staff(call, db) -> None:
    venue_id = await make_venue(db)
    draft = await _create(call, venue_id, name="Secret Show", visibility="draft")
    unlisted = await _create(call, venue_id, name="Private Party", visibility="unlisted")
    public = await _create(call, venue_id, name="Open Show")

    with pytest.raises(NotFound):
        await call("get_event", as_="public", event_id=draft.id)
    with pytest.raises(NotFound):
        await call("get_event", as_="agent", event_id=draft.id)
    assert (await call("get_event", as_="staff", event_id=draft.id)).visibility == "draft"
    # unlisted: reachable by id, never listed
    assert (await call("get_event", as_="public", event_id=unlisted.id)).name == "Private Party"

    public_list = await call("list_events", as_="public", include_hidden=True)
    assert [e.id for e in public_list.events] == [public.id] and public_list.total == 1
    staff_default = await call("list_events", as_="staff")
    assert [e.id for e in staff_default.events] == [public.id]
    staff_all = await call("list_events", as_="staff", include_hidden=True)
    assert {e.id for e in staff_all.events} == {draft.id, unlisted.id, public.id}
    assert staff_all.total == 3


async def test_set_event_visibility_publishes_a_draft(call, db) -> None:
    event_id = await make_event(db, visibility="draft")
    out = await call("set_event_visibility", as_="staff", event_id=event_id, visibility="public")
    assert out.visibility == "public"
    assert (await call("get_event", as_="public", event_id=event_id)).id == event_id
    updates = await _domain_events(db, "event.updated")
    assert [e.payload["changes"] for e in updates] == [["visibility"]]


# --- list and search -------------------------------------------------------------------------


async def test_search_matches_every_word_in_any_order(call, db) -> None:
    venue_id = await make_venue(db)
    for hours, name in enumerate(["Night of Jazz", "Jazz Brunch", "Comedy Night", "JAZZ NIGHT"]):
        await make_event(db, name, venue_id=venue_id, starts_at=NOW + timedelta(hours=hours + 1))
    found = await call("list_events", as_="public", q="jazz  night")
    assert [e.name for e in found.events] == ["Night of Jazz", "JAZZ NIGHT"]
    assert found.total == 2
    assert (await call("list_events", as_="public", q="opera")).events == []


async def test_search_treats_percent_and_underscore_literally(call, db) -> None:
    venue_id = await make_venue(db)
    for name in ("100% Comedy", "1000 Comedy", "Open_Mic", "Open Mic", "OpenXMic"):
        await make_event(db, name, venue_id=venue_id)
    assert [e.name for e in (await call("list_events", q="100%")).events] == ["100% Comedy"]
    assert [e.name for e in (await call("list_events", q="%")).events] == ["100% Comedy"]
    assert [e.name for e in (await call("list_events", q="open_mic")).events] == ["Open_Mic"]
    assert [e.name for e in (await call("list_events", q="_")).events] == ["Open_Mic"]
    assert (await call("list_events", q="\\")).events == []


async def test_filter_by_category_id_or_name(call, db) -> None:
    venue_id = await make_venue(db)
    jazz = (await call("create_category", as_="staff", name="Jazz")).id
    comedy = (await call("create_category", as_="staff", name="Stand-up Comedy")).id
    swing = await _create(call, venue_id, name="Swing", category_ids=[jazz])
    laughs = await _create(call, venue_id, name="Laughs", category_ids=[comedy])
    both = await _create(call, venue_id, name="Jazz and Jokes", category_ids=[jazz, comedy])
    await _create(call, venue_id, name="Untagged")

    by_id = await call("list_events", as_="public", category=str(jazz))
    assert {e.id for e in by_id.events} == {swing.id, both.id}
    by_name = await call("list_events", as_="public", category="stand-UP comedy")
    assert {e.id for e in by_name.events} == {laughs.id, both.id}
    assert (await call("list_events", as_="public", category="Opera")).total == 0
    assert (await call("list_events", as_="public", category="9999")).total == 0


@pytest.mark.parametrize("category", ["²", "99999999999999999999999999", "१२"])
async def test_odd_category_filters_find_nothing_instead_of_failing(call, db, category) -> None:
    await make_event(db)
    assert (await call("list_events", as_="public", category=category)).events == []


async def test_date_range_is_inclusive(call, db) -> None:
    venue_id = await make_venue(db)
    days = [datetime(2026, 12, d, 1, 0, tzinfo=UTC) for d in (1, 5, 10)]
    for i, when in enumerate(days):
        await make_event(db, f"Show {i}", venue_id=venue_id, starts_at=when)
    found = await call(
        "list_events", as_="public", from_=days[1], to=datetime(2026, 12, 9, tzinfo=UTC)
    )
    assert [e.name for e in found.events] == ["Show 1"]
    edges = await call("list_events", as_="public", from_=days[0], to=days[1])
    assert [e.name for e in edges.events] == ["Show 0", "Show 1"]
    with pytest.raises(InvalidInput, match="time zone"):
        await call("list_events", as_="public", to=datetime(2026, 12, 9))


async def test_past_events_are_left_out_unless_asked(call, db) -> None:
    venue_id = await make_venue(db)
    await make_event(db, "Last Week", venue_id=venue_id, starts_at=NOW - timedelta(days=7))
    await make_event(db, "This Morning", venue_id=venue_id, starts_at=NOW - timedelta(hours=7))
    await make_event(db, "Still On", venue_id=venue_id, starts_at=NOW - timedelta(hours=3))
    await make_event(db, "Tonight", venue_id=venue_id, starts_at=NOW + timedelta(hours=8))
    default = await call("list_events", as_="public")
    assert [e.name for e in default.events] == ["Still On", "Tonight"]
    everything = await call("list_events", as_="public", include_past=True)
    assert [e.name for e in everything.events] == [
        "Last Week",
        "This Morning",
        "Still On",
        "Tonight",
    ]
    since = await call("list_events", as_="public", from_=NOW - timedelta(days=8))
    assert since.total == 4


async def test_pagination_reports_total_limit_and_offset(call, db) -> None:
    venue_id = await make_venue(db)
    for i in range(5):
        await make_event(db, f"Show {i}", venue_id=venue_id, starts_at=NOW + timedelta(hours=5 - i))
    page = await call("list_events", as_="public", limit=2, offset=2)
    assert [e.name for e in page.events] == ["Show 2", "Show 1"]
    assert (page.total, page.limit, page.offset) == (5, 2, 2)
    beyond = await call("list_events", as_="public", limit=2, offset=10)
    assert beyond.events == [] and beyond.total == 5
    for bad in ({"limit": 0}, {"limit": 201}, {"offset": -1}, {"sort": "name"}):
        with pytest.raises(InvalidInput):
            await call("list_events", as_="public", **bad)


async def test_filter_by_venue_and_status(call, db) -> None:
    blue, red = await make_venue(db, "Blue"), await make_venue(db, "Red")
    await make_event(db, "At Blue", venue_id=blue)
    await make_event(db, "At Red", venue_id=red)
    await make_event(db, "Off", venue_id=red, status="cancelled")
    assert [e.name for e in (await call("list_events", venue_id=blue)).events] == ["At Blue"]
    off = await call("list_events", venue_id=red, status="cancelled")
    assert [e.name for e in off.events] == ["Off"]
    with pytest.raises(InvalidInput):
        await call("list_events", status="finished")


# --- update ----------------------------------------------------------------------------------


async def test_update_event_changes_fields_and_emits_what_changed(call, db, clock) -> None:
    venue_id = await make_venue(db, "Blue Room")
    event = await _create(call, venue_id)
    clock.advance(hours=1)
    out = await call(
        "update_event", as_="staff", event_id=event.id, name="Jazz Night Live", description="New"
    )
    assert (out.name, out.description, out.starts_at) == ("Jazz Night Live", "New", event.starts_at)
    updates = await _domain_events(db, "event.updated")
    assert [(u.event_id, u.payload["changes"]) for u in updates] == [
        (event.id, ["description", "name"])
    ]
    stored = await _row(db, Event, event.id)
    assert stored.name == "Jazz Night Live" and stored.updated_at == NOW + timedelta(hours=1)


async def test_update_event_moves_venue(call, db) -> None:
    blue, red = await make_venue(db, "Blue Room"), await make_venue(db, "Red Room", "Europe/Paris")
    event = await _create(call, blue)
    out = await call("update_event", as_="staff", event_id=event.id, venue_id=red)
    assert (out.venue_id, out.venue_name, out.timezone) == (red, "Red Room", "Europe/Paris")
    with pytest.raises(NotFound, match="venue"):
        await call("update_event", as_="staff", event_id=event.id, venue_id=999)
    assert (await call("get_event", event_id=event.id)).venue_id == red


async def test_update_event_refuses_bad_changes(call, db) -> None:
    venue_id = await make_venue(db)
    event = await _create(call, venue_id, ends_at=datetime(2026, 12, 4, 23, 0, tzinfo=NY))
    with pytest.raises(InvalidInput, match="Nothing to change"):
        await call("update_event", as_="staff", event_id=event.id)
    with pytest.raises(InvalidInput, match="ends_at must be after"):
        await call(
            "update_event",
            as_="staff",
            event_id=event.id,
            starts_at=datetime(2026, 12, 5, 0, 0, tzinfo=NY),
        )
    with pytest.raises(InvalidInput, match="time zone"):
        await call("update_event", as_="staff", event_id=event.id, starts_at="2026-12-04T21:00")
    for field in ("name", "starts_at", "venue_id", "visibility", "description"):
        with pytest.raises(InvalidInput, match=field):
            await call("update_event", as_="staff", event_id=event.id, **{field: None})
    with pytest.raises(NotFound):
        await call("update_event", as_="staff", event_id=999, name="Ghost")
    assert await call("get_event", event_id=event.id) == event
    assert await _domain_events(db, "event.updated") == []


async def test_update_event_replaces_or_clears_categories(call, db) -> None:
    venue_id = await make_venue(db)
    jazz = (await call("create_category", as_="staff", name="Jazz")).id
    blues = (await call("create_category", as_="staff", name="Blues")).id
    event = await _create(call, venue_id, category_ids=[jazz])
    out = await call("update_event", as_="staff", event_id=event.id, category_ids=[blues, jazz])
    assert out.category_ids == sorted([jazz, blues])
    with pytest.raises(NotFound):
        await call("update_event", as_="staff", event_id=event.id, category_ids=[404])
    cleared = await call("update_event", as_="staff", event_id=event.id, category_ids=[])
    assert cleared.category_ids == []


async def test_update_can_clear_the_end_time(call, db) -> None:
    venue_id = await make_venue(db)
    event = await _create(call, venue_id, ends_at=datetime(2026, 12, 4, 23, 0, tzinfo=NY))
    out = await call("update_event", as_="staff", event_id=event.id, ends_at=None)
    assert out.ends_at is None


# --- postpone --------------------------------------------------------------------------------


async def test_postpone_without_a_date_marks_it_postponed(call, db) -> None:
    venue_id = await make_venue(db)
    event = await _create(call, venue_id)
    out = await call("postpone_event", as_="staff", event_id=event.id, reason="storm")
    assert out.status == "postponed" and out.starts_at == event.starts_at
    [update] = await _domain_events(db, "event.updated")
    assert update.payload["postponed"] is True and update.payload["reason"] == "storm"
    assert update.payload["status"] == "postponed"


async def test_postpone_to_a_new_date_keeps_the_duration(call, db) -> None:
    venue_id = await make_venue(db)
    event = await _create(call, venue_id, ends_at=datetime(2026, 12, 4, 23, 0, tzinfo=NY))
    new_start = datetime(2026, 12, 11, 21, 0, tzinfo=NY)
    out = await call("postpone_event", as_="staff", event_id=event.id, new_starts_at=new_start)
    assert out.starts_at == new_start
    assert out.ends_at == new_start + timedelta(hours=3)
    assert out.status == "scheduled"
    [update] = await _domain_events(db, "event.updated")
    assert datetime.fromisoformat(update.payload["starts_at"]) == new_start
    explicit = await call(
        "postpone_event",
        as_="staff",
        event_id=event.id,
        new_starts_at=new_start + timedelta(days=7),
        new_ends_at=new_start + timedelta(days=7, hours=1),
    )
    assert explicit.ends_at - explicit.starts_at == timedelta(hours=1)


async def test_postpone_refuses_an_end_before_the_new_start(call, db) -> None:
    venue_id = await make_venue(db)
    event = await _create(call, venue_id)
    new_start = datetime(2026, 12, 11, 21, 0, tzinfo=NY)
    with pytest.raises(InvalidInput, match="after"):
        await call(
            "postpone_event",
            as_="staff",
            event_id=event.id,
            new_starts_at=new_start,
            new_ends_at=new_start - timedelta(hours=1),
        )
    with pytest.raises(InvalidInput, match="new_starts_at"):
        await call("postpone_event", as_="staff", event_id=event.id, new_ends_at=new_start)
    assert (await call("get_event", event_id=event.id)).starts_at == event.starts_at
    assert await _domain_events(db, "event.updated") == []


async def test_cancelled_event_cannot_be_postponed(call, db) -> None:
    event_id = await make_event(db, status="cancelled")
    with pytest.raises(Conflict, match="cancelled"):
        await call("postpone_event", as_="staff", event_id=event_id)
    with pytest.raises(NotFound):
        await call("postpone_event", as_="staff", event_id=999)


# --- cancel and delete -----------------------------------------------------------------------


async def test_cancel_refunds_valid_tickets_and_releases_seats(call, db) -> None:
    event_id = await make_event(db)
    ga = await make_tier(db, event_id, "GA", price_cents=2500)
    vip = await make_tier(db, event_id, "VIP", price_cents=8000, capacity=10)
    ann, bob = await make_customer(db, "Ann Lee"), await make_customer(db, "Bob Ray")
    t1 = await make_ticket(db, event_id, ga, ann, price_cents=2500)
    t2 = await make_ticket(db, event_id, vip, bob, price_cents=8000)
    t3 = await make_ticket(db, event_id, ga, bob, price_cents=2500, status="refunded")
    async with db.unit_of_work() as s:  # t3 was refunded earlier: its seat is already free
        (await s.get(TicketTier, ga)).sold -= 1

    out = await call("cancel_event", as_="staff", event_id=event_id, reason="flooded")
    assert (out.tickets_refunded, out.refunded_cents) == (2, 10500)
    assert out.event.status == "cancelled"
    assert [(t.name, t.sold, t.status) for t in out.event.tiers] == [
        ("GA", 0, "paused"),
        ("VIP", 0, "paused"),
    ]
    assert (await _row(db, TicketTier, ga)).sold == 0
    statuses = [(await _row(db, Ticket, t)).status for t in (t1, t2, t3)]
    assert statuses == ["refunded", "refunded", "refunded"]
    async with db.sessions() as s:
        refunds = (await s.scalars(select(Refund).order_by(Refund.id))).all()
        orders = (await s.scalars(select(Order).order_by(Order.id))).all()
    assert [(r.ticket_id, r.amount_cents, r.reason) for r in refunds] == [
        (t1, 2500, "flooded"),
        (t2, 8000, "flooded"),
    ]
    assert [o.status for o in orders[:2]] == ["refunded", "refunded"]
    refunded_events = await _domain_events(db, "ticket.refunded")
    assert len(refunded_events) == 2
    assert all("qr" not in str(e.payload) for e in refunded_events)
    [update] = await _domain_events(db, "event.updated")
    assert update.payload["status"] == "cancelled" and update.event_id == event_id

    with pytest.raises(Conflict, match="already cancelled"):
        await call("cancel_event", as_="staff", event_id=event_id)


async def test_cancel_without_refunds_keeps_tickets(call, db) -> None:
    event_id = await make_event(db)
    tier = await make_tier(db, event_id)
    ticket = await make_ticket(db, event_id, tier, await make_customer(db))
    out = await call("cancel_event", as_="staff", event_id=event_id, refund_tickets=False)
    assert (out.tickets_refunded, out.refunded_cents) == (0, 0)
    assert out.event.tiers[0].sold == 1 and out.event.tiers[0].status == "paused"
    assert (await _row(db, Ticket, ticket)).status == "valid"
    assert (await call("list_events", status="cancelled")).total == 1


async def test_delete_event_refused_when_tickets_exist(call, db) -> None:
    event_id = await make_event(db)
    tier = await make_tier(db, event_id)
    await make_ticket(db, event_id, tier, await make_customer(db))
    with pytest.raises(Conflict, match="1 tickets"):
        await call("delete_event", event_id=event_id)
    await call("cancel_event", as_="staff", event_id=event_id)
    with pytest.raises(Conflict):  # refunded tickets are still history
        await call("delete_event", event_id=event_id)
    assert (await call("get_event", event_id=event_id)).status == "cancelled"


async def test_delete_event_with_tiers_but_no_sales(call, db) -> None:
    event_id = await make_event(db, "Test Event")
    tier = await make_tier(db, event_id)
    jazz = (await call("create_category", as_="staff", name="Jazz")).id
    await call("add_event_categories", as_="staff", event_id=event_id, category_ids=[jazz])
    out = await call("delete_event", event_id=event_id)
    assert out.name == "Test Event"
    with pytest.raises(NotFound):
        await call("get_event", event_id=event_id)
    assert await _row(db, TicketTier, tier) is None
    [deleted] = await _domain_events(db, "event.deleted")
    assert deleted.payload == {"event_id": event_id, "name": "Test Event"}
    with pytest.raises(NotFound):
        await call("delete_event", event_id=event_id)


# --- recurring series ------------------------------------------------------------------------


def _local(events: list[Any]) -> list[str]:
    return [e.starts_at.astimezone(NY).strftime("%Y-%m-%d %H:%M %Z") for e in events]


async def test_weekly_series_keeps_wall_clock_time_across_november_dst(call, db) -> None:
    venue_id = await make_venue(db, tz="America/New_York")
    out = await call(
        "create_recurring_event",
        as_="staff",
        name="Open Mic",
        venue_id=venue_id,
        first_starts_at=datetime(2026, 10, 22, 20, 0, tzinfo=NY),
        frequency="weekly",
        occurrences=3,
        duration_minutes=120,
    )
    assert _local(out.events) == [
        "2026-10-22 20:00 EDT",
        "2026-10-29 20:00 EDT",
        "2026-11-05 20:00 EST",
    ]
    assert [e.starts_at.astimezone(UTC).hour for e in out.events] == [
        0,
        0,
        1,
    ]  # UTC shifts by the DST hour
    assert all(e.ends_at - e.starts_at == timedelta(hours=2) for e in out.events)
    assert {e.series_id for e in out.events} == {out.series_id}


async def test_weekly_series_given_in_utc_keeps_local_time_across_march_dst(call, db) -> None:
    venue_id = await make_venue(db, tz="America/New_York")
    out = await call(
        "create_recurring_event",
        as_="staff",
        name="Trivia",
        venue_id=venue_id,
        first_starts_at=datetime(2027, 3, 5, 0, 0, tzinfo=UTC),  # 7 pm EST on March 4
        frequency="biweekly",
        occurrences=3,
    )
    assert _local(out.events) == [
        "2027-03-04 19:00 EST",
        "2027-03-18 19:00 EDT",
        "2027-04-01 19:00 EDT",
    ]
    assert all(e.ends_at is None for e in out.events)


async def test_monthly_series_keeps_the_day_and_clamps_short_months(call, db) -> None:
    venue_id = await make_venue(db, tz="America/New_York")
    out = await call(
        "create_recurring_event",
        as_="staff",
        name="Big Band",
        venue_id=venue_id,
        first_starts_at=datetime(2027, 1, 31, 20, 0, tzinfo=NY),
        frequency="monthly",
        occurrences=4,
    )
    assert _local(out.events) == [
        "2027-01-31 20:00 EST",
        "2027-02-28 20:00 EST",
        "2027-03-31 20:00 EDT",
        "2027-04-30 20:00 EDT",
    ]


async def test_monthly_series_crosses_the_year(call, db) -> None:
    venue_id = await make_venue(db, tz="America/New_York")
    out = await call(
        "create_recurring_event",
        as_="staff",
        name="Blues Jam",
        venue_id=venue_id,
        first_starts_at=datetime(2026, 11, 15, 21, 0, tzinfo=NY),
        frequency="monthly",
        occurrences=3,
    )
    assert _local(out.events) == [
        "2026-11-15 21:00 EST",
        "2026-12-15 21:00 EST",
        "2027-01-15 21:00 EST",
    ]


async def test_series_copies_tiers_and_categories_to_every_date(call, db) -> None:
    venue_id = await make_venue(db)
    jazz = (await call("create_category", as_="staff", name="Jazz")).id
    out = await call(
        "create_recurring_event",
        as_="staff",
        name="Open Mic",
        venue_id=venue_id,
        first_starts_at=NOW + timedelta(days=2),
        frequency="weekly",
        occurrences=3,
        category_ids=[jazz],
        visibility="unlisted",
        tiers=[
            {"name": "GA", "price_cents": 1500, "capacity": 80},
            {"name": "VIP", "price_cents": 4000, "capacity": 10},
        ],
    )
    assert len(out.events) == 3
    for event in out.events:
        assert [(t.name, t.price_cents, t.capacity, t.sold) for t in event.tiers] == [
            ("GA", 1500, 80, 0),
            ("VIP", 4000, 10, 0),
        ]
        assert event.category_ids == [jazz] and event.visibility == "unlisted"
    tier_ids = [t.id for e in out.events for t in e.tiers]
    assert len(set(tier_ids)) == 6
    assert len(await _domain_events(db, "event.created")) == 3


@pytest.mark.parametrize(
    "fields",
    [
        {"occurrences": 1},
        {"occurrences": 53},
        {"frequency": "daily"},
        {"first_starts_at": datetime(2026, 12, 1, 20, 0)},
        {"tiers": [{"name": "GA", "capacity": 0}]},
        {"tiers": [{"name": "GA", "capacity": 10, "price_cents": -1}]},
    ],
)
async def test_series_rejects_bad_input(call, db, fields: dict[str, Any]) -> None:
    venue_id = await make_venue(db)
    base = {
        "name": "Open Mic",
        "venue_id": venue_id,
        "first_starts_at": NOW + timedelta(days=1),
        "frequency": "weekly",
        "occurrences": 4,
    }
    with pytest.raises(InvalidInput):
        await call("create_recurring_event", as_="staff", **(base | fields))


async def test_series_bounds_and_unknown_venue(call, db) -> None:
    venue_id = await make_venue(db)
    out = await call(
        "create_recurring_event",
        as_="staff",
        name="Every Week",
        venue_id=venue_id,
        first_starts_at=NOW + timedelta(days=1),
        frequency="weekly",
        occurrences=52,
    )
    assert len(out.events) == 52
    assert out.events[-1].starts_at - out.events[0].starts_at == timedelta(weeks=51)
    with pytest.raises(NotFound):
        await call(
            "create_recurring_event",
            as_="staff",
            name="Nowhere",
            venue_id=999,
            first_starts_at=NOW,
            frequency="weekly",
            occurrences=2,
        )
    with pytest.raises(Forbidden):
        await call(
            "create_recurring_event",
            as_="agent",
            name="Agent Show",
            venue_id=venue_id,
            first_starts_at=NOW,
            frequency="weekly",
            occurrences=2,
        )


async def _series_with_a_past_date(call, db) -> tuple[int, list[int]]:  # type: ignore[no-untyped-def]
    venue_id = await make_venue(db)
    out = await call(
        "create_recurring_event",
        as_="staff",
        name="Open Mic",
        venue_id=venue_id,
        first_starts_at=NOW - timedelta(days=7, hours=-1),
        frequency="weekly",
        occurrences=3,
    )
    return out.series_id, [e.id for e in out.events]


async def test_update_series_changes_only_upcoming_dates_by_default(call, db) -> None:
    series_id, ids = await _series_with_a_past_date(call, db)
    out = await call("update_event_series", as_="staff", series_id=series_id, name="Open Mic Live")
    assert (out.series_id, out.updated) == (series_id, 2)
    names = [(await call("get_event", event_id=i)).name for i in ids]
    assert names == ["Open Mic", "Open Mic Live", "Open Mic Live"]
    updates = await _domain_events(db, "event.updated")
    assert sorted(u.event_id for u in updates) == ids[1:]
    assert all(u.payload["changes"] == ["name"] for u in updates)


async def test_update_series_can_reach_past_dates(call, db) -> None:
    series_id, ids = await _series_with_a_past_date(call, db)
    out = await call(
        "update_event_series",
        as_="staff",
        series_id=series_id,
        description="Sign up at the bar",
        visibility="draft",
        upcoming_only=False,
    )
    assert out.updated == 3
    events = [await call("get_event", as_="staff", event_id=i) for i in ids]
    assert {(e.description, e.visibility) for e in events} == {("Sign up at the bar", "draft")}


async def test_update_series_bad_input(call, db) -> None:
    series_id, _ = await _series_with_a_past_date(call, db)
    with pytest.raises(InvalidInput, match="Nothing to change"):
        await call("update_event_series", as_="staff", series_id=series_id)
    with pytest.raises(InvalidInput, match="Nothing to change"):
        await call("update_event_series", as_="staff", series_id=series_id, upcoming_only=False)
    with pytest.raises(InvalidInput, match="name"):
        await call("update_event_series", as_="staff", series_id=series_id, name=None)
    with pytest.raises(NotFound):
        await call("update_event_series", as_="staff", series_id=999, name="X")
    with pytest.raises(Forbidden):
        await call("update_event_series", as_="agent", series_id=series_id, name="X")
