"""A believable demo venue, built through the tools themselves so every row is one the product
could have made: events this week, tiers, customers, sales at the door and online, check-ins."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from aitickets.settings import Settings
from persistence.db import Database
from persistence.models import Event

from .context import Actor, Clock, system_clock
from .runner import ToolRunner

TZ = "America/New_York"
SEEDER = Actor(name="demo-seed", role="admin")

CUSTOMERS = [
    ("John Smith", "john.smith@example.com", "(555) 010-0101"),
    ("Jane Smith", "jane.smith@example.com", "555-010-0102"),
    ("Maria Garcia", "maria.garcia@example.com", "+1 555 010 0103"),
    ("Mike Brown", "mike.brown@example.com", "555.010.0104"),
    ("Sarah Lee", "sarah.lee@example.com", "(555) 010-0105"),
    ("David Kim", "david.kim@example.com", None),
    ("Aisha Khan", "aisha.khan@example.com", "555-010-0107"),
    ("Tom Wilson", "tom.wilson@example.com", None),
    ("Emily Chen", "emily.chen@example.com", "555 010 0109"),
    ("Carlos Diaz", "carlos.diaz@example.com", None),
]

# name, days from today, local start, categories, tiers [(name, price, capacity)], description
EVENTS = [
    (
        "Jazz Night",
        0,
        time(20, 0),
        ["Music"],
        [("General Admission", 2500, 120), ("VIP", 6000, 20)],
        "The Blue Room Quartet with special guests.",
    ),
    (
        "Comedy Hour",
        1,
        time(19, 30),
        ["Comedy"],
        [("General Admission", 1800, 80)],
        "Five local comics, one hour, no heckling (much).",
    ),
    (
        "Open Mic",
        2,
        time(19, 0),
        ["Music", "Community"],
        [("Free Entry", 0, 60)],
        "Sign up at the bar from 6:30pm.",
    ),
    (
        "Salsa Social",
        3,
        time(21, 0),
        ["Dance"],
        [("Early Bird", 1200, 30), ("Standard", 1500, 90)],
        "Beginner lesson at 9, open floor from 10.",
    ),
    (
        "Indie Showcase",
        5,
        time(20, 0),
        ["Music"],
        [("General Admission", 2000, 150)],
        "Three up-and-coming bands from the east coast.",
    ),
]


async def seed_demo(
    settings: Settings, *, only_if_empty: bool = False, clock: Clock = system_clock
) -> str:
    """Seed the demo venue; events are placed relative to `clock` (evals fix it)."""
    db = Database(settings.resolved_database_url)
    try:
        if only_if_empty:
            async with db.sessions() as session:
                if await session.scalar(select(func.count(Event.id))):
                    return "demo data already present: nothing seeded"
        return await _seed(ToolRunner(db, settings, clock=clock), clock)
    finally:
        await db.dispose()


async def _seed(runner: ToolRunner, clock: Clock) -> str:
    async def call(tool_name: str, **arguments: object):  # type: ignore[no-untyped-def]
        return await runner.call(tool_name, arguments, SEEDER)

    venue = await call(
        "create_venue",
        name="The Blue Room",
        address="12 Main Street, Brooklyn, NY",
        capacity=200,
        timezone=TZ,
        phone="(555) 010-0100",
    )
    categories = {}
    for name, color in [
        ("Music", "#2563eb"),
        ("Comedy", "#db2777"),
        ("Dance", "#ea580c"),
        ("Community", "#16a34a"),
    ]:
        categories[name] = (await call("create_category", name=name, color=color)).id
    today = clock().astimezone(ZoneInfo(TZ)).date()
    tickets_sold = 0
    checked_in = 0
    for index, (name, days, start, cats, tiers, description) in enumerate(EVENTS):
        starts = datetime.combine(today + timedelta(days=days), start, ZoneInfo(TZ))
        event = await call(
            "create_event",
            name=name,
            venue_id=venue.id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            description=description,
            category_ids=[categories[c] for c in cats],
        )
        tier_ids = [
            (
                await call(
                    "create_ticket_tier", event_id=event.id, name=t, price_cents=p, capacity=c
                )
            ).id
            for t, p, c in tiers
        ]
        for buyer_index, (buyer, email, phone) in enumerate(CUSTOMERS[index : index + 6]):
            tier_id = tier_ids[buyer_index % len(tier_ids)]
            order = await call(
                "purchase_tickets",
                event_id=event.id,
                tier_id=tier_id,
                quantity=1 + buyer_index % 3,
                payment="cash",
                customer={"name": buyer, "email": email, "phone": phone},
            )
            tickets_sold += len(order.tickets)
            if days == 0 and buyer_index % 2 == 0:
                await call("check_in_ticket", qr_token=order.tickets[0].qr_token)
                checked_in += 1
    await call(
        "update_about_section",
        section="hero",
        title="The Blue Room",
        body="Live music, comedy and dance in the heart of Brooklyn since 2009.",
    )
    await call(
        "update_about_section",
        section="mission",
        title="Our mission",
        body="A small room with a big sound, where every night feels like a first night.",
    )
    await call("add_team_member", name="Ed Duran", title="CEO")
    await call("add_team_member", name="Rosa Martinez", title="Head of Programming")
    return (
        f"seeded {len(EVENTS)} events at {venue.name} with {tickets_sold} tickets sold "
        f"and {checked_in} checked in"
    )
