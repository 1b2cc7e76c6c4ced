"""Seats are taken and given back with one conditional UPDATE each, never read-then-write, so
no interleaving of requests or processes can oversell (SQLite and PostgreSQL alike)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from persistence.models import TicketTier


async def take_seats(session: AsyncSession, tier_id: int, quantity: int) -> int | None:
    """Sell `quantity` seats if they are there and the tier is on sale; the new sold count, or
    None when they are not (the caller says why)."""
    result = await session.execute(
        update(TicketTier)
        .where(
            TicketTier.id == tier_id,
            TicketTier.status == "on_sale",
            TicketTier.sold + TicketTier.held + quantity <= TicketTier.capacity,
        )
        .values(sold=TicketTier.sold + quantity)
        .returning(TicketTier.sold)
        .execution_options(synchronize_session=False)
    )
    return result.scalar_one_or_none()


async def release_seats(session: AsyncSession, tier_id: int, quantity: int) -> None:
    await session.execute(
        update(TicketTier)
        .where(TicketTier.id == tier_id, TicketTier.sold >= quantity)
        .values(sold=TicketTier.sold - quantity)
        .execution_options(synchronize_session=False)
    )


async def hold_seats(session: AsyncSession, tier_id: int, quantity: int) -> bool:
    """Hold seats for a pending checkout or a waitlist offer, if they are there and on sale."""
    result = await session.execute(
        update(TicketTier)
        .where(
            TicketTier.id == tier_id,
            TicketTier.status == "on_sale",
            TicketTier.sold + TicketTier.held + quantity <= TicketTier.capacity,
        )
        .values(held=TicketTier.held + quantity)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release_held(session: AsyncSession, tier_id: int, quantity: int) -> None:
    """Give held seats back to sale (a checkout or offer lapsed or was cancelled)."""
    await session.execute(
        update(TicketTier)
        .where(TicketTier.id == tier_id, TicketTier.held >= quantity)
        .values(held=TicketTier.held - quantity)
        .execution_options(synchronize_session=False)
    )


async def sell_held(session: AsyncSession, tier_id: int, quantity: int) -> None:
    """Turn held seats into sold ones (the checkout was paid)."""
    await session.execute(
        update(TicketTier)
        .where(TicketTier.id == tier_id, TicketTier.held >= quantity)
        .values(held=TicketTier.held - quantity, sold=TicketTier.sold + quantity)
        .execution_options(synchronize_session=False)
    )
