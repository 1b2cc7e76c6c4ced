"""The demo venue `make demo` serves: believable, this week, and seeded only once."""

from __future__ import annotations

from sqlalchemy import func, select

from aitickets.settings import Settings
from persistence.db import Database
from persistence.models import Customer, Event, Ticket
from tools.demo import seed_demo


async def test_demo_seeds_a_week_of_events_with_sales_and_check_ins(
    settings: Settings, db: Database
) -> None:
    summary = await seed_demo(settings)
    assert "seeded 5 events" in summary
    async with db.sessions() as session:
        events = (await session.scalars(select(Event).order_by(Event.starts_at))).all()
        statuses = dict(
            (
                await session.execute(select(Ticket.status, func.count()).group_by(Ticket.status))
            ).all()
        )
        customers = await session.scalar(select(func.count(Customer.id)))
    assert len(events) == 5
    assert (events[-1].starts_at - events[0].starts_at).days < 7
    assert statuses["checked_in"] >= 1 and statuses["valid"] >= 20
    assert customers == 10


async def test_demo_seeds_only_an_empty_database(settings: Settings, db: Database) -> None:
    await seed_demo(settings, only_if_empty=True)
    assert "nothing seeded" in await seed_demo(settings, only_if_empty=True)
    async with db.sessions() as session:
        assert await session.scalar(select(func.count(Event.id))) == 5
