"""What is on sale: venues, categories, events (and their series) and ticket tiers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped, utcnow

event_categories = Table(
    "event_categories",
    Base.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
)


class Venue(Timestamped, Base):
    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int] = mapped_column(default=0)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(320))


class Category(Timestamped, Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    color: Mapped[str | None] = mapped_column(String(16))


class EventSeries(Timestamped, Base):
    """Recurring events share a series so that "edit all" can reach every date."""

    __tablename__ = "event_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    frequency: Mapped[str] = mapped_column(String(16))  # weekly | biweekly | monthly


class Event(Timestamped, Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_starts_at", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("event_series.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    sales_start_at: Mapped[datetime | None]
    sales_end_at: Mapped[datetime | None]
    image_url: Mapped[str | None] = mapped_column(String(1000))
    promoter_name: Mapped[str | None] = mapped_column(String(200))
    promoter_phone: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    venue: Mapped[Venue] = relationship(lazy="raise")
    tiers: Mapped[list[TicketTier]] = relationship(
        back_populates="event", order_by="TicketTier.sort_order, TicketTier.id", lazy="raise"
    )
    categories: Mapped[list[Category]] = relationship(secondary=event_categories, lazy="raise")


class TicketTier(Timestamped, Base):
    __tablename__ = "ticket_tiers"
    __table_args__ = (
        # The last line of defence; sales go through one conditional UPDATE (tools/inventory.py).
        CheckConstraint("sold >= 0 AND held >= 0 AND sold + held <= capacity", name="stock"),
        CheckConstraint("price_cents >= 0", name="price"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    price_cents: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    capacity: Mapped[int]
    sold: Mapped[int] = mapped_column(default=0)
    held: Mapped[int] = mapped_column(default=0)
    max_per_order: Mapped[int] = mapped_column(default=10)
    status: Mapped[str] = mapped_column(String(16), default="on_sale")  # on_sale | paused
    sort_order: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="tiers", lazy="raise")

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.sold - self.held, 0)
